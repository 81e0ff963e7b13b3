//go:build spandsp

package spandsp

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Further FCFs (T.30 Table 5, as spandsp writes them), without the X bit.
const (
	fcfEOP = 0x2e
	fcfMPS = 0x4e
)

// makeTIFF writes a one-page TIFF-F (MH, standard resolution) of the top
// lines of ITU chart 1 into a temporary directory.
func makeTIFF(t *testing.T, lines int) string {
	t.Helper()
	dir := t.TempDir()
	pbm := filepath.Join(dir, "chart.pbm")
	tif := filepath.Join(dir, "chart.tif")
	script := `jbgtopbm /usr/share/jbigkit-testdata/ccitt1.jbg "$1" &&
pamcut -height "$3" "$1" | pamtotiff -g3 -xresolution 204 -yresolution 98 -rowsperstrip "$3" > "$2"`
	out, err := exec.Command("sh", "-c", script, "sh", pbm, tif, strconv.Itoa(lines)).CombinedOutput()
	if err != nil {
		t.Fatalf("making the test TIFF needs (make test installs them) jbigkit-bin, jbigkit-testdata and netpbm: %v: %s", err, out)
	}
	return tif
}

func wait(t *testing.T, l *Line, d time.Duration) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	r, err := l.Wait(ctx)
	if err != nil {
		t.Fatalf("waiting for the fax terminal: %v", err)
	}
	t.Logf("fax terminal: %v, %d pages, %d bit/s, ECM %v, %v, remote %q",
		r.Code, r.Pages, r.BitRate, r.ECM, r.Compression, r.RemoteIdent)
	return r
}

