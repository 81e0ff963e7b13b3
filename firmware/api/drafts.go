package api

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/pages"
	"faxbox/pages/render"
)

// A user's draft is kept on the appliance, so that nothing written in
// Compose is lost by leaving the page, reloading it or resending: the
// form as JSON and the attached files, under the store's directory:
//
//	drafts/u<USER>/draft.json   {"form": {...}, "files": [...]}
//	drafts/u<USER>/<FILE ID>    each attached file as it was uploaded
//
// Each user has one draft. The server's mutex orders the changes.
// Housekeeping removes the drafts untouched for retention.sent_days and
// those of users the store does not know (store.Store.PurgeDrafts).

// maxDraftForm bounds the JSON form of a draft.
const maxDraftForm = 256 << 10

// draftForm is the compose form of a draft.
type draftForm struct {
	To      []draftRecipient `json:"to"`
	Cc      []draftRecipient `json:"cc"`
	Bcc     []draftRecipient `json:"bcc"`
	Subject string           `json:"subject"`
	Body    string           `json:"body"`
	// NoCover leaves the first page out.
	NoCover bool `json:"no_cover"`
	// Unchecked are numbers (E.164) to send to although they are not in
	// their country's numbering plan.
	Unchecked []string `json:"unchecked,omitempty"`
	// Resolution is the resolution chosen: "standard", "fine",
	// "superfine", or "" for the appliance's default.
	Resolution string `json:"resolution,omitempty"`
}

// draftRecipient is a chip of the form: the value sent ("+3225551234"),
// the label shown (a contact's name) and the number.
type draftRecipient struct {
	Value  string `json:"value"`
	Label  string `json:"label"`
	Number string `json:"number"`
	// Unchecked is the number (E.164) when the user sends to it although
	// no such number is known to exist.
	Unchecked string `json:"unchecked,omitempty"`
}

// draftFile is an attached file of a draft.
type draftFile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	// SizeText is the size as people read it ("1.2 MB").
	SizeText string `json:"size_text"`
}

// draftJSON is GET /api/draft's answer and draft.json's content.
type draftJSON struct {
	Form  *draftForm  `json:"form"`
	Files []draftFile `json:"files"`
	// Supported says which files can be faxed, in words.
	Supported string `json:"supported,omitempty"`
	// MaxSize is the largest file that can be attached, in bytes.
	MaxSize int64 `json:"max_size,omitempty"`
	// Office is whether office documents (.docx, .xlsx, .pptx, .odt,
	// .ods, .odp) are converted here.
	Office bool `json:"office"`
	// DefaultResolution is the resolution a message gets when the form
	// chooses none: the appliance's setting (render.resolution) now.
	DefaultResolution string `json:"default_resolution,omitempty"`
}

// draftDir is the directory of user's draft, which the store names and
// retention removes (store.Store.PurgeDrafts).
func (s *Server) draftDir(user int64) string { return s.cfg.Store.DraftDir(user) }

// loadDraft reads a user's draft; none is an empty draft.
func (s *Server) loadDraft(user int64) (draftJSON, error) {
	d := draftJSON{Files: []draftFile{}}
	data, err := os.ReadFile(filepath.Join(s.draftDir(user), "draft.json"))
	if errors.Is(err, os.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, fmt.Errorf("the draft of user %d: %w", user, err)
	}
	if d.Files == nil {
		d.Files = []draftFile{}
	}
	return d, nil
}

// saveDraftJSON writes draft.json atomically.
func (s *Server) saveDraftJSON(user int64, d draftJSON) error {
	dir := s.draftDir(user)
	if err := os.MkdirAll(dir, datadir.DirMode); err != nil {
		return err
	}
	d.Supported, d.MaxSize, d.DefaultResolution = "", 0, ""
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, _, err = store.WriteFile(filepath.Join(dir, "draft.json"), bytes.NewReader(data), datadir.FileMode)
	return err
}

// writeDraft answers with the draft and what can be attached to it.
func (s *Server) writeDraft(w http.ResponseWriter, code int, d draftJSON) {
	d.Supported, d.Office = supportedTypes()
	d.MaxSize = s.cfg.MaxUpload
	d.DefaultResolution = s.defaultResolution()
	writeJSON(w, code, d)
}

// getDraft implements GET /api/draft.
func (s *Server) getDraft(w http.ResponseWriter, r *http.Request) {
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	d, err := s.loadDraft(principal(r).User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDraft(w, http.StatusOK, d)
}

// putDraft implements PUT /api/draft: the form, JSON; the files stay.
func (s *Server) putDraft(w http.ResponseWriter, r *http.Request) {
	var f draftForm
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxDraftForm))
	if err := dec.Decode(&f); err != nil {
		writeError(w, http.StatusBadRequest, "the draft is not a JSON form: "+err.Error())
		return
	}
	if f.Resolution != "" {
		if _, err := pages.ParseResolution(f.Resolution); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("the draft's resolution %q: standard, fine or superfine", f.Resolution))
			return
		}
	}
	user := principal(r).User.ID
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	d, err := s.loadDraft(user)
	if err == nil {
		d.Form = &f
		err = s.saveDraftJSON(user, d)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDraft(w, http.StatusOK, d)
}

