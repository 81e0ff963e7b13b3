package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// web holds the pages (HTML, CSS, JavaScript, images); files whose names
// start with "." or "_" are not embedded.
//
//go:embed web
var web embed.FS

// page is one embedded file, ready to serve.
type page struct {
	data  []byte
	ctype string
	etag  string
}

// contentType is the type of a file the pages are made of, so that it
// does not depend on the system's MIME table.
func contentType(name string) string {
	switch ext := path.Ext(name); ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".json", ".webmanifest":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

// loadPages reads the embedded files into memory with their types and
// entity tags.
func loadPages() (map[string]page, error) {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		return nil, fmt.Errorf("ui: embedded pages: %w", err)
	}
	pages := map[string]page{}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		pages[name] = page{data: data, ctype: contentType(name), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ui: embedded pages: %w", err)
	}
	return pages, nil
}

// static serves the embedded pages: GET / is index.html, other files by
// their path. Directories and unknown files are 404.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed here (allowed: GET, HEAD)")
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	p, ok := s.pages[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", p.ctype)
	w.Header().Set("ETag", p.etag)
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(p.data))
}
