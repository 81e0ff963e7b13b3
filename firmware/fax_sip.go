package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"faxbox/firmware/faxfile"
	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/t30"
)

// sipFlags are the options of faxd send and faxd receive on a SIP line.
type sipFlags struct {
	uri, user, passwordFile, listen, trace string
	t38Version                             int
}

func (f *sipFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}, send bool) {
	if send {
		fs.StringVar(&f.uri, "sip", "", "call this SIP URI (sip:NUMBER@HOST[:PORT]) with T.38 instead of using a modem")
		fs.StringVar(&f.user, "sip-user", "", "SIP user name (From, and digest authentication)")
		fs.StringVar(&f.passwordFile, "sip-password-file", "", "file whose first line is the SIP digest password")
		fs.IntVar(&f.t38Version, "t38-version", 0, "T.38 version offered: 0 to 3")
	}
	fs.StringVar(&f.listen, "sip-listen", "", "local SIP address HOST:PORT (receive: wait there for one call)")
	fs.StringVar(&f.trace, "sip-trace", "", "write the call's SIP messages and T.38 packet summary to this file")
}

// config is the one-call [[sip]] table the flags describe.
func (f *sipFlags) config() (sip.Config, error) {
	cfg := sip.Default()
	cfg.MaxCalls = 1
	cfg.User, cfg.PasswordFile = f.user, f.passwordFile
	if cfg.User == "" {
		cfg.User = "faxd"
	}
	cfg.T38.Version = f.t38Version
	if f.listen != "" {
		host, port, err := net.SplitHostPort(f.listen)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil {
			return cfg, fmt.Errorf("--sip-listen %q: want HOST:PORT", f.listen)
		}
		cfg.Listen, cfg.SIPPorts = host, sip.PortRange{Lo: p, Hi: p}
	}
	if err := cfg.Validate("sip"); err != nil {
		return cfg, fmt.Errorf("SIP options: %w", err)
	}
	return cfg, nil
}

// open starts a one-line SIP account.
func (f *sipFlags) open() (*sipline.Account, *sipline.Line, error) {
	cfg, err := f.config()
	if err != nil {
		return nil, nil, err
	}
	pw, err := cfg.ReadPassword()
	if err != nil {
		return nil, nil, err
	}
	acct, err := sipline.Open(cfg, sipline.Options{Password: pw})
	if err != nil {
		return nil, nil, err
	}
	return acct, acct.Lines()[0], nil
}

// finish writes the trace, if asked, and the JSON line; a call that ended
// on the SIP side before T.38 reports the SIP reason.
func (f *sipFlags) finish(stdout, stderr io.Writer, line *sipline.Line, r t30.Result, of int, file string) error {
	rec := line.Record()
	if f.trace != "" {
		if err := writeSIPTrace(f.trace, &rec); err != nil {
			fmt.Fprintf(stderr, "faxd: --sip-trace: %v\n", err)
		}
	}
	var end *sipline.EndError
	if !r.OK() && errors.As(r.Err, &end) {
		r.Reason, r.Text = t30.Reason(end.Reason), end.Reason.Text()
	}
	reportBilled(stdout, r, of, file, rec.Billed())
	if !r.OK() {
		return errQuiet
	}
	return nil
}

func writeSIPTrace(name string, rec *sipline.Record) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := rec.WriteTrace(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// run opens the one-line account, runs call on its line until the call
// has ended (or SIGINT/SIGTERM), and closes the account.
func (f *sipFlags) run(call func(ctx context.Context, line *sipline.Line) error) error {
	acct, line, err := f.open()
	if err != nil {
		return err
	}
	defer acct.Close()
	ctx, stop := signalContext()
	defer stop()
	return call(ctx, line)
}

// send is faxd send --sip: one call to the URI.
func (f *sipFlags) send(stdout, stderr io.Writer, doc t30.Pages, o t30.Options) error {
	if f.t38Version < 0 || f.t38Version > 3 {
		return fmt.Errorf("--t38-version %d: want 0 to 3", f.t38Version)
	}
	return f.run(func(ctx context.Context, line *sipline.Line) error {
		r := t30.Send(ctx, line, f.uri, doc, o)
		hangUp(line)
		return f.finish(stdout, stderr, line, r, doc.Len(), "")
	})
}

// receive is faxd receive --sip-listen: waits for one call, answers it
// and stores the confirmed pages in dir.
func (f *sipFlags) receive(stdout, stderr io.Writer, dir string, o t30.Options) error {
	return f.run(func(ctx context.Context, line *sipline.Line) error {
		if _, err := line.WaitRing(ctx); err != nil {
			return fmt.Errorf("waiting for a call: %w", err)
		}
		store, err := faxfile.Create(filepath.Join(dir, "fax-"+time.Now().Format("20060102-150405")+".tif"))
		if err != nil {
			return err
		}
		o.OnPage = store.Add
		r := t30.Receive(ctx, line, o)
		hangUp(line)
		file, err := store.Finish()
		if err != nil {
			fmt.Fprintf(stderr, "faxd receive: %v\n", err)
		}
		return f.finish(stdout, stderr, line, r, 0, file)
	})
}

// hangUp makes sure the call has ended (BYE sent or received) so that its
// billing time and trace are complete.
func hangUp(line *sipline.Line) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = line.HangUp(ctx)
}