// deleteDraft implements DELETE /api/draft: the form and its files.
func (s *Server) deleteDraft(w http.ResponseWriter, r *http.Request) {
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	if err := os.RemoveAll(s.draftDir(principal(r).User.ID)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// addDraftFiles implements POST /api/draft/files: multipart field "file",
// one or more. Each file is checked as it comes (kind, size, a PDF's
// signature); a file that cannot be faxed is refused with its name, what
// is wrong and what to do, and none of the request's files is kept then.
func (s *Server) addDraftFiles(w http.ResponseWriter, r *http.Request) {
	defer removeForm(r)
	// A file over the limit is refused by its name below; the request
	// may be a little larger, for the form around it.
	if !s.parseFormUpTo(w, r, s.cfg.MaxUpload+1<<20) {
		return
	}
	var fhs []*multipartFile
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["file"] {
			fhs = append(fhs, &multipartFile{fh})
		}
	}
	if len(fhs) == 0 {
		writeError(w, http.StatusBadRequest, "no file: send the files in the multipart field \"file\"")
		return
	}
	user := principal(r).User.ID
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	d, err := s.loadDraft(user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	total := int64(0)
	for _, f := range d.Files {
		total += f.Size
	}
	for _, f := range fhs {
		total += f.Size
		if problem, err := f.problem(s.cfg.MaxUpload); err != nil {
			s.fail(w, r, err)
			return
		} else if problem != "" {
			writeError(w, fileProblemCode(problem), problem)
			return
		}
	}
	if total > s.cfg.MaxUpload {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the files of this message would be too large together (%s; at most %s): leave one out or attach smaller files",
			humanSize(total), humanSize(s.cfg.MaxUpload)))
		return
	}
	added, err := s.keepDraftFiles(user, fhs)
	if err == nil {
		d.Files = append(d.Files, added...)
		err = s.saveDraftJSON(user, d)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDraft(w, http.StatusCreated, d)
}

// fileProblemCode is the status code of an attachmentProblem.
func fileProblemCode(problem string) int {
	switch {
	case strings.Contains(problem, "too large"):
		return http.StatusRequestEntityTooLarge
	case strings.Contains(problem, "cannot be faxed"):
		return http.StatusUnsupportedMediaType
	}
	return http.StatusBadRequest
}

// keepDraftFiles copies uploaded files into the user's draft directory.
func (s *Server) keepDraftFiles(user int64, fhs []*multipartFile) ([]draftFile, error) {
	dir := s.draftDir(user)
	if err := os.MkdirAll(dir, datadir.DirMode); err != nil {
		return nil, err
	}
	var out []draftFile
	for _, f := range fhs {
		df := draftFile{ID: strings.ToLower(rand.Text()[:12]), Name: f.Filename, Type: f.Header.Get("Content-Type"),
			Size: f.Size, SizeText: humanSize(f.Size)}
		if err := f.copyTo(filepath.Join(dir, df.ID)); err != nil {
			return nil, err
		}
		out = append(out, df)
	}
	return out, nil
}

// deleteDraftFile implements DELETE /api/draft/files/{id}.
func (s *Server) deleteDraftFile(w http.ResponseWriter, r *http.Request) {
	user := principal(r).User.ID
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	d, err := s.loadDraft(user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(d.Files, func(f draftFile) bool { return f.ID == r.PathValue("id") })
	if i < 0 {
		writeError(w, http.StatusNotFound, "no such file in your draft")
		return
	}
	os.Remove(filepath.Join(s.draftDir(user), d.Files[i].ID))
	d.Files = slices.Delete(d.Files, i, i+1)
	if err := s.saveDraftJSON(user, d); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeDraft(w, http.StatusOK, d)
}

// draftAttachments returns the draft's files named in ids, in that
// order, for rendering from their files. An id not in the draft is an
// error naming it.
func (s *Server) draftAttachments(user int64, ids []string) ([]render.Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	d, err := s.loadDraft(user)
	if err != nil {
		return nil, err
	}
	var atts []render.Attachment
	for _, id := range ids {
		i := slices.IndexFunc(d.Files, func(f draftFile) bool { return f.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("%w: the file %q is no longer in your draft: attach it again", store.ErrInvalid, id)
		}
		f := d.Files[i]
		atts = append(atts, render.Attachment{Name: f.Name, ContentType: f.Type, Path: filepath.Join(s.draftDir(user), f.ID)})
	}
	return atts, nil
}

// copyFile copies the file at src to dst atomically.
func copyFile(dst, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, _, err = store.WriteFile(dst, f, datadir.FileMode)
	return err
}

// multipartFile is an uploaded file of a multipart form.
type multipartFile struct{ *multipart.FileHeader }

// problem reads the file's first bytes and checks it (attachmentProblem).
func (f *multipartFile) problem(max int64) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("attachment %q: %w", f.Filename, err)
	}
	defer rc.Close()
	head, err := readHead(rc)
	if err != nil {
		return "", fmt.Errorf("attachment %q: %w", f.Filename, err)
	}
	return attachmentProblem(f.Filename, f.Header.Get("Content-Type"), f.Size, max, head), nil
}

// copyTo writes the file to path atomically.
func (f *multipartFile) copyTo(path string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, _, err = store.WriteFile(path, io.Reader(rc), datadir.FileMode)
	return err
}
