//go:build !unix

package proxy

import (
	"net"
	"testing"
)

// refusing names a loopback address nothing listens on, so connections to
// it are refused: a port that was free a moment ago.
func refusing(t *testing.T, name string) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return &testServer{name: name, addr: addr}
}
