//go:build spandsp

package sim_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"faxbox/internal/pty"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/modem/spandsp"
)

// TestCompareSpandsp runs the same raw AT command sequences on a pair of
// simulated modems and on a pair of spandsp's T.31 software modems, each
// on pseudo-terminals, and asserts the same result codes in the same
// order, the same V.21 frames (FCS included) and the same image data, so
// that the simulator does not drift from a real modem.
//
// What legitimately differs, and is not compared:
//   - identity (ATI, AT+FMI? ...): the scripts do not ask;
//   - timing: spandsp rings after 0.5 s and every 3 s, the simulator
//     after 2 s and every 6 s (scaled here); the scripts answer the first
//     RING and compare RING once;
//   - data after the end of a high-speed carrier: spandsp passes on what
//     its demodulator made of the carrier's tail (a few dozen bytes)
//     before <DLE><ETX>, the simulator nothing; the data sent must be a
//     prefix of what each received;
//   - +FCERROR for the wrong high-speed carrier: the simulator reports it
//     when AT+FRM=n hears another high-speed modulation, or AT+FRH=3 a
//     high-speed carrier, as T.31 describes and many hardware modems
//     do; spandsp 0.0.6 reports it only for V.21 heard during
//     AT+FRM (compared below) and otherwise keeps waiting;
//   - the 5 s DTE timeout after AT+FTH CONNECT (ERROR), which spandsp
//     0.0.6 never fires;
//   - a late AT+FRH=3: when a frame arrived before the DTE asked for it,
//     spandsp reports CONNECT twice and then swallows the DTE's next
//     command (answering <DLE><ETX> OK); the scripts ask in time, as a
//     T.30 engine must.
func TestCompareSpandsp(t *testing.T) {
	type result struct{ a, b []string }
	var (
		mu      sync.Mutex
		results = map[string]result{}
	)
	var wg sync.WaitGroup
	for _, kind := range []string{"sim", "spandsp"} {
		a, b, closeAll := comparePair(t, kind)
		defer closeAll()
		wg.Go(func() {
			ta, tb := compareScript(t, a, b)
			mu.Lock()
			results[kind] = result{ta, tb}
			mu.Unlock()
		})
	}
	wg.Wait()
	s, r := results["sim"], results["spandsp"]
	for _, side := range []struct {
		name     string
		sim, ref []string
	}{{"caller", s.a, r.a}, {"answerer", s.b, r.b}} {
		if !slices.Equal(side.sim, side.ref) {
			t.Errorf("%s transcripts differ:\n%s", side.name, diffLines(side.sim, side.ref))
		} else {
			t.Logf("%s: %d steps alike", side.name, len(side.sim))
		}
	}
}

// diffLines shows two transcripts side by side.
func diffLines(sim, ref []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "   %-50s | spandsp\n", "sim")
	for i := range max(len(sim), len(ref)) {
		var x, y string
		if i < len(sim) {
			x = sim[i]
		}
		if i < len(ref) {
			y = ref[i]
		}
		mark := " "
		if x != y {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s  %-50s | %s\n", mark, x, y)
	}
	return b.String()
}

// comparePair opens a modem pair of the given kind and a raw DTE on each
// pty slave.
func comparePair(t *testing.T, kind string) (a, b *dte, closeAll func()) {
	t.Helper()
	var paths [2]string
	var closers []func()
	switch kind {
	case "spandsp":
		l, err := spandsp.NewModemPair(spandsp.Options{Logf: func(f string, args ...any) { t.Logf(kind+": "+f, args...) }})
		if err != nil {
			t.Fatal(err)
		}
		closers = append(closers, func() { l.Close() })
		paths = [2]string{l.SlavePath(0), l.SlavePath(1)}
	case "sim":
		// Time runs 4 times faster than on a line: the scripts
		// synchronise on results, not on time.
		l := sim.NewLine(sim.LineConfig{Scale: 4}, sim.Config{Number: "5550199"}, sim.Config{})
		closers = append(closers, func() { l.Close() })
		for i, m := range []*sim.Modem{l.A(), l.B()} {
			p, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { m.Serve(p.Master); close(done) }()
			closers = append(closers, func() { p.Close(); <-done })
			paths[i] = p.SlavePath
		}
	}
	var ds [2]*dte
	for i, path := range paths {
		f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			t.Fatal(err)
		}
		closers = append(closers, func() { f.Close() })
		ds[i] = &dte{t: t, name: kind + [2]string{" caller", " answerer"}[i], f: f}
	}
	return ds[0], ds[1], func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
	}
}

