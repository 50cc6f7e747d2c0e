//go:build unix

package proxy

import (
	"syscall"
	"time"
)

// closedByServer reports whether the server closed the connection while it
// was idle: a look at the socket that does not wait finds the end of the
// stream, an error, or bytes no request asked for.
func (c *serverConn) closedByServer() bool {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	// A read deadline left from the last exchange may have passed.
	c.read.reset()
	if c.Conn.SetReadDeadline(time.Time{}) != nil {
		return true
	}
	closed := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = n > 0 || (err == nil && n == 0) || (err != nil && err != syscall.EAGAIN && err != syscall.EINTR)
		return true // never wait
	})
	return err != nil || closed
}
