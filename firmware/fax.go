package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"faxbox/firmware/faxfile"
	"faxbox/modem"
	"faxbox/pages"
	"faxbox/pages/render"
	"faxbox/t30"
)

// modemFlags are the options that open a modem.
type modemFlags struct {
	device  string
	baud    int
	flow    string
	wirelog string
	verbose bool
}

func (m *modemFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}) {
	fs.StringVar(&m.device, "modem", "", "serial device of the class 1 modem, e.g. /dev/ttyUSB0")
	fs.IntVar(&m.baud, "baud", 115200, "serial speed")
	fs.StringVar(&m.flow, "flow", "rtscts", "flow control: rtscts, xonxoff or none")
	fs.StringVar(&m.wirelog, "wirelog", "", "write every byte to and from the modem to this file")
	fs.BoolVar(&m.verbose, "v", false, "print the T.30 trace on standard error")
}

// open opens and resets the modem; the returned function closes it (and
// the wire log).
func (m *modemFlags) open(ctx context.Context) (*modem.Modem, func(), error) {
	if m.device == "" {
		return nil, nil, fmt.Errorf("--modem is required: %w", errUsage)
	}
	var flow modem.Flow
	switch m.flow {
	case "rtscts":
		flow = modem.FlowRTSCTS
	case "xonxoff":
		flow = modem.FlowXONXOFF
	case "none":
		flow = modem.FlowNone
	default:
		return nil, nil, fmt.Errorf("--flow %q: want rtscts, xonxoff or none", m.flow)
	}
	var cfg modem.Config
	var logFile *os.File
	if m.wirelog != "" {
		f, err := os.Create(m.wirelog)
		if err != nil {
			return nil, nil, err
		}
		logFile = f
		cfg.WireLog = modem.NewWireLog(f)
	}
	md, err := modem.Open(modem.PortConfig{Device: m.device, Baud: m.baud, Flow: flow}, cfg)
	if err != nil {
		if logFile != nil {
			logFile.Close()
		}
		return nil, nil, fmt.Errorf("%s: %w", m.device, err)
	}
	closer := func() {
		md.Close()
		if logFile != nil {
			logFile.Close()
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := md.Reset(rctx); err != nil {
		closer()
		return nil, nil, fmt.Errorf("%s: %w", m.device, err)
	}
	return md, closer, nil
}

func (m *modemFlags) logger(stderr io.Writer) *slog.Logger {
	if !m.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// callJSON is the one-line JSON report of faxd send and faxd receive.
type callJSON struct {
	Result           string  `json:"result"`
	Text             string  `json:"text"`
	Pages            int     `json:"pages"`
	Of               int     `json:"of,omitempty"`
	BitRate          int     `json:"bit_rate,omitempty"`
	ECM              bool    `json:"ecm"`
	Coding           string  `json:"coding,omitempty"`
	Resolution       string  `json:"resolution,omitempty"`
	ConnectedSeconds float64 `json:"connected_seconds"`
	RemoteIdent      string  `json:"remote_ident,omitempty"`
	File             string  `json:"file,omitempty"`
	Error            string  `json:"error,omitempty"`
	// BilledSeconds is a SIP call's time from 200 OK to BYE.
	BilledSeconds float64 `json:"billed_seconds,omitempty"`
}

func report(w io.Writer, r t30.Result, of int, file string) { reportBilled(w, r, of, file, 0) }

// reportBilled writes the JSON line, with billed, a SIP call's billing
// time, when positive.
func reportBilled(w io.Writer, r t30.Result, of int, file string, billed time.Duration) {
	j := callJSON{Result: string(r.Reason), Text: r.Text, Pages: r.Pages, Of: of,
		ConnectedSeconds: seconds(r.Connected), BilledSeconds: seconds(billed),
		RemoteIdent: r.RemoteIdent, File: file, ECM: r.ECM}
	if r.BitRate > 0 {
		j.BitRate = r.BitRate
		j.Coding = r.Coding.String()
		j.Resolution = r.Resolution.String()
	}
	if r.Err != nil && !r.OK() {
		j.Error = r.Err.Error()
	}
	b, _ := json.Marshal(j)
	fmt.Fprintln(w, string(b))
}

func seconds(d time.Duration) float64 {
	return float64(d.Round(10*time.Millisecond)) / float64(time.Second)
}

// signalContext is cancelled by SIGINT or SIGTERM, so an interrupted call
// still hangs up.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runSend implements "faxd send".
func runSend(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("send", "send --modem DEV [--baud N] --number NUMBER [--ident TEXT] [--ecm on|off] [--max-rate BPS] [--resolution standard|fine|superfine] FILE...\n"+
		"   or: send --sip sip:NUMBER@HOST[:PORT] [--sip-user U --sip-password-file F] [--sip-listen HOST:PORT] [--ecm on|off] [--t38-version N] [--ident TEXT] FILE...", stderr)
	var mf modemFlags
	mf.register(fs)
	var sf sipFlags
	sf.register(fs, true)
	number := fs.String("number", "", "the number to dial, as the modem dials it (digits, ',' pause, 'W' wait for dial tone)")
	ident := fs.String("ident", "", "this station's identification (TSI), up to 20 characters")
	ecm := fs.String("ecm", "off", "error correction mode: on or off")
	maxRate := fs.Int("max-rate", 14400, "highest bit rate: 14400, 12000, 9600, 7200, 4800 or 2400")
	resolution := fs.String("resolution", "fine", "resolution of PBM pages (TIFF pages carry their own)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 || (*number == "") == (sf.uri == "") {
		fs.Usage()
		return errUsage
	}
	switch *ecm {
	case "off":
	case "on":
		if sf.uri == "" {
			return errors.New("--ecm on: error correction mode is not implemented yet on modems")
		}
	default:
		return fmt.Errorf("--ecm %q: want on or off", *ecm)
	}
	switch *maxRate {
	case 14400, 12000, 9600, 7200, 4800, 2400:
	default:
		return fmt.Errorf("--max-rate %d: want 14400, 12000, 9600, 7200, 4800 or 2400", *maxRate)
	}
	if len(*ident) > t30.IdentLen {
		return fmt.Errorf("--ident %q: at most %d characters", *ident, t30.IdentLen)
	}
	res, err := pages.ParseResolution(*resolution)
	if err != nil {
		return err
	}
	doc, err := loadDocument(fs.Args(), res)
	if err != nil {
		return err
	}
	if sf.uri != "" {
		return sf.send(stdout, stderr, doc, t30.Options{Ident: *ident, MaxRate: *maxRate, NoECM: *ecm == "off", Logger: mf.logger(stderr)})
	}
	ctx, stop := signalContext()
	defer stop()
	md, closeModem, err := mf.open(ctx)
	if err != nil {
		return err
	}
	defer closeModem()
	r := t30.Send(ctx, md, *number, doc, t30.Options{Ident: *ident, MaxRate: *maxRate, Logger: mf.logger(stderr)})
	report(stdout, r, doc.Len(), "")
	if !r.OK() {
		return errQuiet
	}
	return nil
}

// loadDocument reads the pages of every file, in order: PBM and TIFF pages
// as they are, anything else (PDF, images, text) rendered into fax pages
// at res, without a cover page or header line.
func loadDocument(files []string, res pages.Resolution) (t30.Pages, error) {
	var doc t30.Pages
	xd, yd := res.DPI()
	for _, name := range files {
		if _, err := kindOf(name); err != nil {
			rendered, err := renderFile(name, res)
			if err != nil {
				return nil, err
			}
			doc = append(doc, rendered...)
			continue
		}
		src, err := openPages(name, nil)
		if err != nil {
			return nil, err
		}
		for n := 1; ; n++ {
			p, _, err := src.nextPage()
			if err == io.EOF {
				break
			}
			if err != nil {
				src.Close()
				return nil, fmt.Errorf("%s: page %d: %w", name, n, err)
			}
			if p.YDPI == 0 {
				p.XDPI, p.YDPI = xd, yd
			}
			doc = append(doc, p)
		}
		src.Close()
	}
	if len(doc) == 0 {
		return nil, errors.New("no pages to send")
	}
	return doc, nil
}

// renderFile renders one document into fax pages.
func renderFile(name string, res pages.Resolution) ([]*pages.Page, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := render.New(render.Options{Resolution: res, NoCover: true, NoHeader: true})
	doc, err := r.Render(ctx, render.Message{}, attachments([]string{name}))
	if err != nil {
		return nil, err
	}
	return doc.All(ctx)
}

// runReceive implements "faxd receive".
func runReceive(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("receive", "receive --modem DEV [--baud N] [--rings N] [--ident TEXT] --out DIR\n"+
		"   or: receive --sip-listen HOST:PORT --out DIR [--ident TEXT]", stderr)
	var mf modemFlags
	mf.register(fs)
	var sf sipFlags
	sf.register(fs, false)
	rings := fs.Int("rings", 1, "answer after this many rings")
	ident := fs.String("ident", "", "this station's identification (CSI), up to 20 characters")
	out := fs.String("out", "", "directory for the received fax (TIFF-F)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *rings < 1 || *rings > 20 {
		return fmt.Errorf("--rings %d: want 1 to 20", *rings)
	}
	if st, err := os.Stat(*out); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s: not a directory", *out)
	}
	if sf.listen != "" {
		return sf.receive(stdout, stderr, *out, t30.Options{Ident: *ident, Logger: mf.logger(stderr)})
	}
	ctx, stop := signalContext()
	defer stop()
	md, closeModem, err := mf.open(ctx)
	if err != nil {
		return err
	}
	defer closeModem()
	for {
		ring, err := md.WaitRing(ctx)
		if err != nil {
			return fmt.Errorf("waiting for a call: %w", err)
		}
		if ring.Count >= *rings {
			break
		}
	}
	store, err := faxfile.Create(filepath.Join(*out, "fax-"+time.Now().Format("20060102-150405")+".tif"))
	if err != nil {
		return err
	}
	r := t30.Receive(ctx, md, t30.Options{Ident: *ident, Logger: mf.logger(stderr), OnPage: store.Add})
	file, err := store.Finish()
	if err != nil {
		fmt.Fprintf(stderr, "faxd receive: %v\n", err)
	}
	report(stdout, r, 0, file)
	if !r.OK() {
		return errQuiet
	}
	return nil
}
