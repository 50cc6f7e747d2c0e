//go:build unix

package proxy

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

// refusing names a loopback address nothing listens on, so connections to
// it are refused. (Killing a server that just started is not the same: its
// listener may accept a connection before it closes.) A socket bound to
// the port, without SO_REUSEADDR and never listening, holds it for the
// test, so that no listener opened meanwhile (the proxy's own, say) can
// get it and answer in its place.
func refusing(t *testing.T, name string) *testServer {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	return &testServer{name: name, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
}
