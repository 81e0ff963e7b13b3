package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/firmware/appliance"
	"faxbox/firmware/config"
	"faxbox/ui"
)

// submitUsage is the synopsis of "faxd submit".
const submitUsage = "submit (--demo | --url URL --token-file FILE [--cacert PEM]) --to NUMBERS [--cc NUMBERS] [--bcc NUMBERS] [--subject S] [--body TEXT | --body-file FILE|-] [--resolution standard|fine|superfine] [--json] [FILE...]"

// submitRequest is what "faxd submit" sends: the same form as the web
// UI's compose page.
type submitRequest struct {
	url, token    string
	client        *http.Client
	to, cc, bcc   string
	subject, body string
	resolution    string // "" for the appliance's render.resolution
	files         []string
}

// runSubmit implements "faxd submit": it queues a message with a running
// faxd serve through its JSON API, as the web UI's compose page does, and
// prints the message and its jobs.
func runSubmit(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("submit", submitUsage, stderr)
	var r submitRequest
	var tokenFile, caFile, bodyFile string
	fl.StringVar(&r.url, "url", "", "address of faxd serve, e.g. https://faxbox.local (required)")
	fl.StringVar(&tokenFile, "token-file", "", "file holding the API token (web.api_token_file; required)")
	fl.StringVar(&caFile, "cacert", "", "PEM certificate(s) to trust for an https URL, e.g. the appliance's own")
	fl.StringVar(&r.to, "to", "", "recipients, comma-separated fax numbers in international format or contact:ID")
	fl.StringVar(&r.cc, "cc", "", "Cc recipients, comma-separated")
	fl.StringVar(&r.bcc, "bcc", "", "Bcc recipients, comma-separated: they appear on no one else's page")
	fl.StringVar(&r.subject, "subject", "", "subject of the cover page")
	fl.StringVar(&r.body, "body", "", "text of the first page")
	fl.StringVar(&bodyFile, "body-file", "", "read the text of the first page from this file (- for standard input)")
	fl.StringVar(&r.resolution, "resolution", "", "standard, fine or superfine (default: the appliance's render.resolution)")
	asJSON := fl.Bool("json", false, "print the API's answer as JSON instead of a summary")
	demo := fl.Bool("demo", false, "queue with `make run`'s demo: its address, and the token and certificate in ./var/demo")
	if err := fl.Parse(args); err != nil {
		return err
	}
	r.files = fl.Args()
	if *demo {
		dir := filepath.Join(config.DemoDataDir, "demo")
		r.url = cmp.Or(r.url, "https://"+appliance.DefaultListen)
		tokenFile = cmp.Or(tokenFile, filepath.Join(dir, appliance.DemoTokenFile))
		caFile = cmp.Or(caFile, filepath.Join(dir, ui.CertFile))
	}
	if r.url == "" || tokenFile == "" || (r.to == "" && r.cc == "" && r.bcc == "") {
		fl.Usage()
		return errUsage
	}
	if bodyFile != "" {
		if r.body != "" {
			return fmt.Errorf("--body and --body-file: give one")
		}
		b, err := readBody(bodyFile)
		if err != nil {
			return err
		}
		r.body = b
	}
	tok, err := appliance.ReadToken(tokenFile)
	if err != nil {
		return err
	}
	r.token = tok
	if r.client, err = submitClient(caFile); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	ans, err := r.send(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := stdout.Write(ans)
		return err
	}
	return printSubmitted(stdout, ans)
}

// readBody reads the first page's text from a file or standard input.
func readBody(name string) (string, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return "", fmt.Errorf("--body-file: %w", err)
	}
	return string(b), nil
}

// submitClient trusts the system's certificates and those in caFile.
func submitClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--cacert: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert %s: no PEM certificate in it", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 5 * time.Minute}, nil
}

// send posts the message and returns the API's answer to a created
// message; any other answer is an error in the API's words.
func (r *submitRequest) send(ctx context.Context) ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range [][2]string{{"to", r.to}, {"cc", r.cc}, {"bcc", r.bcc}, {"subject", r.subject}, {"body", r.body}, {"resolution", r.resolution}} {
		if f[1] != "" {
			mw.WriteField(f[0], f[1])
		}
	}
	for _, name := range r.files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("attachment: %w", err)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition("files", filepath.Base(name)))
		h.Set("Content-Type", http.DetectContentType(data))
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		w.Write(data)
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	url := strings.TrimSuffix(r.url, "/") + "/api/messages"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &body)
	if err != nil {
		return nil, fmt.Errorf("--url: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("faxd serve at %s: %w", r.url, err)
	}
	defer resp.Body.Close()
	ans, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("faxd serve at %s: %w", r.url, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, apiRefusal(resp.StatusCode, ans)
	}
	return ans, nil
}

// apiRefusal turns an API error answer into an error in its words.
func apiRefusal(code int, ans []byte) error {
	var e struct {
		Error   string `json:"error"` // names every invalid number with its reason
		Missing string `json:"missing"`
	}
	if json.Unmarshal(ans, &e) != nil || e.Error == "" {
		return fmt.Errorf("faxd serve answered %d %s", code, http.StatusText(code))
	}
	msg := e.Error
	if e.Missing != "" {
		msg += "\n  missing: " + e.Missing
	}
	return errors.New(msg)
}

// printSubmitted prints a created message: its id, pages and estimate,
// then each job.
func printSubmitted(w io.Writer, ans []byte) error {
	var m struct {
		ID       int64  `json:"id"`
		Pages    int    `json:"pages"`
		Estimate string `json:"estimate"`
		State    string `json:"state"`
		// Estimates: the resolution and each recipient's estimate.
		Estimates struct {
			Resolution string `json:"resolution"`
			Recipients []struct {
				Estimate string  `json:"estimate"`
				Seconds  float64 `json:"seconds"`
			} `json:"recipients"`
		} `json:"estimates"`
		Jobs []struct {
			ID        int64 `json:"id"`
			Recipient struct {
				Field  string `json:"field"`
				Number string `json:"number"`
				Name   string `json:"name"`
			} `json:"recipient"`
			State string `json:"state"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(ans, &m); err != nil {
		return fmt.Errorf("faxd serve's answer: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "message %d: %d page(s), estimate %s, %s\n", m.ID, m.Pages, m.Estimate, m.State)
	if m.Estimates.Resolution != "" {
		fmt.Fprintf(&b, "  resolution %s\n", m.Estimates.Resolution)
	}
	for i, j := range m.Jobs {
		to := j.Recipient.Number
		if j.Recipient.Name != "" {
			to = j.Recipient.Name + " " + to
		}
		est := ""
		if i < len(m.Estimates.Recipients) {
			e := m.Estimates.Recipients[i]
			est = fmt.Sprintf("  estimate %s (%.0f s)", e.Estimate, e.Seconds)
		}
		fmt.Fprintf(&b, "  job %d  %-3s %s  %s%s\n", j.ID, j.Recipient.Field, to, j.State, est)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
