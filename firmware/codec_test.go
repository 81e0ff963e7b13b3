package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/pages"
)

// testPages makes two small pages with text-like content.
func testPages(t *testing.T) []*pages.Page {
	t.Helper()
	var out []*pages.Page
	for i, w := range []int{pages.WidthA4, pages.WidthB4} {
		p, err := pages.NewPage(w, 120)
		if err != nil {
			t.Fatal(err)
		}
		for y := 10; y < 110; y++ {
			for x := 50 + 10*i; x < w-50; x++ {
				if (x/7+y/5)%3 == 0 || y == 60 {
					p.Set(x, y, true)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

func writePBMs(t *testing.T, name string, ps []*pages.Page) {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range ps {
		pages.WritePBM(&buf, p)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readPBMFile(t *testing.T, name string) []*pages.Page {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := pages.ReadPBMs(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func faxd(t *testing.T, args ...string) (code int, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, errb.String()
}

// TestEncodeDecodeRoundTrip: multipage PBM → each coding as TIFF-F and as
// raw → decode → the same pages.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := testPages(t)
	in := filepath.Join(dir, "in.pbm")
	writePBMs(t, in, want)
	for _, tc := range []struct {
		out string
		enc []string
		dec []string
	}{
		{"mh.tif", []string{"--coding", "mh"}, nil},
		{"mr.tif", []string{"--coding", "mr", "--k", "4", "--align-eol"}, nil},
		{"mmr.tif", []string{"--coding", "mmr", "--lsb"}, nil},
		{"mh.g3", []string{"--coding", "mh", "--min-line-bytes", "36"}, []string{"--coding", "mh"}},
		{"mr.g3", []string{"--coding", "mr", "--lsb"}, []string{"--coding", "mr", "--lsb"}},
		{"mmr.g4", []string{"--coding", "mmr"}, []string{"--coding", "mmr"}},
	} {
		t.Run(tc.out, func(t *testing.T) {
			out := filepath.Join(dir, tc.out)
			if code, msg := faxd(t, append(append([]string{"encode"}, tc.enc...), in, out)...); code != 0 {
				t.Fatalf("encode: exit %d: %s", code, msg)
			}
			back := out + ".pbm"
			dec := append([]string{"decode"}, tc.dec...)
			if !strings.HasSuffix(tc.out, ".tif") {
				// Raw data does not say its width; only page 1 has 1728.
				dec = append(dec, "--width", "1728")
			}
			if code, msg := faxd(t, append(dec, out, back)...); code != 0 {
				t.Fatalf("decode: exit %d: %s", code, msg)
			}
			got := readPBMFile(t, back)
			if strings.HasSuffix(tc.out, ".tif") {
				if len(got) != len(want) {
					t.Fatalf("%d pages back, want %d", len(got), len(want))
				}
				for i := range want {
					if !got[i].Equal(want[i]) {
						t.Fatalf("page %d differs", i+1)
					}
				}
			} else if !got[0].Equal(want[0]) {
				t.Fatal("page 1 differs")
			}
		})
	}
}

// TestRawMultipage: a raw stream of several pages of one width splits at
// RTC/EOFB into the same pages.
func TestRawMultipage(t *testing.T) {
	dir := t.TempDir()
	p := testPages(t)[0]
	q := testPages(t)[0]
	for y := 0; y < q.Height; y++ {
		q.Set(y, y, true)
	}
	in := filepath.Join(dir, "in.pbm")
	writePBMs(t, in, []*pages.Page{p, q, p})
	for _, c := range []string{"mh", "mr", "mmr"} {
		raw := filepath.Join(dir, c+".raw")
		if code, msg := faxd(t, "encode", "--coding", c, in, raw); code != 0 {
			t.Fatal(msg)
		}
		back := raw + ".pbm"
		if code, msg := faxd(t, "decode", "--coding", c, raw, back); code != 0 {
			t.Fatal(msg)
		}
		got := readPBMFile(t, back)
		if len(got) != 3 || !got[0].Equal(p) || !got[1].Equal(q) || !got[2].Equal(p) {
			t.Fatalf("%s: %d pages back, or they differ", c, len(got))
		}
		// TIFF output of raw input keeps the coding.
		tif := raw + ".tif"
		if code, msg := faxd(t, "decode", "--coding", c, raw, tif); code != 0 {
			t.Fatal(msg)
		}
		data, _ := os.ReadFile(tif)
		f, err := pages.OpenTIFF(bytes.NewReader(data), int64(len(data)))
		if err != nil || len(f.Pages) != 3 || f.Pages[0].Coding.String() != c {
			t.Fatalf("%s: TIFF of raw input: %v", c, err)
		}
	}
}

// TestDamageReported: decode reports damaged rows on stderr and still
// writes the page.
func TestDamageReported(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pbm")
	writePBMs(t, in, testPages(t)[:1])
	raw := filepath.Join(dir, "p.g3")
	if code, msg := faxd(t, "encode", in, raw); code != 0 {
		t.Fatal(msg)
	}
	data, _ := os.ReadFile(raw)
	for i := len(data) / 3; i < len(data)/3+8; i++ {
		data[i] ^= 0x5a
	}
	os.WriteFile(raw, data, 0o644)
	code, msg := faxd(t, "decode", raw, filepath.Join(dir, "out.pbm"))
	if code != 0 || !strings.Contains(msg, "rows damaged") || !strings.Contains(msg, "p.g3: page 1") {
		t.Fatalf("exit %d, stderr %q", code, msg)
	}
	if got := readPBMFile(t, filepath.Join(dir, "out.pbm")); got[0].Height < 100 {
		t.Fatalf("damaged page came back with %d rows", got[0].Height)
	}
}

// TestErrorsNameTheFile: bad input fails with a message naming the file
// and the problem, and leaves no output behind.
func TestErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.tif")
	os.WriteFile(garbage, []byte("this is not a tiff file at all"), 0o644)
	notpbm := filepath.Join(dir, "bad.pbm")
	os.WriteFile(notpbm, []byte("P4\n99999999 3\n"), 0o644)
	empty := filepath.Join(dir, "empty.g3")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"encode", filepath.Join(dir, "missing.pbm"), filepath.Join(dir, "o.tif")}, []string{"missing.pbm", "no such file"}},
		{[]string{"encode", garbage, filepath.Join(dir, "o.tif")}, []string{"garbage.tif", "not a TIFF"}},
		{[]string{"encode", notpbm, filepath.Join(dir, "o.tif")}, []string{"bad.pbm", "out of range"}},
		{[]string{"encode", "--coding", "g5", notpbm, filepath.Join(dir, "o.tif")}, []string{"unknown coding"}},
		{[]string{"encode", notpbm, filepath.Join(dir, "o.jpg")}, []string{"o.jpg", "unknown file type"}},
		{[]string{"decode", empty, filepath.Join(dir, "o.pbm")}, []string{"empty.g3", "no page"}},
		{[]string{"decode", garbage, filepath.Join(dir, "o.pbm")}, []string{"garbage.tif"}},
		{[]string{"encode", notpbm, filepath.Join(dir, "nodir", "o.tif")}, []string{"nodir"}},
	} {
		code, msg := faxd(t, tc.args...)
		if code == 0 {
			t.Errorf("%v: exit 0", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%v: message %q lacks %q", tc.args, msg, w)
			}
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "o.*"))
	hidden, _ := filepath.Glob(filepath.Join(dir, ".o.*"))
	if len(left)+len(hidden) != 0 {
		t.Errorf("failed runs left files: %v %v", left, hidden)
	}
	if code, _ := faxd(t, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

// TestPeerReadsFaxdTIFF: the binary's TIFF output opens in libtiff.
func TestPeerReadsFaxdTIFF(t *testing.T) {
	if _, err := exec.LookPath("tiffinfo"); err != nil {
		t.Fatal("tiffinfo not found: run `make test` as root or `apt-get install -y libtiff-tools`")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pbm")
	writePBMs(t, in, testPages(t))
	out := filepath.Join(dir, "o.tif")
	if code, msg := faxd(t, "encode", "--coding", "mmr", in, out); code != 0 {
		t.Fatal(msg)
	}
	info, err := exec.Command("tiffinfo", "-D", out).CombinedOutput()
	if err != nil || strings.Count(string(info), "TIFF Directory") != 2 || !strings.Contains(string(info), "CCITT Group 4") {
		t.Fatalf("tiffinfo: %v\n%s", err, info)
	}
}
