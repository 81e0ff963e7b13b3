package api_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"faxbox/firmware/billing"
)

// TestContactsImportPreview: a preview says what a file would add,
// update and skip and stores nothing; the import reports the counts; the
// same file imported again skips every row.
func TestContactsImportPreview(t *testing.T) {
	e := newEnv(t, 50*billing.Unit, withContacts(t))
	const file = "name,company,fax\nAnne,ACME,02 555 12 12\nBruno,,03 555 66 77\nBad,,123\n"
	type result struct {
		Preview                           bool
		Imported, Added, Updated, Skipped int
		Rows                              []struct {
			Row          int
			Action, Name string
		}
		Errors []struct{ Row int }
	}
	upload := func(query, content string) (int, result) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "book.csv")
		io.WriteString(fw, content)
		mw.Close()
		var out result
		return e.do(t, "POST", "/api/contacts/import"+query, mw.FormDataContentType(), &buf, &out), out
	}
	count := func() int {
		var list struct{ Contacts []contactJSON }
		e.do(t, "GET", "/api/contacts", "", nil, &list)
		return len(list.Contacts)
	}
	if code, out := upload("?preview=1", file); code != http.StatusOK || !out.Preview || out.Added != 2 || out.Imported != 0 ||
		len(out.Rows) != 2 || out.Rows[0].Action != "add" || len(out.Errors) != 1 || out.Errors[0].Row != 4 {
		t.Fatalf("preview: %d %+v", code, out)
	}
	if n := count(); n != 0 {
		t.Fatalf("the preview stored %d contacts", n)
	}
	if code, out := upload("", file); code != http.StatusOK || out.Imported != 2 || out.Added != 2 {
		t.Fatalf("import: %d %+v", code, out)
	}
	if code, out := upload("", file); code != http.StatusOK || out.Imported != 0 || out.Skipped != 2 || out.Added != 0 {
		t.Fatalf("the same file again: %d %+v", code, out)
	}
	if code, out := upload("", "name,company,fax\nBruno,,03 555 66 78\n"); code != http.StatusOK || out.Updated != 1 || out.Rows[0].Action != "update" {
		t.Fatalf("a new number: %d %+v", code, out)
	}
	if n := count(); n != 2 {
		t.Errorf("%d contacts after three imports, want 2", n)
	}
}
