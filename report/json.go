package report

import (
	"encoding/json"
	"io"
)

// writeJSON encodes c (already normalized) as one object with 2-space
// indentation and a trailing newline.
func writeJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}
