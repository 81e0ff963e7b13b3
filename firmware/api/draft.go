package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/pages/render"
)

// draft is a message as the compose form gives it, checked: the form of
// POST /api/messages and POST /api/previews.
type draft struct {
	rcpts         []submission.Recipient
	atts          []render.Attachment
	subject, body string
	noCover       bool
	resolution    string // the appliance's default when the form gives none
}

// readDraft reads and checks a message form. When the form is unusable
// (too large, invalid numbers, no recipient, nothing to send) it answers
// the request itself and returns false. The caller defers removeForm.
func (s *Server) readDraft(w http.ResponseWriter, r *http.Request) (*draft, bool) {
	if !s.parseMessageForm(w, r) {
		return nil, false
	}
	// Recipients: every bad number is reported, and then nothing is done.
	rcpts, bad := s.parseRecipients(r.Context(), r)
	if len(bad) > 0 {
		invalidNumbers(w, bad)
		return nil, false
	}
	if len(rcpts) == 0 {
		writeError(w, http.StatusBadRequest, "no recipient: give at least one fax number in to, cc or bcc")
		return nil, false
	}
	atts, err := attachments(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	for _, fh := range filesOf(r) {
		f := &multipartFile{fh}
		if problem, err := f.problem(s.cfg.MaxUpload); err != nil || problem != "" {
			if err != nil {
				problem = err.Error()
			}
			writeError(w, fileProblemCode(problem), problem)
			return nil, false
		}
	}
	kept, err := s.draftAttachments(principal(r).User.ID, formList(r, "draft_files"))
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	atts = append(kept, atts...)
	d := &draft{rcpts: rcpts, atts: atts, subject: r.FormValue("subject"), body: r.FormValue("body"),
		noCover: formBool(r.FormValue("no_cover")), resolution: cmp.Or(r.FormValue("resolution"), s.defaultResolution())}
	if _, err := s.sub.Resolution(d.resolution); err != nil {
		writeError(w, http.StatusBadRequest, "resolution: standard, fine or superfine")
		return nil, false
	}
	s.nameCopies(r.Context(), d.rcpts)
	switch {
	case d.noCover && len(atts) == 0:
		writeError(w, http.StatusBadRequest, "nothing to send: without a cover page, attach at least one file")
		return nil, false
	case strings.TrimSpace(d.body) == "" && strings.TrimSpace(d.subject) == "" && len(atts) == 0:
		writeError(w, http.StatusBadRequest, "nothing to send: give a subject, a body or files")
		return nil, false
	}
	return d, true
}

// formBool reads a checkbox-like form value: "1", "true", "on", "yes".
func formBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// filesOf returns the files uploaded in the form's "files" field.
func filesOf(r *http.Request) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	return r.MultipartForm.File["files"]
}

// removeForm removes the temporary files of a parsed multipart form.
func removeForm(r *http.Request) {
	if r.MultipartForm != nil {
		r.MultipartForm.RemoveAll()
	}
}

// parseMessageForm reads the multipart (or urlencoded) form of a message
// submission, answering the request itself when it cannot.
func (s *Server) parseMessageForm(w http.ResponseWriter, r *http.Request) bool {
	return s.parseFormUpTo(w, r, s.cfg.MaxUpload)
}

// parseFormUpTo is parseMessageForm for a body of up to limit bytes.
func (s *Server) parseFormUpTo(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	// Files beyond the first 64 KiB go to temporary files, which the
	// renderer reads itself: the daemon holds no attachment in memory.
	err := r.ParseMultipartForm(64 << 10)
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the message with its files is too large (more than %s): attach smaller files", humanSize(mbe.Limit)))
		return false
	case errors.Is(err, http.ErrNotMultipart):
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusBadRequest, "reading the form: "+err.Error())
			return false
		}
	default:
		writeError(w, http.StatusBadRequest, "want a multipart/form-data body: "+err.Error())
		return false
	}
	return true
}

// parseRecipients parses the to, cc and bcc fields ("contact:ID" stands
// for a contact's fax number): one recipient per distinct number, in the
// first field that names it, and every bad number reported.
func (s *Server) parseRecipients(ctx context.Context, r *http.Request) ([]submission.Recipient, []invalidNumber) {
	var rcpts []submission.Recipient
	var bad []invalidNumber
	seen := map[string]bool{}
	unchecked := formList(r, "unchecked")
	for _, f := range []store.Field{store.To, store.Cc, store.Bcc} {
		field := strings.Join(r.Form[f.String()], ",")
		field, bad = s.expandContacts(ctx, f, field, bad)
		for _, res := range s.cfg.Numbers.ParseList(field) {
			if n, ok := uncheckedNumber(res.Err); ok && slices.Contains(unchecked, n.E164) {
				res.Number, res.Err = n, nil // the user insists
			}
			if res.Err != nil {
				v := invalidNumber{Field: f.String(), Input: res.Input, Reason: numberReason(res.Err)}
				if n, ok := uncheckedNumber(res.Err); ok {
					v.Unchecked = n.E164
				}
				bad = append(bad, v)
				continue
			}
			if seen[res.Number.E164] {
				continue
			}
			seen[res.Number.E164] = true
			rcpts = append(rcpts, submission.Recipient{Field: f, Number: res.Number})
		}
	}
	return rcpts, bad
}

// uncheckedNumber returns the number of an error saying that no such
// number exists: one the user may send to anyway.
func uncheckedNumber(err error) (numbers.Number, bool) {
	var ne *numbers.NumberError
	if errors.As(err, &ne) && ne.Reason == numbers.ReasonInvalid && ne.Unchecked.E164 != "" {
		return ne.Unchecked, true
	}
	return numbers.Number{}, false
}

// invalidNumbers answers 400 with the refused numbers.
func invalidNumbers(w http.ResponseWriter, bad []invalidNumber) {
	msg := fmt.Sprintf("%d invalid number(s): ", len(bad))
	for i, b := range bad {
		if i > 0 {
			msg += "; "
		}
		msg += fmt.Sprintf("%s %q: %s", b.Field, b.Input, b.Reason)
	}
	writeJSON(w, http.StatusBadRequest, errorJSON{Error: msg, Invalid: bad})
}
