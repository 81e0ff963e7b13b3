package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"faxbox/firmware/config"
	"faxbox/firmware/console"
	"faxbox/firmware/installer"
)

// runConsole implements "faxd console": the installer console of the
// running daemon, reached through its unix socket, on this terminal; and
// "faxd console hash-pin", which makes console.pin_hash.
func runConsole(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "hash-pin" {
		return runHashPIN(args[1:], stdout, stderr)
	}
	fl := newFlagSet("console", "console [--config FILE | --demo | --socket PATH]\n       faxd console hash-pin", stderr)
	configPath := fl.String("config", config.DefaultPath, "configuration file of the running faxd serve (for its data directory)")
	demo := fl.Bool("demo", false, "the console of faxd serve --demo (data in ./var/demo)")
	sock := fl.String("socket", "", "the daemon's console socket (default DATA_DIR/"+installer.SocketName+")")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 {
		fl.Usage()
		return errUsage
	}
	path := *sock
	switch {
	case path != "":
	case *demo:
		path = filepath.Join(config.DemoDataDir, "demo", installer.SocketName)
	default:
		cfg, err := config.Load(*configPath)
		if err != nil {
			return err
		}
		path = filepath.Join(cfg.DataPath(), installer.SocketName)
	}
	if isTerminal(os.Stdin) {
		restore, err := rawMode(os.Stdin)
		if err != nil {
			return err
		}
		defer restore()
	}
	ctx, stop := signalContext()
	defer stop()
	return installer.Dial(ctx, path, os.Stdin, stdout)
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	return err == nil
}

// stty runs stty on the terminal f.
func stty(f *os.File, args ...string) (string, error) {
	cmd := exec.Command("stty", args...)
	cmd.Stdin = f
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("stty %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// rawMode puts the terminal f in raw mode, so that every key (Ctrl-C,
// backspace) goes to the console as typed; restore puts it back.
func rawMode(f *os.File) (restore func(), err error) {
	saved, err := stty(f, "-g")
	if err != nil {
		return nil, err
	}
	if _, err := stty(f, "raw", "-echo"); err != nil {
		return nil, err
	}
	return func() { stty(f, saved) }, nil //nolint:errcheck // nothing more to do
}

// runHashPIN implements "faxd console hash-pin": it reads the installer
// PIN (twice, without echo, from a terminal; once from a pipe) and prints
// the console.pin_hash line for the configuration file.
func runHashPIN(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("console hash-pin", "console hash-pin < PIN", stderr)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 {
		fl.Usage()
		return errUsage
	}
	tty := isTerminal(os.Stdin)
	if tty {
		restore, err := func() (func(), error) {
			if _, err := stty(os.Stdin, "-echo"); err != nil {
				return nil, err
			}
			return func() { stty(os.Stdin, "echo") }, nil //nolint:errcheck // nothing more to do
		}()
		if err != nil {
			return err
		}
		defer restore()
	}
	pin, err := hashPIN(bufio.NewReader(os.Stdin), tty, stderr)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "pin_hash = %q\n", pin)
	return err
}

// hashPIN reads the PIN from in (twice when confirm) and hashes it.
func hashPIN(in *bufio.Reader, confirm bool, prompts io.Writer) (string, error) {
	read := func(prompt string) (string, error) {
		if confirm {
			fmt.Fprint(prompts, prompt)
			defer fmt.Fprintln(prompts)
		}
		line, err := in.ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || line == "") {
			return "", fmt.Errorf("reading the PIN: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	pin, err := read("Installer PIN: ")
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := read("Again: ")
		if err != nil {
			return "", err
		}
		if again != pin {
			return "", errors.New("the two PINs differ")
		}
	}
	return console.HashPIN(pin)
}
