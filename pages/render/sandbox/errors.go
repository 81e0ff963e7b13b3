package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"faxbox/pages/render"
)

// ErrBusy: the user already has Config.MaxQueued jobs waiting or running;
// the caller may try again later.
var ErrBusy = errors.New("sandbox: too many documents of this user are waiting to be rendered")

// Kind is the kind of a Refusal.
type Kind uint8

// The kinds of refusal. Each matches a sentinel of package render.
const (
	// Failed: the document could not be rendered for another reason.
	Failed Kind = iota
	// Limit: over a limit of render.Limits (size, pixels, pages).
	Limit
	// Corrupt: damaged, or not in the format it claims (render.ErrCorrupt).
	Corrupt
	// Unsupported: a kind of file that cannot be faxed.
	Unsupported
	// NoRasteriser: no PDF rasteriser is installed.
	NoRasteriser
	// TooSlow: it took longer than the wall-clock limit.
	TooSlow
	// TooMuchCPU: it took more processor time than the limit.
	TooMuchCPU
	// TooMuchMemory: it needed more memory than the limit.
	TooMuchMemory
)

var kindNames = [...]string{"failed", "limit", "corrupt", "unsupported", "no rasteriser", "too slow", "too much cpu", "too much memory"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Refusal says why a document, or a message, cannot be faxed, in words
// for the person who sent it. Inside a *render.AttachmentError it is the
// reason of one attachment.
type Refusal struct {
	Kind   Kind
	Reason string
}

func (e *Refusal) Error() string { return e.Reason }

// Is makes a Refusal match render.ErrLimit (Limit, TooSlow, TooMuchCPU,
// TooMuchMemory), render.ErrCorrupt, render.ErrUnsupported or
// render.ErrNoRasteriser.
func (e *Refusal) Is(target error) bool {
	switch e.Kind {
	case Limit, TooSlow, TooMuchCPU, TooMuchMemory:
		return target == render.ErrLimit
	case Corrupt:
		return target == render.ErrCorrupt
	case Unsupported:
		return target == render.ErrUnsupported
	case NoRasteriser:
		return target == render.ErrNoRasteriser
	}
	return false
}

// Message formats the refusals in err as "name: reason", one per
// attachment, joined by "; "; other errors as they are.
func Message(err error) string {
	var out []string
	for _, e := range flatten(err) {
		var ae *render.AttachmentError
		if errors.As(e, &ae) {
			out = append(out, ae.Name+": "+reasonOf(ae.Err).Reason)
			continue
		}
		out = append(out, reasonOf(e).Reason)
	}
	return strings.Join(out, "; ")
}

// flatten lists the errors joined in err (errors.Join), or err alone.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// wireError is an error as the child sends it to the parent.
type wireError struct {
	Message     *Refusal // the message's own, when no attachment is to blame
	Attachments []wireAttachment
}

type wireAttachment struct {
	Index int
	Name  string
	Refusal
}

// encodeError turns render's errors into refusals for the wire.
func encodeError(err error, job Job) *wireError {
	w := &wireError{}
	for _, e := range flatten(err) {
		var ae *render.AttachmentError
		if errors.As(e, &ae) {
			w.Attachments = append(w.Attachments, wireAttachment{Index: ae.Index, Name: ae.Name, Refusal: reasonOf(ae.Err)})
			continue
		}
		r := reasonOf(e)
		w.Message = &r
	}
	return w
}

// decodeError makes the error the caller gets from a wireError: the
// attachments' refusals joined, each in a *render.AttachmentError.
// extra, if not nil, is added as the message's own refusal.
func decodeError(w *wireError, extra *Refusal) error {
	var errs []error
	for _, a := range w.Attachments {
		r := a.Refusal
		errs = append(errs, &render.AttachmentError{Index: a.Index, Name: a.Name, Err: &r})
	}
	if w.Message != nil {
		errs = append(errs, w.Message)
	}
	if extra != nil {
		errs = append(errs, extra)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// reasonOf says in plain words why render refused a document.
func reasonOf(err error) Refusal {
	var (
		r  *Refusal
		le *render.LimitError
		te *render.ToolError
		fe *render.FormatError
		me *render.MissingToolError
	)
	switch {
	case errors.As(err, &r):
		return *r
	case errors.As(err, &le):
		return Refusal{Limit, limitReason(le)}
	case errors.As(err, &te):
		return toolReason(te)
	case errors.As(err, &fe):
		return Refusal{Corrupt, fmt.Sprintf("the file is damaged or is not a %s file", strings.ToUpper(fe.Format))}
	case errors.As(err, &me):
		return Refusal{NoRasteriser, strings.TrimPrefix(me.Error(), "render: ")}
	case errors.Is(err, render.ErrUnsupported):
		return Refusal{Unsupported, "this kind of file cannot be faxed" + strings.TrimPrefix(err.Error(), render.ErrUnsupported.Error())}
	case errors.Is(err, context.DeadlineExceeded):
		return Refusal{TooSlow, "took too long to render"}
	}
	return Refusal{Failed, "could not be rendered: " + strings.TrimPrefix(err.Error(), "render: ")}
}

func limitReason(le *render.LimitError) string {
	switch le.What {
	case "pixels", "decode memory":
		if le.Width > 0 && le.Height > 0 {
			return fmt.Sprintf("the image is too large to fax (%dx%d pixels)", le.Width, le.Height)
		}
		return fmt.Sprintf("the image is too large to fax (%d pixels)", le.Got)
	case "file size":
		return fmt.Sprintf("the file is too large to fax (%s, at most %s)", mib(le.Got), mib(le.Max))
	case "pages":
		return fmt.Sprintf("it has too many pages to fax (%d, at most %d)", le.Got, le.Max)
	case "text size", "message body size":
		return fmt.Sprintf("the text is too long to fax (%d bytes, at most %d)", le.Got, le.Max)
	case "jpeg scans":
		return fmt.Sprintf("the JPEG image has too many scans (%d, at most %d)", le.Got, le.Max)
	}
	return strings.TrimPrefix(le.Error(), "render: ")
}

func toolReason(te *render.ToolError) Refusal {
	msg := te.Err.Error()
	switch {
	case errors.Is(te, context.DeadlineExceeded):
		d := strings.TrimSuffix(strings.TrimPrefix(msg, "killed after "), ": "+context.DeadlineExceeded.Error())
		if dd, err := time.ParseDuration(d); err == nil {
			return Refusal{TooSlow, "took longer than " + seconds(dd) + " to render"}
		}
		return Refusal{TooSlow, "took too long to render"}
	case strings.Contains(msg, "CPU time limit"):
		return Refusal{TooMuchCPU, "needed too much processor time to render"}
	case errors.Is(te, render.ErrCorrupt):
		return Refusal{Corrupt, "the PDF is damaged or cannot be read"}
	case strings.Contains(te.Stderr, "VMerror") || strings.Contains(strings.ToLower(te.Stderr), "memory"):
		return Refusal{TooMuchMemory, "needed too much memory to render"}
	}
	return Refusal{Failed, "the PDF could not be rendered (" + te.Tool + ": " + msg + ")"}
}

// seconds formats d as "30 s" or "1.5 s".
func seconds(d time.Duration) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Seconds()), ".0") + " s"
}

func mib(n int64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MiB"
}
