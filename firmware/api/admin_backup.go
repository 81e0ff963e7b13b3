package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"faxbox/firmware/backup"
)

// Backup and restore (administrators):
//
//	GET  /api/admin/backup   the appliance's backup, application/gzip, as an attachment
//	                         named faxbox-backup-YYYY-MM-DDTHHMMSSZ.tar.gz
//	POST /api/admin/restore  a backup as the body (application/gzip) or as the multipart field
//	                         "file": checked, then 202 {"note", "files", "version", "created"}
//	                         and the appliance restarts on it
//
// The download is taken while the appliance works (package backup). It
// holds the accounts' password hashes: it is recorded in the audit log as
// "backup.download". A backup that fails once the download has begun
// aborts the connection, so that no truncated file looks complete.
//
// An upload is read to its end and checked (every file's checksum, the
// schema) before anything changes: a damaged archive is refused with
// 400, one of a newer faxd with 409, both saying why, and the appliance
// goes on as it was. An archive that passes is recorded in the audit log
// as "backup.restore" and staged; once the answer is written the
// appliance stops its services, swaps the restored data directory in
// (keeping the previous one beside it) and starts again on it. The web
// UI is back after that restart; sessions made since the backup are
// gone with the rest of its data.

// BackupFunc writes the appliance's backup to w (Config.Backup).
type BackupFunc func(ctx context.Context, w io.Writer) error

// RestoreFunc checks and stages the backup read from archive
// (Config.Restore) and returns its manifest and then, which applies it
// once the answer is written.
type RestoreFunc func(ctx context.Context, archive io.Reader) (m *backup.Manifest, then func(), err error)

// backupDownload implements GET /api/admin/backup.
func (s *Server) backupDownload(w http.ResponseWriter, r *http.Request) {
	p, ok := admin(w, r, "the backup")
	if !ok || !s.canAudit(w) {
		return
	}
	if s.cfg.Backup == nil {
		writeError(w, http.StatusServiceUnavailable, "this appliance cannot make backups")
		return
	}
	if err := s.record(r.Context(), p, "backup.download", ""); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "faxbox-backup-" + s.cfg.Now().UTC().Format("2006-01-02T150405Z") + ".tar.gz"
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	if err := s.cfg.Backup(r.Context(), w); err != nil {
		s.log.Error("backup download", "err", err)
		panic(http.ErrAbortHandler) // the client sees a broken download, not a short file
	}
}

// restoreUpload implements POST /api/admin/restore.
func (s *Server) restoreUpload(w http.ResponseWriter, r *http.Request) {
	p, ok := admin(w, r, "restoring a backup")
	if !ok || !s.canAudit(w) {
		return
	}
	if s.cfg.Restore == nil {
		writeError(w, http.StatusServiceUnavailable, "this appliance cannot restore backups")
		return
	}
	body, err := uploadedArchive(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, then, err := s.cfg.Restore(r.Context(), body)
	switch {
	case errors.Is(err, backup.ErrCorrupt):
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case errors.Is(err, backup.ErrSchemaTooNew):
		writeError(w, http.StatusConflict, err.Error())
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	detail := fmt.Sprintf("%d files, taken %s by faxd %s", len(m.Files), m.Created.Format("2006-01-02 15:04:05Z"), m.Version)
	if err := s.record(r.Context(), p, "backup.restore", detail); err != nil {
		s.log.Warn("restore", "err", err) // restoring anyway: the archive is checked and staged
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"note":  "The backup is checked and staged: the appliance restarts on it now and is back in a minute.",
		"files": len(m.Files), "version": m.Version, "created": m.Created,
	})
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if then != nil {
		then()
	}
}

// uploadedArchive returns the archive of a restore request: the body,
// or its multipart field "file".
func uploadedArchive(r *http.Request) (io.Reader, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return r.Body, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("the upload: %w", err)
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, errors.New(`the upload has no field "file" with the backup`)
		}
		if part.FormName() == "file" {
			return part, nil
		}
	}
}
