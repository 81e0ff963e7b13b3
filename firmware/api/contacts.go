package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"faxbox/firmware/contacts"
	"faxbox/firmware/store"
)

// The office's shared address book: every signed-in user may read and
// change it.

type contactNumberJSON struct {
	Label   contacts.Label `json:"label"`
	Number  string         `json:"number"`
	E164    string         `json:"e164,omitempty"`
	Country string         `json:"country,omitempty"`
}

type contactJSON struct {
	ID      int64               `json:"id"`
	Name    string              `json:"name"`
	Company string              `json:"company"`
	Numbers []contactNumberJSON `json:"numbers"`
	Created *time.Time          `json:"created,omitempty"`
	Updated *time.Time          `json:"updated,omitempty"`
}

func contactView(c contacts.Contact) contactJSON {
	v := contactJSON{ID: c.ID, Name: c.Name, Company: c.Company, Numbers: []contactNumberJSON{},
		Created: ts(c.Created), Updated: ts(c.Updated)}
	for _, n := range c.Numbers {
		v.Numbers = append(v.Numbers, contactNumberJSON(n))
	}
	return v
}

func (v contactJSON) contact() contacts.Contact {
	c := contacts.Contact{ID: v.ID, Name: v.Name, Company: v.Company}
	for _, n := range v.Numbers {
		c.Numbers = append(c.Numbers, contacts.Number{Label: n.Label, Number: n.Number})
	}
	return c
}

// book returns the address book, or answers 503 when there is none.
func (s *Server) book(w http.ResponseWriter) (*contacts.Book, bool) {
	if s.cfg.Contacts == nil {
		writeError(w, http.StatusServiceUnavailable, "this Faxbox has no address book")
		return nil, false
	}
	return s.cfg.Contacts, true
}

// contactFailed answers a contacts error.
func (s *Server) contactFailed(w http.ResponseWriter, r *http.Request, err error) {
	var ie *contacts.InvalidError
	switch {
	case errors.As(err, &ie):
		e := errorJSON{Error: strings.TrimPrefix(err.Error(), "contacts: ")}
		if strings.HasSuffix(ie.Field, ".number") {
			e.Invalid = []invalidNumber{{Field: ie.Field, Input: ie.Input, Reason: ie.Reason}}
		}
		writeJSON(w, http.StatusBadRequest, e)
	case errors.Is(err, contacts.ErrInvalid):
		writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "contacts: "))
	case errors.Is(err, contacts.ErrNotFound):
		writeError(w, http.StatusNotFound, strings.TrimPrefix(err.Error(), "contacts: "))
	default:
		s.fail(w, r, err)
	}
}

// listContacts implements GET /api/contacts?q=TEXT&limit=N.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	b, ok := s.book(w)
	if !ok {
		return
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit=%q: want 1 to 10000", v))
			return
		}
		limit = n
	}
	cs, err := b.Search(r.Context(), r.URL.Query().Get("q"), limit)
	if err != nil {
		s.contactFailed(w, r, err)
		return
	}
	out := make([]contactJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, contactView(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": out})
}

// readContact decodes a contact from a JSON body.
func readContact(w http.ResponseWriter, r *http.Request) (contacts.Contact, bool) {
	var v contactJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		writeError(w, http.StatusBadRequest, `want a JSON contact {"name", "company", "numbers": [{"label", "number"}]}: `+err.Error())
		return contacts.Contact{}, false
	}
	return v.contact(), true
}