// Frames of the scripts, without FCS; the modems add it.
var (
	cmpCSI = []byte{0xff, 0x03, 0x40, '0', '0', '1', '0', 0x10, '5', '5', '5'}
	cmpDIS = []byte{0xff, 0x13, 0x80, 0x00, 0xce, 0xf4}
	cmpTSI = []byte{0xff, 0x03, 0x43, '9', '9', '1', '0', '5', '5', '5'}
	cmpDCS = []byte{0xff, 0x13, 0x83, 0x00, 0xc6, 0x10}
	cmpCFR = []byte{0xff, 0x13, 0x84}
	cmpEOP = []byte{0xff, 0x13, 0x2f}
	cmpMCF = []byte{0xff, 0x13, 0x8c}
	cmpDCN = []byte{0xff, 0x13, 0xfb}
)

// compareScript runs the caller's and the answerer's scripts at the same
// time and returns their transcripts and the high-speed data received.
func compareScript(t *testing.T, a, b *dte) (ta, tb []string) {
	tcf := bytes.Repeat([]byte{0}, 300)
	img := make([]byte, 1500)
	for i := range img {
		img[i] = byte(i*37 + i/7) // DLEs included
	}
	sent := [][]byte{tcf, img}
	var (
		initDone = make(chan struct{}, 1)
		rxReady  = make(chan struct{}, 4) // the answerer never blocks
	)
	var wg sync.WaitGroup
	wg.Go(func() {
		a.cmd("ATZ", 5)
		a.cmd("ATE0", 5)
		a.cmd("AT+FCLASS=1", 5)
		a.cmdInfo("AT+FCLASS?", 5)
		a.cmdInfo("AT+FCLASS=?", 5)
		a.cmdInfo("AT+FTH=?", 5)
		a.cmdInfo("AT+FRH=?", 5)
		a.cmdInfo("AT+FTM=?", 5)
		a.cmdInfo("AT+FRM=?", 5)
		a.cmd("AT+FTM=99", 5)
		a.cmd("AT+FTH=2", 5)
		// On hook there is no line: every class 1 action is refused.
		a.cmd("AT+FTH=3", 5)
		a.cmd("AT+FRH=3", 5)
		a.cmd("AT+FTM=96", 5)
		a.cmd("AT+FRM=96", 5)
		a.cmd("AT+FTS=8", 5)
		a.wait(initDone)
		// Dial; the answerer answers at the first RING.
		if a.cmd("ATDT5550100", 30) != "CONNECT" {
			return
		}
		a.frameIn(cmpCSI)
		a.cmd("AT+FRH=3", 10)
		a.frameIn(cmpDIS)
		a.cmd("AT+FTH=3", 5)
		a.frameOut(cmpTSI)
		a.frameOut(cmpDCS)
		// TCF, then a page, each after the far end's AT+FRM.
		for i, mod := range []int{145, 146} {
			if i == 1 {
				a.cmd("AT+FRH=3", 10)
				a.frameIn(cmpCFR)
			}
			a.wait(rxReady)
			a.cmd("AT+FTS=8", 5)
			if a.cmd(fmt.Sprintf("AT+FTM=%d", mod), 10) == "CONNECT" {
				a.dataOut(sent[i])
			}
		}
		// The wrong carrier: the answerer waits for V.29 and hears V.21.
		a.wait(rxReady)
		a.cmd("AT+FTS=8", 5)
		a.cmd("AT+FTH=3", 5)
		a.frameOut(cmpEOP)
		a.cmd("AT+FRH=3", 10)
		a.frameIn(cmpMCF)
		a.cmd("AT+FTS=10", 5)
		a.wait(rxReady)
		a.cmd("ATH", 5)
	})
	wg.Go(func() {
		b.cmd("ATZ", 5)
		b.cmd("ATE0", 5)
		b.cmd("AT+FCLASS=1", 5)
		// ATA with nothing ringing: off hook, CED, V.21 flags, CONNECT.
		if b.cmd("ATA", 10) == "CONNECT" {
			b.frameOut(cmpDCN)
		}
		b.cmd("ATH", 5)
		initDone <- struct{}{}
		if b.waitRing(20) != "RING" {
			return
		}
		b.cmd("ATA", 15)
		b.frameOut(cmpCSI)
		b.frameOut(cmpDIS)
		b.cmd("AT+FRH=3", 10)
		b.frameIn(cmpTSI)
		b.cmd("AT+FRH=3", 10)
		b.frameIn(cmpDCS)
		for i, mod := range []int{145, 146} {
			if i == 1 {
				b.cmd("AT+FTH=3", 5)
				b.frameOut(cmpCFR)
			}
			b.send(fmt.Sprintf("AT+FRM=%d", mod))
			rxReady <- struct{}{}
			if b.result(fmt.Sprintf("AT+FRM=%d", mod), 15) == "CONNECT" {
				b.dataIn(sent[i])
			}
		}
		b.send("AT+FRM=96")
		rxReady <- struct{}{}
		b.result("AT+FRM=96", 10) // +FCERROR: V.21 instead
		b.cmd("AT+FRH=3", 10)
		b.frameIn(cmpEOP)
		b.cmd("AT+FTH=3", 5)
		b.frameOut(cmpMCF)
		// Any character aborts a receive (T.31 8.3.3).
		b.send("AT+FRH=3")
		time.Sleep(300 * time.Millisecond)
		b.write([]byte("x"))
		b.result("AT+FRH=3 aborted", 5)
		b.cmd("AT+FRS=20", 5)
		// Wait for a frame that never comes: the caller hangs up.
		b.send("AT+FRH=3")
		rxReady <- struct{}{}
		b.result("AT+FRH=3", 10)
		b.cmd("ATH", 5)
	})
	wg.Wait()
	return a.log, b.log
}

