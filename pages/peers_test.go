package pages

// Interoperability with codecs written by others: libtiff (tiffcp, fax2tiff,
// tiffinfo), netpbm (g3topbm, pbmtog3, tifftopnm, pamtotiff) and
// golang.org/x/image/ccitt. `make test` installs the Debian packages.

import (
	"bytes"
	"fmt"
	"image"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/ccitt"
)

// runTool runs a peer program and fails the test on a non-zero exit or on
// anything it prints to stderr (libtiff reports damaged data there).
func runTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Fatalf("%s %s complained:\n%s", name, strings.Join(args, " "), s)
	}
	return out
}

func readPBMOut(t *testing.T, what string, data []byte) []*Page {
	t.Helper()
	ps, err := ReadPBMs(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: output is not PBM: %v", what, err)
	}
	return ps
}

func needPeers(t *testing.T) {
	needTool(t, "tiffcp", "libtiff-tools")
	needTool(t, "fax2tiff", "libtiff-tools")
	needTool(t, "tifftopnm", "netpbm")
	needTool(t, "g3topbm", "netpbm")
}

// TestPeersDecodeOurTIFF: the TIFF-F files faxd writes, in every coding,
// decode in libtiff (through tiffcp, tiffinfo -D and netpbm's tifftopnm) to
// the identical bitmaps, as one multipage file of all eight charts.
func TestPeersDecodeOurTIFF(t *testing.T) {
	needPeers(t)
	dir := t.TempDir()
	var all []*Page
	for n := 1; n <= 8; n++ {
		all = append(all, chart(t, n))
	}
	for _, o := range []EncoderOptions{
		{Coding: MH}, {Coding: MH, AlignEOL: true, BitOrder: LSBFirst},
		{Coding: MR, K: 4}, {Coding: MR, K: 2, AlignEOL: true},
		{Coding: MMR}, {Coding: MMR, BitOrder: LSBFirst},
	} {
		t.Run(name(o), func(t *testing.T) {
			var buf bytes.Buffer
			tw, err := NewTIFFWriter(&buf, len(all))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range all {
				if err := tw.WritePage(p, o); err != nil {
					t.Fatal(err)
				}
			}
			if err := tw.Close(); err != nil {
				t.Fatal(err)
			}
			ours := writeTemp(t, dir, name(o)+".tif", buf.Bytes())
			runTool(t, "tiffinfo", "-D", ours)
			got := readPBMOut(t, "tifftopnm", runTool(t, "tifftopnm", "-quiet", "-respectfillorder", ours))
			if len(got) != len(all) {
				t.Fatalf("tifftopnm found %d pages, want %d", len(got), len(all))
			}
			for i := range all {
				samePage(t, fmt.Sprintf("tifftopnm page %d", i+1), got[i], all[i])
			}
			plain := filepath.Join(dir, name(o)+"-none.tif")
			runTool(t, "tiffcp", "-c", "none", ours, plain)
			got = readPBMOut(t, "tiffcp -c none", runTool(t, "tifftopnm", "-quiet", "-respectfillorder", plain))
			for i := range all {
				samePage(t, fmt.Sprintf("tiffcp page %d", i+1), got[i], all[i])
			}
		})
	}
}

// TestPeersDecodeOurRaw: raw G3/G4 streams as a modem would carry them
// decode with libtiff's fax2tiff, netpbm's g3topbm (MH) and x/image/ccitt
// (MH and MMR) to the identical bitmap.
func TestPeersDecodeOurRaw(t *testing.T) {
	needPeers(t)
	dir := t.TempDir()
	for _, n := range []int{1, 4, 8} {
		p := chart(t, n)
		for _, o := range []EncoderOptions{
			{Coding: MH, RTC: true}, {Coding: MH, RTC: true, AlignEOL: true, BitOrder: LSBFirst},
			{Coding: MH, RTC: true, MinLineBytes: 36}, {Coding: MH, RTC: true, BitOrder: LSBFirst},
			{Coding: MR, K: 4, RTC: true}, {Coding: MR, K: 2, RTC: true, AlignEOL: true, BitOrder: LSBFirst},
			{Coding: MMR, RTC: true},
		} {
			t.Run(fmt.Sprintf("ccitt%d-%s", n, name(o)), func(t *testing.T) {
				data := mustEncode(t, p, o)
				raw := writeTemp(t, dir, fmt.Sprintf("c%d-%s.raw", n, name(o)), data)
				args := []string{"-X", fmt.Sprint(p.Width), "-M"}
				if o.BitOrder == LSBFirst {
					args[2] = "-L"
				}
				switch o.Coding {
				case MH:
					args = append(args, "-1")
				case MR:
					args = append(args, "-2")
				case MMR:
					args = append(args, "-4")
				}
				if o.AlignEOL {
					args = append(args, "-A")
				}
				// fax2tiff takes every EOL of RTC for a row of its own, as fax
				// software that stores modem data without RTC expects, so it
				// gets MH and MR pages without RTC. For MMR it needs data after
				// the last row (it stops decoding when its input is used up,
				// with rows still in its bit buffer), so it gets EOFB, which it
				// counts as one more row.
				o2 := o
				o2.RTC = o.Coding == MMR
				raw2 := writeTemp(t, dir, fmt.Sprintf("c%d-%s-nortc.raw", n, name(o)), mustEncode(t, p, o2))
				tif := raw + ".tif"
				runTool(t, "fax2tiff", append(args, "-o", tif, raw2)...)
				got := readPBMOut(t, "fax2tiff", runTool(t, "tifftopnm", "-quiet", "-respectfillorder", tif))
				if o.Coding == MMR {
					if got[0].Height != p.Height+1 {
						t.Fatalf("fax2tiff made %d rows of %d MMR rows and EOFB", got[0].Height, p.Height)
					}
					got[0] = crop(got[0], p.Height)
				}
				samePage(t, "fax2tiff", got[0], p)

				if o.Coding == MH {
					g3args := []string{"-stop_error"}
					if o.BitOrder == LSBFirst {
						g3args = append(g3args, "-reversebits")
					}
					got := readPBMOut(t, "g3topbm", runTool(t, "g3topbm", append(g3args, raw)...))
					samePage(t, "g3topbm", got[0], p)
				}
				// x/image/ccitt decodes MH and MMR, and reads no fill bits
				// before an EOL (its Align option aligns rows instead).
				if o.Coding != MR && !o.AlignEOL && o.MinLineBytes == 0 {
					sf, order := ccitt.Group3, ccitt.MSB
					if o.Coding == MMR {
						sf = ccitt.Group4
					}
					if o.BitOrder == LSBFirst {
						order = ccitt.LSB
					}
					g := image.NewGray(p.Bounds())
					err := ccitt.DecodeIntoGray(g, bytes.NewReader(data), order, sf, nil)
					if err != nil {
						t.Fatalf("x/image/ccitt: %v", err)
					}
					if !bytes.Equal(g.Pix, p.Gray().Pix) {
						t.Fatal("x/image/ccitt decodes a different bitmap")
					}
				}
			})
		}
	}
}

