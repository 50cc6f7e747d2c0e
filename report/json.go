package report

import (
	"encoding/json"
	"io"
)

// writeJSON encodes v (already normalized) as one object with 2-space
// indentation and a trailing newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
