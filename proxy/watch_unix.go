//go:build unix

package proxy

import (
	"net"
	"syscall"
	"time"
)

// clientGone reports whether the client closed its connection (or it
// broke): a look at the socket that does not wait finds the end of the
// stream or an error. Bytes the client sent meanwhile (its next request)
// mean it is still there.
func clientGone(c net.Conn) bool {
	if cc, ok := c.(*clientConn); ok {
		c = cc.Conn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	// The deadline for the request's body may have passed; the front end
	// sets the next one before it reads again.
	if c.SetReadDeadline(time.Time{}) != nil {
		return true
	}
	gone := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		gone = (err == nil && n == 0) || (err != nil && err != syscall.EAGAIN && err != syscall.EINTR)
		return true // never wait
	})
	return err != nil || gone
}
