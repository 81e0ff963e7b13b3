// Package fakemanager is a fake service manager for tests of sd_notify
// clients: the unixgram socket that systemd passes in $NOTIFY_SOCKET
// (sd_notify(3)), whose datagrams a test reads one by one. It is test
// support only; the product never imports it.
package fakemanager

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Manager is the listening socket of a fake service manager.
type Manager struct {
	t    testing.TB
	path string
	conn *net.UnixConn
}

// New listens on path, or on a fresh short path in a temporary directory
// when path is "" (sun_path has 108 bytes, so t.TempDir's long names do
// not do). A path starting with "@" is an abstract socket. The socket is
// closed when the test ends.
func New(t testing.TB, path string) *Manager {
	t.Helper()
	if path == "" {
		dir, err := os.MkdirTemp("", "sdn")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		path = filepath.Join(dir, "notify")
	}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Manager{t: t, path: path, conn: c}
}

// Path is the socket's address, what $NOTIFY_SOCKET would say.
func (m *Manager) Path() string { return m.path }

// Next returns the next datagram, failing the test when none comes within
// wait.
func (m *Manager) Next(wait time.Duration) string {
	m.t.Helper()
	buf := make([]byte, 4096)
	m.conn.SetReadDeadline(time.Now().Add(wait))
	n, err := m.conn.Read(buf)
	if err != nil {
		m.t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

// Conn is the listening socket, for tests that read it themselves.
func (m *Manager) Conn() *net.UnixConn { return m.conn }
