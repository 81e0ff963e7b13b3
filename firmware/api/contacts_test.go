package api_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/contacts"
	"faxbox/firmware/numbers"
)

// withContacts gives the API an address book in the test's database.
func withContacts(t *testing.T) func(*api.Config) {
	return func(c *api.Config) {
		p, err := numbers.NewParser("BE")
		if err != nil {
			t.Fatal(err)
		}
		book, err := contacts.Open(context.Background(), contacts.Config{Path: filepath.Join(c.Store.Dir(), "faxbox.db"), Numbers: p})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { book.Close() })
		c.Contacts = book
	}
}

type contactJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Company string `json:"company"`
	Numbers []struct {
		Label   string `json:"label"`
		Number  string `json:"number"`
		E164    string `json:"e164"`
		Country string `json:"country"`
	} `json:"numbers"`
}

func TestContactsCRUD(t *testing.T) {
	opt := withContacts(t)
	e := newEnv(t, 50*billing.Unit, opt)
	var c contactJSON
	body := `{"name": "Jan Peeters", "company": "ACME", "numbers": [{"label": "fax", "number": "02 555 12 12"}]}`
	if code := e.do(t, "POST", "/api/contacts", "application/json", strings.NewReader(body), &c); code != http.StatusCreated {
		t.Fatalf("create: %d %+v", code, c)
	}
	if c.ID == 0 || len(c.Numbers) != 1 || c.Numbers[0].Number != "+32 2 555 12 12" || c.Numbers[0].E164 != "+3225551212" || c.Numbers[0].Country != "BE" {
		t.Fatalf("created %+v", c)
	}
	id := itoa(c.ID)

	// Invalid numbers: 400 with the same reason as a recipient gets.
	var ae, me apiError
	bad := `{"name": "X", "numbers": [{"label": "fax", "number": "+32 0 2 555 13 13"}]}`
	if code := e.do(t, "POST", "/api/contacts", "application/json", strings.NewReader(bad), &ae); code != http.StatusBadRequest {
		t.Fatalf("invalid number: %d %+v", code, ae)
	}
	ct, fb := form(t, map[string]string{"to": "+32 0 2 555 13 13", "body": "x"}, nil)
	e.do(t, "POST", "/api/messages", ct, fb, &me)
	if len(ae.Invalid) != 1 || len(me.Invalid) != 1 || ae.Invalid[0].Reason != me.Invalid[0].Reason || ae.Invalid[0].Input != "+32 0 2 555 13 13" {
		t.Errorf("contact's reason %+v, message's %+v", ae.Invalid, me.Invalid)
	}
	if code := e.do(t, "POST", "/api/contacts", "application/json", strings.NewReader(`{"nom": "x"}`), &ae); code != http.StatusBadRequest {
		t.Errorf("unknown field: %d", code)
	}

	var list struct {
		Contacts []contactJSON `json:"contacts"`
	}
	for q, n := range map[string]int{"": 1, "acme": 1, "555 12 12": 1, "nobody": 0} {
		if code := e.doAs(t, bobToken, "GET", "/api/contacts?q="+strings.ReplaceAll(q, " ", "+"), "", nil, &list); code != http.StatusOK || len(list.Contacts) != n {
			t.Errorf("search %q: %d, %d contacts, want %d", q, code, len(list.Contacts), n)
		}
	}
	upd := `{"name": "Jan Peeters", "numbers": [{"label": "mobile", "number": "0470 12 34 56"}, {"label": "fax", "number": "+32 9 222 33 44"}]}`
	if code := e.do(t, "PUT", "/api/contacts/"+id, "application/json", strings.NewReader(upd), &c); code != http.StatusOK || c.Company != "" || len(c.Numbers) != 2 {
		t.Fatalf("update: %d %+v", code, c)
	}
	if code := e.do(t, "GET", "/api/contacts/"+id, "", nil, &c); code != http.StatusOK || c.Numbers[1].E164 != "+3292223344" {
		t.Fatalf("get: %d %+v", code, c)
	}

	// "contact:ID" in a message stands for the first fax number.
	ct, fb = form(t, map[string]string{"to": "contact:" + id, "cc": "contact:999", "body": "x"}, nil)
	if code := e.do(t, "POST", "/api/previews", ct, fb, &ae); code != http.StatusBadRequest || len(ae.Invalid) != 1 ||
		ae.Invalid[0].Input != "contact:999" || ae.Invalid[0].Reason != "no such contact" {
		t.Errorf("unknown contact: %d %+v", code, ae)
	}
	var pv struct {
		Pages    int    `json:"pages"`
		Estimate string `json:"estimate"`
	}
	ct, fb = form(t, map[string]string{"to": "contact:" + id, "body": "x"}, nil)
	if code := e.do(t, "POST", "/api/previews", ct, fb, &pv); code != http.StatusOK || pv.Pages != 1 {
		t.Errorf("preview to a contact: %d %+v", code, pv)
	}
	var m message
	ct, fb = form(t, map[string]string{"to": "contact:" + id, "body": "x"}, nil)
	if code := e.do(t, "POST", "/api/messages", ct, fb, &m); code != http.StatusCreated || len(m.Recipients) != 1 ||
		m.Recipients[0].Number != c.Numbers[1].E164 {
		t.Errorf("message to a contact: %d %+v, want its fax number %s", code, m, c.Numbers[1].E164)
	}

	if code := e.do(t, "DELETE", "/api/contacts/"+id, "", nil, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code := e.do(t, "GET", "/api/contacts/"+id, "", nil, &ae); code != http.StatusNotFound {
		t.Errorf("get deleted: %d", code)
	}
}

// TestContactsImportExport: an export imports back into another book as
// the same contacts; a file with bad rows imports the good ones and
// reports the others.
func TestContactsImportExport(t *testing.T) {
	opt := withContacts(t)
	e := newEnv(t, 50*billing.Unit, opt)
	upload := func(name, content string) (int, map[string]any) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		io.WriteString(fw, content)
		mw.Close()
		var out map[string]any
		return e.do(t, "POST", "/api/contacts/import", mw.FormDataContentType(), &buf, &out), out
	}
	code, out := upload("book.csv", "name,company,fax\nAnne,ACME,02 555 12 12\nBad,,123\n,Nameless,\n")
	if code != http.StatusOK || out["imported"] != 1.0 || len(out["errors"].([]any)) != 2 {
		t.Fatalf("import: %d %v", code, out)
	}
	if first := out["errors"].([]any)[0].(map[string]any); first["row"] != 3.0 || first["name"] != "Bad" {
		t.Errorf("first error %v", first)
	}
	for _, format := range []string{"csv", "vcard"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/contacts/export?format="+format, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export %s: %d %v", format, resp.StatusCode, resp.Header)
		}
		opt2 := withContacts(t)
		e2 := newEnv(t, 0, opt2)
		e = e2
		code, out := upload("export."+map[string]string{"csv": "csv", "vcard": "vcf"}[format], string(data))
		if code != http.StatusOK || out["imported"] != 1.0 {
			t.Fatalf("re-import %s: %d %v\n%s", format, code, out, data)
		}
		var list struct {
			Contacts []contactJSON `json:"contacts"`
		}
		e2.do(t, "GET", "/api/contacts", "", nil, &list)
		if len(list.Contacts) != 1 || list.Contacts[0].Name != "Anne" || list.Contacts[0].Company != "ACME" ||
			list.Contacts[0].Numbers[0].E164 != "+3225551212" || list.Contacts[0].Numbers[0].Label != "fax" {
			t.Errorf("after the %s round trip: %+v", format, list.Contacts)
		}
	}
}

func TestContactsNoBook(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	var ae apiError
	if code := e.do(t, "GET", "/api/contacts", "", nil, &ae); code != http.StatusServiceUnavailable || ae.Error == "" {
		t.Errorf("no address book: %d %+v", code, ae)
	}
}