// dte is a raw DTE on a pty slave: it writes AT commands and data and
// records what came back as a transcript of steps ("AT+FRH=3: CONNECT").
// After a failure (a timeout, a closed pty) it records nothing more.
type dte struct {
	t      *testing.T
	name   string
	f      *os.File
	buf    []byte
	log    []string
	failed bool
	cr     bool // a line ended with CR: drop the LF that follows
}

// dropLF drops the LF of a CR LF whose CR ended the last line.
func (d *dte) dropLF() {
	if d.cr && len(d.buf) > 0 {
		if d.buf[0] == '\n' {
			d.buf = d.buf[1:]
		}
		d.cr = false
	}
}

const (
	dle = 0x10
	etx = 0x03
)

func (d *dte) record(s string) {
	d.t.Logf("%s: %s", d.name, s)
	d.log = append(d.log, s)
}

func (d *dte) fail(format string, args ...any) {
	if !d.failed {
		d.failed = true
		d.record("FAILED: " + fmt.Sprintf(format, args...))
	}
}

// wait waits for the other side's signal on ch.
func (d *dte) wait(ch <-chan struct{}) {
	select {
	case <-ch:
	case <-time.After(60 * time.Second):
		d.fail("the other side never got ready")
	}
}

func (d *dte) write(b []byte) {
	if d.failed {
		return
	}
	if _, err := d.f.Write(b); err != nil {
		d.fail("write: %v", err)
	}
}

func (d *dte) send(cmd string) { d.write([]byte(cmd + "\r")) }

// fill reads more input, until deadline.
func (d *dte) fill(deadline time.Time) bool {
	if d.failed {
		return false
	}
	if err := d.f.SetReadDeadline(deadline); err != nil {
		d.fail("deadline: %v", err)
		return false
	}
	var b [4096]byte
	n, err := d.f.Read(b[:])
	d.buf = append(d.buf, b[:n]...)
	d.dropLF()
	if n == 0 && err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			d.fail("timeout (have %q)", d.buf)
		} else {
			d.fail("read: %v", err)
		}
		return false
	}
	return true
}

// line returns the next non-empty line, or "" after a failure.
func (d *dte) line(deadline time.Time) string {
	for {
		if i := bytes.IndexAny(d.buf, "\r\n"); i >= 0 {
			s := string(d.buf[:i])
			d.cr = d.buf[i] == '\r'
			d.buf = d.buf[i+1:]
			d.dropLF() // data may follow CR LF at once
			if s != "" {
				return s
			}
			continue
		}
		if !d.fill(deadline) {
			return ""
		}
	}
}

