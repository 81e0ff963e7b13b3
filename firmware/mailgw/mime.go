package mailgw

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode ISO-8859-x, Windows-125x, Shift_JIS, ... bodies
	"github.com/emersion/go-message/mail"

	"faxbox/pages/render"
)

// Limits bound what one mail may cost to take apart. A zero field means
// the default given with it.
type Limits struct {
	// MaxDepth is how deeply multipart parts may nest (default 10).
	MaxDepth int
	// MaxParts is the most MIME parts a mail may have (default 100).
	MaxParts int
	// MaxHeaderBytes bounds the mail's header block (default 256 KiB).
	MaxHeaderBytes int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = 10
	}
	if l.MaxParts <= 0 {
		l.MaxParts = 100
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = 256 << 10
	}
	return l
}

// maxNameBytes bounds an attachment's sanitised name.
const maxNameBytes = 120

// content is what a mail holds for a fax.
type content struct {
	Subject     string
	Body        string
	Attachments []render.Attachment
	MessageID   string
	// To and Cc are the addresses of the To and Cc header fields; the
	// envelope recipients found in neither are Bcc recipients.
	To, Cc []string
	// From are the addresses of the From header field (none when it is
	// missing or cannot be parsed).
	From []string
}

// readMessage takes a mail apart: subject, Message-ID, To and Cc header
// addresses, the text that becomes the first page and the attachments
// that become the following pages. Errors are *ContentError, or the
// error of r.
func readMessage(r io.Reader, lim Limits) (*content, error) {
	lim = lim.withDefaults()
	e, err := message.ReadWithOptions(r, &message.ReadOptions{MaxHeaderBytes: lim.MaxHeaderBytes})
	if err != nil && !lenient(err) {
		return nil, contentErr(ErrMalformed, "the mail header cannot be read: %v", err)
	}
	h := mail.Header{Header: e.Header}
	c := &content{}
	if c.Subject, err = h.Subject(); err != nil {
		c.Subject = h.Get("Subject") // undecodable encoded-words: as written
	}
	c.Subject = strings.Join(strings.Fields(cleanText(c.Subject)), " ")
	c.MessageID, _ = h.MessageID() // none or unreadable: no duplicate detection
	c.To, c.Cc, c.From = headerAddresses(h, "To"), headerAddresses(h, "Cc"), headerAddresses(h, "From")

	w := walker{lim: lim}
	body, err := w.entity(e, 0, false)
	if err != nil {
		return nil, err
	}
	c.Body, c.Attachments = strings.TrimSpace(body), w.atts
	if c.Body == "" && c.Subject == "" && len(c.Attachments) == 0 {
		return nil, contentErr(ErrNothingToSend, "the mail has no subject, no text and no attachment")
	}
	return c, nil
}

// lenient reports whether err of go-message still leaves a readable
// entity: an unknown charset or transfer encoding, which then comes
// through as it is.
func lenient(err error) bool {
	return message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)
}

// headerAddresses returns the addresses of header field key; a field that
// cannot be parsed gives none, which makes its fax recipients Bcc ones:
// the safe side.
func headerAddresses(h mail.Header, key string) []string {
	list, err := h.AddressList(key)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.Address)
	}
	return out
}

// walker walks a mail's MIME tree, counting parts.
type walker struct {
	lim   Limits
	parts int
	atts  []render.Attachment
}

