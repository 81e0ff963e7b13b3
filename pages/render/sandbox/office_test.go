package sandbox

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"faxbox/pages/render"
)

// TestOfficeInChild: a .docx made by LibreOffice renders in the child,
// whose limits LibreOffice runs under, to the same pages as in the
// caller's process.
func TestOfficeInChild(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "letter.txt"), []byte("Dear customer,\nthe plan is attached.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("soffice", "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "docx:MS Word 2007 XML", "--outdir", dir, filepath.Join(dir, "letter.txt"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice (apt-get install -y libreoffice-writer-nogui): %v: %s", err, b)
	}
	docx, err := os.ReadFile(filepath.Join(dir, "letter.docx"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// LibreOffice starts in seconds on an idle machine, far slower on a
	// loaded one with a fresh profile: more than the default 30 s, which
	// is why an office document has OfficeTimeout (3 min by default).
	pool := testPool(t, "child", Config{MaxConcurrent: 1})
	if got := pool.Config(); got.Timeout != 30*time.Second || got.OfficeTimeout != 3*time.Minute {
		t.Fatalf("timeouts %v and %v, want the defaults 30s and 3m", got.Timeout, got.OfficeTimeout)
	}
	if pool.timeout(twoCopies(FaxPages, render.Attachment{Name: "letter.docx", Data: docx})) != 3*time.Minute ||
		pool.timeout(twoCopies(FaxPages, render.Attachment{Name: "a.txt", Data: []byte("hi")})) != 30*time.Second {
		t.Fatal("an office document does not get the office timeout, or a text file gets it")
	}
	att := render.Attachment{Name: "letter.docx", Data: docx}
	var a, b collect
	if err := pool.Render(ctx, twoCopies(FaxPages, att), &a); err != nil {
		t.Fatalf("pool: %v", err)
	}
	if err := NewDirect(render.Options{}).Render(ctx, twoCopies(FaxPages, att), &b); err != nil {
		t.Fatalf("direct: %v", err)
	}
	if len(a.plan.Pages) != 2 || a.plan.Pages[0] != 2 || a.plan.Sources[0][1].Kind != "docx" {
		t.Fatalf("plan %+v, want two copies of 2 pages, the second from a docx", a.plan)
	}
	if !bytes.Equal(a.pages[0][1], b.pages[0][1]) {
		t.Error("the document's page differs between the child and the caller")
	}
}
