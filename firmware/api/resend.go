package api

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"faxbox/firmware/store"
	"faxbox/internal/datadir"
)

// resendMessage implements POST /api/messages/{id}/resend[?job=ID...]:
// the user's draft becomes the message again, with its subject, body,
// attachments (the files it was submitted with) and recipients, or only
// the recipients of the jobs named, for Compose to open. The draft it
// replaces is gone.
func (s *Server) resendMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p := principal(r)
	m, err := s.ownMessage(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var jobs []int64
	for _, v := range r.URL.Query()["job"] {
		j, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !slices.ContainsFunc(m.Jobs, func(x store.Job) bool { return x.ID == j }) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("job=%q: not a job of message %d", v, id))
			return
		}
		jobs = append(jobs, j)
	}
	form := &draftForm{Subject: m.Subject, Body: m.Body}
	for _, j := range m.Jobs {
		if len(jobs) > 0 && !slices.Contains(jobs, j.ID) {
			continue
		}
		rc := draftRecipient{Value: j.Recipient.Number, Label: j.Recipient.Name, Number: j.Recipient.Number}
		if rc.Label == "" {
			rc.Label = rc.Number
		}
		switch j.Recipient.Field {
		case store.Cc:
			form.Cc = append(form.Cc, rc)
		case store.Bcc:
			form.Bcc = append(form.Bcc, rc)
		default:
			form.To = append(form.To, rc)
		}
	}
	kept, err := s.sub.Attachments(r.Context(), m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	dir := s.draftDir(p.User.ID)
	d := draftJSON{Form: form, Files: []draftFile{}}
	err = os.RemoveAll(dir)
	if err == nil {
		err = os.MkdirAll(dir, datadir.DirMode)
	}
	for i := 0; err == nil && i < len(kept); i++ {
		k := kept[i]
		var fi os.FileInfo
		if fi, err = os.Stat(k.Path); err != nil {
			break
		}
		f := draftFile{ID: fmt.Sprintf("r%d-%d", id, i+1), Name: k.Name, Type: k.ContentType, Size: fi.Size(), SizeText: humanSize(fi.Size())}
		if err = copyFile(filepath.Join(dir, f.ID), k.Path); err == nil {
			d.Files = append(d.Files, f)
		}
	}
	if err == nil {
		err = s.saveDraftJSON(p.User.ID, d)
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("resending message %d: %w", id, err))
		return
	}
	s.writeDraft(w, http.StatusOK, d)
}

// formList splits a form field of comma-separated values.
func formList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.Form[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}
