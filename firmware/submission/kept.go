package submission

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/pages/render"
)

// A message's attachments are kept as they were submitted, beside its
// pages in its spool directory (purged with them), so that the sender
// can send them again:
//
//	messages/DIR/attachments/manifest.json  [{"name", "type", "file"}]
//	messages/DIR/attachments/1, 2, ...
const keptDir = store.AttachmentsDir

// Kept is an attachment of a stored message, as it was submitted.
type Kept struct {
	Name        string `json:"name"`
	ContentType string `json:"type"`
	File        string `json:"file"` // within the attachments directory
	// Path is the file's absolute path (not in the manifest).
	Path string `json:"-"`
}

// keepAttachments copies the attachments into the spool directory dir
// (relative to the store).
func (s *Submitter) keepAttachments(dir string, atts []render.Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	abs := filepath.Join(s.cfg.Store.Dir(), dir, keptDir)
	if err := os.MkdirAll(abs, datadir.DirMode); err != nil {
		return err
	}
	var manifest []Kept
	for i, a := range atts {
		k := Kept{Name: a.Name, ContentType: a.ContentType, File: fmt.Sprint(i + 1)}
		var r io.Reader = bytes.NewReader(a.Data)
		if a.Data == nil && a.Path != "" {
			f, err := os.Open(a.Path)
			if err != nil {
				return fmt.Errorf("keeping attachment %q: %w", a.Name, err)
			}
			defer f.Close()
			r = f
		}
		if _, _, err := store.WriteFile(filepath.Join(abs, k.File), r, datadir.FileMode); err != nil {
			return fmt.Errorf("keeping attachment %q: %w", a.Name, err)
		}
		manifest = append(manifest, k)
	}
	data, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	_, _, err = store.WriteFile(filepath.Join(abs, "manifest.json"), bytes.NewReader(data), datadir.FileMode)
	return err
}

// Attachments returns the attachments that message m was submitted with,
// found beside the pages of its first job; none for a message without
// attachments, or submitted before they were kept.
func (s *Submitter) Attachments(ctx context.Context, m store.Message) ([]Kept, error) {
	if len(m.Jobs) == 0 {
		return nil, nil
	}
	ps, err := s.cfg.Store.Pages(ctx, m.Jobs[0].ID)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	// A job's pages are DIR/r1/page-001.tif, or the message's DIR/shared/...
	dir := filepath.Dir(filepath.Dir(ps[0].Path))
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(s.cfg.Store.Dir(), dir)
	}
	dir = filepath.Join(dir, keptDir)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var kept []Kept
	if err := json.Unmarshal(data, &kept); err != nil {
		return nil, fmt.Errorf("the attachments of message %d: %w", m.ID, err)
	}
	for i := range kept {
		kept[i].Path = filepath.Join(dir, filepath.Base(kept[i].File))
	}
	return kept, nil
}
