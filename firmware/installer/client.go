package installer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
)

// Dial connects to the console socket at path and relays in to it and its
// output to out, until the daemon ends the session (logout), ctx ends, or
// in ends (then the daemon sees a hang-up).
func Dial(ctx context.Context, path string, in io.Reader, out io.Writer) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("no console at %s: is faxd serve running? (%w)", path, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: only the daemon's user (root) may open the console: %w", path, err)
	case err != nil:
		return fmt.Errorf("console: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	go func() {
		io.Copy(conn, in) //nolint:errcheck // the session's end is what counts
		if uc, ok := conn.(*net.UnixConn); ok {
			uc.CloseWrite() //nolint:errcheck // the daemon then sees the end of the input
		}
	}()
	_, err = io.Copy(out, conn)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