// TestFaxTerminalAnswers dials spandsp's fax terminal (receiving) and reads
// the CSI and DIS it sends, then ends the call with DCN.
func TestFaxTerminalAnswers(t *testing.T) {
	t.Parallel()
	start := time.Now()
	l, err := NewModemToFax(Options{Logf: t.Logf}, FaxConfig{
		Role:  Receive,
		File:  filepath.Join(t.TempDir(), "rx.tif"),
		Ident: "+1 555 0142",
		ECM:   true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := openDTE(t, "dte", l.SlavePath(0))
	var frames [][]byte
	run(t, func() {
		d.init()
		d.send("ATD5550142")
		d.expect("CONNECT", 30*time.Second)
		for {
			f := d.recvFrame(10 * time.Second)
			frames = append(frames, f)
			if f[1] == ctlFinal {
				break
			}
			d.cmd("AT+FRH=3", "CONNECT")
		}
		d.cmd("AT+FTH=3", "CONNECT")
		d.sendFrame(hdlc(true, fcfDCN|fcfXBit), "OK")
		d.cmd("ATH", "OK")
	})
	if t.Failed() {
		return
	}
	last := frames[len(frames)-1]
	if last[0] != 0xff || last[1] != ctlFinal || last[2] != fcfDIS {
		t.Errorf("final frame % x, want ff 13 80 (DIS)", last)
	}
	var csi []byte
	for _, f := range frames {
		if f[2] == fcfCSI {
			csi = f[3:]
		}
	}
	if !bytes.Equal(csi, ident("+1 555 0142")) {
		t.Errorf("CSI %q, want the terminal's ident reversed", csi)
	}
	r := wait(t, l, 20*time.Second)
	if r.OK() || r.Negotiated {
		t.Errorf("result %v (negotiated %v), want a failure before phase B", r.Code, r.Negotiated)
	}
	t.Logf("call took %v", time.Since(start).Round(time.Millisecond))
}

// TestFaxTerminalSends lets spandsp's fax terminal call the DTE and send one
// page; the test plays a minimal non-ECM class 1 receiver at V.29 9600.
func TestFaxTerminalSends(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r := receiveOnePage(t, Options{Logf: t.Logf}, false)
	if t.Failed() {
		return
	}
	if !r.OK() || r.Pages != 1 || r.BitRate != 9600 || r.ECM || r.Compression != MH || r.RemoteIdent != dteIdent {
		t.Errorf("result %+v, want OK, 1 page, 9600, no ECM, MH, %q", r, dteIdent)
	}
	t.Logf("call took %v", time.Since(start).Round(time.Millisecond))
}

// TestFaxLineCut cuts the line one second into the page: the DTE sees the
// data end and NO CARRIER, and the terminal reports the call dropped with
// no page confirmed.
func TestFaxLineCut(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r := receiveOnePage(t, Options{Logf: t.Logf}, true)
	if t.Failed() {
		return
	}
	if r.OK() || r.Pages != 0 || !r.Negotiated {
		t.Errorf("result %+v, want a failure after phase B with no page", r)
	}
	t.Logf("call took %v", time.Since(start).Round(time.Millisecond))
}

const dteIdent = "+1 555 0100"

// receiveOnePage runs the DTE side of a non-ECM receive of one page sent by
// spandsp's terminal. With cut, the line is cut (and the call dropped) one
// second into the page.
func receiveOnePage(t *testing.T, opts Options, cut bool) Result {
	tif := makeTIFF(t, 300)
	l, err := NewModemToFax(opts, FaxConfig{
		Role:   Send,
		File:   tif,
		Ident:  "+1 555 0177",
		Modems: V27ter | V29,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	d := openDTE(t, "dte", l.SlavePath(0))
	run(t, func() {
		d.init()
		d.expect("RING", 10*time.Second)
		d.send("ATA")
		d.expect("CONNECT", 15*time.Second)
		d.sendFrame(hdlc(false, fcfCSI, ident(dteIdent)...), "CONNECT")
		d.sendFrame(hdlc(true, fcfDIS, disMinimal...), "OK")
		var dcs []byte
		for dcs == nil {
			d.cmd("AT+FRH=3", "CONNECT")
			f := d.recvFrame(10 * time.Second)
			if f[2]&^fcfXBit == fcfDCS {
				dcs = f
			}
		}
		if dcs[1] != ctlFinal || len(dcs) < 5 {
			d.fatalf("DCS % x", dcs)
		}
		mod := map[byte]int{0: 24, 2: 48, 1: 96, 3: 72}[(dcs[4]>>2)&0x0f]
		if mod != 96 {
			d.fatalf("DCS % x: modulation %d, want V.29 9600 (96)", dcs, mod)
		}
		d.cmd("AT+FRM=96", "CONNECT")
		tcf := d.data(10 * time.Second)
		d.expect("NO CARRIER", 5*time.Second)
		t.Logf("TCF: %d bytes, %d non-zero", len(tcf), len(tcf)-bytes.Count(tcf, []byte{0}))
		d.cmd("AT+FTH=3", "CONNECT")
		d.sendFrame(hdlc(true, fcfCFR), "OK")
		d.cmd("AT+FRM=96", "CONNECT")
		if cut {
			time.Sleep(time.Second)
			l.Cut(true)
		}
		page := d.data(60 * time.Second)
		d.expect("NO CARRIER", 5*time.Second)
		t.Logf("page: %d bytes", len(page))
		if cut {
			d.cmd("ATH", "OK")
			return
		}
		if len(page) < 1000 {
			d.fatalf("page of %d bytes", len(page))
		}
		d.cmd("AT+FRH=3", "CONNECT")
		if f := d.recvFrame(10 * time.Second); f[2]&^fcfXBit != fcfEOP {
			d.fatalf("post-page frame % x, want EOP", f)
		}
		d.cmd("AT+FTH=3", "CONNECT")
		d.sendFrame(hdlc(true, fcfMCF), "OK")
		d.cmd("AT+FRH=3", "CONNECT")
		if f := d.recvFrame(10 * time.Second); f[2]&^fcfXBit != fcfDCN {
			d.fatalf("frame % x, want DCN", f)
		}
		d.cmd("ATH", "OK")
	})
	if t.Failed() {
		return Result{}
	}
	return wait(t, l, 20*time.Second)
}
