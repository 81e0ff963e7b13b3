package installer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"

	"faxbox/firmware/console"
)

// SocketName is the name of the console's unix socket in the data
// directory; `faxd console` connects to it.
const SocketName = "console.sock"

// serialRetry is the wait before the console's serial port is opened
// again after it failed or vanished (a USB gadget port unplugged).
const serialRetry = 5 * time.Second

// ConsolesConfig configures the consoles.
type ConsolesConfig struct {
	Backend console.Backend
	// DataDir holds the socket.
	DataDir string
	// PINHash (console.pin_hash) is required on the serial port, and on
	// the socket when set.
	PINHash string
	// Device (console.device), if set, is the serial port, at Baud 8N1.
	Device string
	Baud   int
	Logger *slog.Logger
}

// Consoles is the installer console of a running daemon: a unix socket
// DATA_DIR/console.sock (mode 0600) that `faxd console` connects to, one
// session per connection, and, when a device is set, sessions one after
// another on that serial port. On the socket a session needs the PIN when
// one is set and none otherwise (only the daemon's user can open the
// socket); on the serial port the PIN is required.
type Consoles struct {
	cfg     ConsolesConfig
	path    string
	session console.Config
	log     *slog.Logger

	mu sync.Mutex
	ln net.Listener // listening, until Run ends; nil then
}

// Listen opens the console's socket, refusing a serial console without a
// PIN and a socket that another daemon answers on.
func Listen(cfg ConsolesConfig) (*Consoles, error) {
	if cfg.Device != "" && cfg.PINHash == "" {
		return nil, fmt.Errorf("console.device %s: %w", cfg.Device, console.ErrNoPIN)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Consoles{cfg: cfg, path: filepath.Join(cfg.DataDir, SocketName), log: log,
		session: console.Config{Backend: cfg.Backend, PINHash: cfg.PINHash, Guard: &console.Guard{}, Logger: log}}
	ln, err := listenUnix(c.path)
	if err != nil {
		return nil, err
	}
	c.ln = ln
	return c, nil
}

// Run runs the sessions until ctx ends, then ends every session and
// removes the socket. Run again after it returned, it listens again.
func (c *Consoles) Run(ctx context.Context) error {
	c.mu.Lock()
	ln := c.ln
	c.ln = nil
	c.mu.Unlock()
	if ln == nil {
		var err error
		if ln, err = listenUnix(c.path); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	stopAccept := context.AfterFunc(ctx, func() { ln.Close() })
	var wg sync.WaitGroup
	defer func() {
		cancel()
		stopAccept()
		ln.Close()
		wg.Wait()
		os.Remove(c.path)
	}()
	if dev := c.cfg.Device; dev != "" {
		sc := c.session
		sc.Repeat = true
		wg.Go(func() { serialConsole(ctx, dev, c.cfg.Baud, sc, c.log) })
	}
	sc := c.session
	sc.NoPIN = true
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("console: socket: %w", err)
		}
		wg.Go(func() {
			defer conn.Close()
			if err := console.Run(ctx, conn, sc); err != nil && !errors.Is(err, console.ErrHangUp) {
				c.log.Error("console: session on the socket", "err", err)
			}
		})
	}
}

// listenUnix listens on the unix socket at path, mode 0600, replacing a
// socket that a daemon which died left behind.
func listenUnix(path string) (net.Listener, error) {
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("console: %s: another faxd serve is running", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("console: %w", err)
	}
	// The umask makes the socket private from the start; Chmod then
	// states the mode whatever the umask was.
	old := unix.Umask(0o077)
	ln, err := net.Listen("unix", path)
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("console: %w", err)
	}
	return ln, nil
}

// serialConsole runs console sessions on a serial port until ctx ends,
// opening it again when it fails.
func serialConsole(ctx context.Context, dev string, baud int, cfg console.Config, log *slog.Logger) {
	for ctx.Err() == nil {
		port, err := serial.Open(dev, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
		if err != nil {
			log.Warn("console: cannot open the serial port", "device", dev, "err", err)
		} else {
			log.Info("console: on the serial port", "device", dev, "baud", baud)
			// Run closes the port when it returns, which ends its read.
			if err := console.Run(ctx, port, cfg); err != nil {
				log.Warn("console: serial port", "device", dev, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(serialRetry):
		}
	}
}
