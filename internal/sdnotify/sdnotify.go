// Package sdnotify speaks systemd's service notification protocol
// (sd_notify(3)): a datagram of "KEY=VALUE" lines to the unix socket named
// by $NOTIFY_SOCKET, telling the service manager that the service is ready
// (READY=1), alive (WATCHDOG=1) or stopping (STOPPING=1). [Watchdog] sends
// the keep-alives only while a set of health checks passes, so that a hung
// daemon is restarted. It also tells whether standard error is connected
// to the journal ($JOURNAL_STREAM).
//
// It does not talk to systemd otherwise (no D-Bus, no unit control), and
// it is pure Go.
package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Notifier sends notifications to one socket.
type Notifier struct {
	addr *net.UnixAddr
}

// ErrNoSocket is returned by FromEnv when $NOTIFY_SOCKET is unset: the
// process does not run under a service manager that listens.
var ErrNoSocket = errors.New("sdnotify: NOTIFY_SOCKET is not set")

// New returns a notifier sending to the socket at path; a path starting
// with "@" names a socket in the abstract namespace, as systemd passes it.
func New(path string) (*Notifier, error) {
	if path == "" || (path[0] != '/' && path[0] != '@') {
		return nil, fmt.Errorf("sdnotify: %q is not a socket path", path)
	}
	return &Notifier{addr: &net.UnixAddr{Name: path, Net: "unixgram"}}, nil
}

// FromEnv returns the notifier of $NOTIFY_SOCKET, ErrNoSocket when unset.
func FromEnv() (*Notifier, error) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil, ErrNoSocket
	}
	return New(path)
}

// Notify sends state, one or more "KEY=VALUE" lines, in one datagram.
func (n *Notifier) Notify(state string) error {
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	return nil
}

// WatchdogInterval returns the service's watchdog timeout from
// $WATCHDOG_USEC, 0 when there is none or $WATCHDOG_PID names another
// process (sd_watchdog_enabled(3)). Keep-alives are due at half of it.
func WatchdogInterval() time.Duration {
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	us, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || us <= 0 {
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// JournalStream reports whether f (standard error) is the stream that
// systemd connected to the journal: $JOURNAL_STREAM is "DEVICE:INODE" of
// that stream (systemd.exec(5)), so a redirected stderr does not count.
func JournalStream(f *os.File) bool {
	dev, ino, ok := strings.Cut(os.Getenv("JOURNAL_STREAM"), ":")
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return statMatches(fi, dev, ino)
}