var finals = []string{"OK", "CONNECT", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "+FCERROR"}

// result reads up to the final result code of cmd and records it; echoes
// of cmd are skipped and information lines kept in *info if not nil.
func (d *dte) resultInfo(cmd string, secs int, info *[]string) string {
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	for {
		s := d.line(deadline)
		switch {
		case d.failed:
			return ""
		case strings.EqualFold(s, cmd):
			continue
		case slices.Contains(finals, s):
			rec := cmd + ": " + s
			if info != nil && len(*info) > 0 {
				rec = cmd + ": " + strings.Join(*info, "; ") + "; " + s
			}
			d.record(rec)
			return s
		case info != nil:
			*info = append(*info, s)
		default:
			d.t.Logf("%s: %s: info %q (not compared)", d.name, cmd, s)
		}
	}
}

func (d *dte) result(cmd string, secs int) string { return d.resultInfo(cmd, secs, nil) }

// cmd sends cmd and records its result code; cmdInfo records its
// information lines too.
func (d *dte) cmd(cmd string, secs int) string {
	d.send(cmd)
	return d.result(cmd, secs)
}

func (d *dte) cmdInfo(cmd string, secs int) string {
	d.send(cmd)
	info := []string{}
	return d.resultInfo(cmd, secs, &info)
}

// waitRing waits for the first RING and records it once.
func (d *dte) waitRing(secs int) string {
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	for {
		s := d.line(deadline)
		if d.failed || s == "RING" {
			d.record("unsolicited: " + s)
			return s
		}
		d.t.Logf("%s: before RING: %q (not compared)", d.name, s)
	}
}

// dataUntilETX reads DLE-stuffed data up to <DLE><ETX> and unstuffs it.
func (d *dte) dataUntilETX(secs int) []byte {
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var out []byte
	i := 0
	for {
		for ; i < len(d.buf); i++ {
			c := d.buf[i]
			if c != dle {
				out = append(out, c)
				continue
			}
			if i+1 == len(d.buf) {
				break
			}
			i++
			switch d.buf[i] {
			case etx:
				d.buf = d.buf[i+1:]
				return out
			case dle:
				out = append(out, dle)
			}
		}
		d.buf = d.buf[i:]
		i = 0
		if !d.fill(deadline) {
			return out
		}
	}
}

// frameIn reads a frame after CONNECT and its result; it records the
// frame with its FCS, which must be the right one for want.
func (d *dte) frameIn(want []byte) {
	if d.failed {
		return
	}
	got := d.dataUntilETX(10)
	if d.failed {
		return
	}
	fcs := modem.FCS(want)
	full := append(slices.Clone(want), byte(fcs), byte(fcs>>8))
	desc := fmt.Sprintf("frame % x", got)
	if bytes.Equal(got, full) {
		desc = fmt.Sprintf("frame % x (as sent, FCS good)", want)
	}
	d.result(desc, 5)
}

// frameOut sends a frame after CONNECT and records the result.
func (d *dte) frameOut(f []byte) {
	d.write(append(stuffed(f), dle, etx))
	d.result(fmt.Sprintf("send frame % x", f), 10)
}

// dataOut sends high-speed data after CONNECT and records the result.
func (d *dte) dataOut(b []byte) {
	d.write(append(stuffed(b), dle, etx))
	d.result(fmt.Sprintf("send %d data bytes", len(b)), 15)
}

// dataIn reads high-speed data after CONNECT and records whether sent
// arrived intact at its start.
func (d *dte) dataIn(sent []byte) {
	if d.failed {
		return
	}
	got := d.dataUntilETX(15)
	desc := fmt.Sprintf("data: %d bytes, not as sent", len(got))
	if bytes.HasPrefix(got, sent) {
		desc = fmt.Sprintf("data: %d bytes as sent", len(sent))
	}
	d.t.Logf("%s: %d bytes after the data", d.name, len(got)-min(len(got), len(sent)))
	d.result(desc, 5)
}

func stuffed(b []byte) []byte {
	var out []byte
	for _, c := range b {
		if c == dle {
			out = append(out, dle)
		}
		out = append(out, c)
	}
	return out
}