// TestWeDecodePeers: what libtiff (tiffcp -c g3, g3:2d, g4, with and
// without fill bits, both fill orders) and netpbm (pbmtog3) encode, faxd
// decodes to the identical bitmap.
func TestWeDecodePeers(t *testing.T) {
	needPeers(t)
	needTool(t, "pamtotiff", "netpbm")
	needTool(t, "pbmtog3", "netpbm")
	dir := t.TempDir()
	for n := 1; n <= 8; n++ {
		p := chart(t, n)
		var pbm bytes.Buffer
		WritePBM(&pbm, p)
		src := writeTemp(t, dir, fmt.Sprintf("c%d.pbm", n), pbm.Bytes())
		plain := src + ".tif"
		runTool(t, "pamtotiff", "-none", "-miniswhite", "-xresolution", "204", "-yresolution", "196", "-output", plain, src)
		for _, c := range []string{"g3", "g3:1d:fill", "g3:2d", "g3:2d:fill", "g4"} {
			for _, fill := range []string{"msb2lsb", "lsb2msb"} {
				out := filepath.Join(dir, fmt.Sprintf("c%d-%s-%s.tif", n, strings.ReplaceAll(c, ":", "_"), fill))
				runTool(t, "tiffcp", "-c", c, "-f", fill, plain, out)
				data, err := readFile(out)
				if err != nil {
					t.Fatal(err)
				}
				got, st, err := ReadTIFF(data)
				if err != nil {
					t.Fatalf("ccitt%d tiffcp -c %s -f %s: %v", n, c, fill, err)
				}
				samePage(t, fmt.Sprintf("ccitt%d tiffcp -c %s -f %s", n, c, fill), got[0], p)
				if st[0].BadRows != 0 {
					t.Fatalf("ccitt%d tiffcp -c %s: %d bad rows", n, c, st[0].BadRows)
				}
			}
		}
		for _, args := range [][]string{{}, {"-reversebits"}, {"-align8"}} {
			g3 := runTool(t, "pbmtog3", append(args, src)...)
			o := DecoderOptions{Coding: MH, Width: p.Width}
			if len(args) > 0 && args[0] == "-reversebits" {
				o.BitOrder = LSBFirst
			}
			got, st, err := Decode(bytes.NewReader(g3), o)
			if err != nil {
				t.Fatal(err)
			}
			samePage(t, fmt.Sprintf("ccitt%d pbmtog3 %v", n, args), got, p)
			if st.BadRows != 0 || !st.EndMarker {
				t.Fatalf("ccitt%d pbmtog3 %v: stats %+v", n, args, st)
			}
		}
	}
}

// TestWeDecodeMultipageTIFF: a multipage file that libtiff assembles (with
// strips of 64 rows, as some fax software writes) reads page by page.
func TestWeDecodeMultipageTIFF(t *testing.T) {
	needPeers(t)
	needTool(t, "pamtotiff", "netpbm")
	dir := t.TempDir()
	var srcs []string
	var want []*Page
	for _, n := range []int{2, 5, 7} {
		p := chart(t, n)
		want = append(want, p)
		var pbm bytes.Buffer
		WritePBM(&pbm, p)
		src := writeTemp(t, dir, fmt.Sprint(n, ".pbm"), pbm.Bytes())
		runTool(t, "pamtotiff", "-none", "-miniswhite", "-output", src+".tif", src)
		srcs = append(srcs, src+".tif")
	}
	for _, c := range []string{"g3:2d", "g4", "none"} {
		multi := filepath.Join(dir, "multi-"+strings.ReplaceAll(c, ":", "")+".tif")
		runTool(t, "tiffcp", append(append([]string{"-c", c, "-r", "64"}, srcs...), multi)...)
		data, err := readFile(multi)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := ReadTIFF(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%s: %d pages, want 3", c, len(got))
		}
		for i := range want {
			samePage(t, fmt.Sprint(c, " page ", i+1), got[i], want[i])
		}
	}
}