// createContact implements POST /api/contacts.
func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	b, ok := s.book(w)
	if !ok {
		return
	}
	c, ok := readContact(w, r)
	if !ok {
		return
	}
	c, err := b.Create(r.Context(), c)
	if err != nil {
		s.contactFailed(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/contacts/%d", c.ID))
	writeJSON(w, http.StatusCreated, contactView(c))
}

// getContact implements GET /api/contacts/{id}.
func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	b, ok := s.book(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	c, err := b.Get(r.Context(), id)
	if err != nil {
		s.contactFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contactView(c))
}

// updateContact implements PUT /api/contacts/{id}: the body replaces the
// contact.
func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	b, ok := s.book(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	c, ok := readContact(w, r)
	if !ok {
		return
	}
	c.ID = id
	c, err := b.Update(r.Context(), c)
	if err != nil {
		s.contactFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contactView(c))
}

// deleteContact implements DELETE /api/contacts/{id}.
func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) {
	b, ok := s.book(w)
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := b.Delete(r.Context(), id); err != nil {
		s.contactFailed(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// exportContacts implements GET /api/contacts/export?format=csv|vcard.
func (s *Server) exportContacts(w http.ResponseWriter, r *http.Request) {
	b, ok := s.book(w)
	if !ok {
		return
	}
	write, ctype, ext := contacts.WriteCSV, "text/csv; charset=utf-8", "csv"
	switch f := r.URL.Query().Get("format"); f {
	case "", "csv":
	case "vcard", "vcf":
		write, ctype, ext = contacts.WriteVCard, "text/vcard; charset=utf-8", "vcf"
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("format=%q: want csv or vcard", f))
		return
	}
	cs, err := b.All(r.Context())
	if err != nil {
		s.contactFailed(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, cs); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="faxbox-contacts.%s"`, ext))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// importContacts implements POST /api/contacts/import: a multipart form
// whose field "file" is CSV or vCard (told apart by content).
func (s *Server) importContacts(w http.ResponseWriter, r *http.Request) {
	b, ok := s.book(w)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
	f, fh, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusBadRequest, `want a multipart/form-data body with the file in field "file": `+err.Error())
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading the file: "+err.Error())
		return
	}
	read := contacts.ReadCSV
	head := strings.ToUpper(strings.TrimLeft(strings.TrimPrefix(string(data[:min(len(data), 64)]), "\ufeff"), " \t\r\n"))
	if strings.HasPrefix(head, "BEGIN:VCARD") || strings.HasSuffix(strings.ToLower(fh.Filename), ".vcf") {
		read = contacts.ReadVCard
	}
	rows, err := read(bytes.NewReader(data))
	if err != nil {
		s.contactFailed(w, r, err)
		return
	}
	dry, ok := previewFlag(w, r.URL.Query().Get("preview"))
	if !ok {
		return
	}
	plan, err := b.PlanImport(r.Context(), rows)
	if err == nil && !dry {
		err = b.ApplyImport(r.Context(), plan)
	}
	if err != nil {
		s.contactFailed(w, r, err)
		return
	}
	out := importJSON{Rows: plan.Rows, Errors: plan.Errors, Added: plan.Count(contacts.ImportAdd),
		Updated: plan.Count(contacts.ImportUpdate), Skipped: plan.Count(contacts.ImportSkip), Preview: dry}
	if out.Rows == nil {
		out.Rows = []contacts.PlannedRow{}
	}
	if out.Errors == nil {
		out.Errors = []contacts.RowError{}
	}
	if !dry {
		out.Imported = out.Added + out.Updated
		s.log.Info("contacts imported", "user", principal(r).User.Name, "added", out.Added, "updated", out.Updated,
			"skipped", out.Skipped, "errors", len(out.Errors))
	}
	writeJSON(w, http.StatusOK, out)
}

// importJSON is POST /api/contacts/import's answer: what the file adds,
// updates and skips, row by row and counted, and the rows refused. With
// ?preview=1 nothing is stored.
type importJSON struct {
	Preview  bool                  `json:"preview,omitempty"`
	Imported int                   `json:"imported"` // added + updated; 0 for a preview
	Added    int                   `json:"added"`
	Updated  int                   `json:"updated"`
	Skipped  int                   `json:"skipped"`
	Rows     []contacts.PlannedRow `json:"rows"`
	Errors   []contacts.RowError   `json:"errors"`
}

// contactRef is a recipient written as "contact:ID".
var contactRef = regexp.MustCompile(`(?i)\bcontact:\s*(\d+)`)

// expandContacts replaces each "contact:ID" in a to, cc or bcc field with
// that contact's first fax number, and appends to bad the references that
// name no contact or one without a fax number (they are removed from the
// field). createMessage and createPreview call it before parsing the
// field.
func (s *Server) expandContacts(ctx context.Context, f store.Field, field string, bad []invalidNumber) (string, []invalidNumber) {
	if !strings.Contains(strings.ToLower(field), "contact:") {
		return field, bad
	}
	out := contactRef.ReplaceAllStringFunc(field, func(ref string) string {
		id, _ := strconv.ParseInt(contactRef.FindStringSubmatch(ref)[1], 10, 64)
		if s.cfg.Contacts == nil {
			bad = append(bad, invalidNumber{Field: f.String(), Input: ref, Reason: "this Faxbox has no address book"})
			return ""
		}
		_, n, err := s.cfg.Contacts.FaxNumber(ctx, id)
		switch {
		case errors.Is(err, contacts.ErrNotFound):
			bad = append(bad, invalidNumber{Field: f.String(), Input: ref, Reason: "no such contact"})
		case errors.Is(err, contacts.ErrNoFax):
			bad = append(bad, invalidNumber{Field: f.String(), Input: ref, Reason: strings.TrimPrefix(err.Error(), "contacts: ")})
		case err != nil:
			bad = append(bad, invalidNumber{Field: f.String(), Input: ref, Reason: "the address book cannot be read"})
			s.log.Error("contacts: resolving a recipient", "ref", ref, "err", err)
		default:
			return n.E164
		}
		return ""
	})
	return out, bad
}