// entity walks e, nested depth multiparts deep, and returns its text for
// the first page; attachments are appended to w.atts. In multipart/related
// (decorative) is true for the parts after the root: inline images there
// belong to the HTML, which is not faxed as such.
func (w *walker) entity(e *message.Entity, depth int, decorative bool) (string, error) {
	w.parts++
	if w.parts > w.lim.MaxParts {
		return "", contentErr(ErrTooManyParts, "more than %d MIME parts", w.lim.MaxParts)
	}
	if depth > w.lim.MaxDepth {
		return "", contentErr(ErrTooDeep, "multipart parts nested more than %d deep", w.lim.MaxDepth)
	}
	mediaType, params, err := e.Header.ContentType()
	if err != nil {
		return "", contentErr(ErrMalformed, "bad Content-Type %q: %v", clip(e.Header.Get("Content-Type")), err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if params["boundary"] == "" {
			return "", contentErr(ErrMalformed, "%s without a boundary", mediaType)
		}
		return w.multipart(e, mediaType, depth)
	}
	disp, _, _ := e.Header.ContentDisposition() // unreadable: inline
	name, _ := (&mail.AttachmentHeader{Header: e.Header}).Filename()
	isText := mediaType == "text/plain" || mediaType == "text/html"
	switch {
	case mediaType == "message/rfc822" || mediaType == "message/global":
		return "", contentErr(ErrUnsupported, "an attached e-mail message (%q) cannot be faxed: forward its text inline or attach it as a PDF",
			sanitiseName(name, len(w.atts)))
	case disp == "attachment" || name != "" || !isText:
		if decorative && disp != "attachment" {
			return "", nil
		}
		return "", w.attachment(e, mediaType, name)
	}
	text, err := readText(e)
	if err != nil {
		return "", err
	}
	if mediaType == "text/html" {
		text = htmlToText(text)
	}
	return text, nil
}

// multipart walks the parts of e. multipart/alternative gives the text of
// one alternative, with its attachments: text/plain when there is one,
// else the first one that has something; every other multipart gives the
// text of all its parts.
func (w *walker) multipart(e *message.Entity, mediaType string, depth int) (string, error) {
	mr := e.MultipartReader()
	alternative := mediaType == "multipart/alternative"
	var texts []string
	var best struct {
		text       string
		atts       []render.Attachment
		set, plain bool
	}
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && (p == nil || !lenient(err)) {
			return "", contentErr(ErrMalformed, "%s part %d cannot be read: %v", mediaType, i+1, err)
		}
		if !alternative {
			text, err := w.entity(p, depth+1, mediaType == "multipart/related" && i > 0)
			if err != nil {
				return "", err
			}
			if text = strings.TrimSpace(text); text != "" {
				texts = append(texts, text)
			}
			continue
		}
		// Each alternative is walked on its own so that the attachments
		// of the versions not chosen are dropped with them.
		sub := walker{lim: w.lim, parts: w.parts}
		text, err := sub.entity(p, depth+1, false)
		w.parts = sub.parts
		if err != nil {
			return "", err
		}
		mt, _, _ := p.Header.ContentType()
		plain := mt == "text/plain"
		text = strings.TrimSpace(text)
		if (text != "" || len(sub.atts) > 0) && (!best.set || plain && !best.plain) {
			best.text, best.atts, best.set, best.plain = text, sub.atts, true, plain
		}
	}
	if alternative {
		w.atts = append(w.atts, best.atts...)
		return best.text, nil
	}
	return strings.Join(texts, "\n\n"), nil
}

// attachment reads e as an attachment. HTML files are turned into text,
// so that the fax shows what a browser would, not the markup.
func (w *walker) attachment(e *message.Entity, mediaType, name string) error {
	clean := sanitiseName(name, len(w.atts))
	data, err := io.ReadAll(e.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return contentErr(ErrMalformed, "attachment %q cannot be decoded: %v", clean, err)
	}
	ct := mediaType
	if mediaType == "text/html" {
		data, ct = []byte(htmlToText(cleanText(string(data)))), "text/plain; charset=utf-8"
	}
	w.atts = append(w.atts, render.Attachment{Name: clean, Data: data, ContentType: ct})
	return nil
}

// readText reads a text part, decoded to UTF-8 by go-message.
func readText(e *message.Entity) (string, error) {
	b, err := io.ReadAll(e.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", contentErr(ErrMalformed, "the text cannot be decoded: %v", err)
	}
	return cleanText(string(b)), nil
}

// cleanText makes s valid UTF-8 with "\n" line ends and no control
// characters other than tab and line feed.
func cleanText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\r\n", "\n"), "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// sanitiseName makes an attachment name safe to show and to use as a
// hint: the last element of any path, without control and format
// characters (such as NUL and right-to-left overrides), without leading
// and trailing dots and blanks, at most maxNameBytes long keeping the
// extension. An empty result becomes "attachment-N", N = index+1.
func sanitiseName(name string, index int) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, ". \t\u00a0")
	if len(name) > maxNameBytes {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 10 {
			ext = name[i:]
		}
		base := name[:maxNameBytes-len(ext)]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
		name = base + ext
	}
	if name == "" {
		return fmt.Sprintf("attachment-%d", index+1)
	}
	return name
}

// clip shortens header text quoted in a reply.
func clip(s string) string {
	if len(s) > 60 {
		return strings.ToValidUTF8(s[:60], "") + "..."
	}
	return s
}
