package mailgw

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-smtp"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/pages/render"
)

// Sentinels that Accounts and Submitter implementations return (wrapped or
// not) so that the gateway can answer the client precisely, and that the
// gateway's own content errors match.
var (
	// ErrSchemaTooNew: the gateway's table was migrated by a newer
	// Faxbox.
	ErrSchemaTooNew = errors.New("mailgw: database schema is newer than this Faxbox")
	// ErrUnknownSender: no Faxbox account has the sender's e-mail
	// address (Accounts.ByAddress).
	ErrUnknownSender = errors.New("mailgw: no account has this e-mail address")
	// ErrBadCredentials: the account name or password is wrong
	// (Accounts.Login).
	ErrBadCredentials = errors.New("mailgw: wrong name or password")
	// ErrAccountDisabled: the account exists but may not send
	// (Accounts.ByAddress, Accounts.Login).
	ErrAccountDisabled = errors.New("mailgw: the account is disabled")
	// ErrThrottled: too many failed logins; the client should wait
	// (Accounts.Login).
	ErrThrottled = errors.New("mailgw: too many failed logins")
	// ErrDuplicate: the Submitter has already accepted a mail with this
	// Message-ID from this account. The gateway answers 250 with the
	// earlier Receipt, which the Submitter returns along with the error.
	ErrDuplicate = errors.New("mailgw: message already submitted")

	// ErrMalformed: the mail's header or MIME structure cannot be read.
	ErrMalformed = errors.New("mailgw: malformed message")
	// ErrTooDeep: multipart parts are nested deeper than Limits.MaxDepth.
	ErrTooDeep = errors.New("mailgw: MIME parts nested too deeply")
	// ErrTooManyParts: the mail has more than Limits.MaxParts MIME parts.
	ErrTooManyParts = errors.New("mailgw: too many MIME parts")
	// ErrUnsupported: a part of the mail cannot be faxed (an attached
	// e-mail message, for example).
	ErrUnsupported = errors.New("mailgw: part cannot be faxed")
	// ErrNothingToSend: the mail has no subject, no text and no
	// attachment.
	ErrNothingToSend = errors.New("mailgw: nothing to send")
)

// ContentError reports a mail whose content the gateway refuses; Err is
// one of ErrMalformed, ErrTooDeep, ErrTooManyParts, ErrUnsupported and
// ErrNothingToSend, Msg says what was found, for the sender.
type ContentError struct {
	Err error
	Msg string
}

// Error returns the sentinel's text and the detail.
func (e *ContentError) Error() string { return e.Err.Error() + ": " + e.Msg }

// Unwrap returns the sentinel.
func (e *ContentError) Unwrap() error { return e.Err }

func contentErr(sentinel error, format string, args ...any) error {
	return &ContentError{Err: sentinel, Msg: fmt.Sprintf(format, args...)}
}

// reply makes an SMTP reply; go-smtp sends a *smtp.SMTPError returned by a
// session method as it is, and anything else as a 554 or 451 without
// detail, so every session method returns one of these.
func reply(code int, enh smtp.EnhancedCode, format string, args ...any) *smtp.SMTPError {
	msg := fmt.Sprintf(format, args...)
	// One line: a reply text must not carry CR or LF from user input.
	msg = strings.Join(strings.FieldsFunc(msg, func(r rune) bool { return r == '\r' || r == '\n' }), "; ")
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

// errTemporary is the reply to failures that are nobody's fault in
// particular: the client should try again later.
func errTemporary() *smtp.SMTPError {
	return reply(451, smtp.EnhancedCode{4, 3, 0}, "Temporary failure on the fax gateway; please try again later")
}

// submitReply maps an error of readMessage or of the Submitter to the
// SMTP reply to the DATA command. ok is false for errors that are not the
// sender's: they are answered 451 and must be logged.
func submitReply(err error) (r *smtp.SMTPError, ok bool) {
	var ce *ContentError
	var ne *numbers.NumberError
	var cre *billing.CreditError
	var le *billing.LimitError
	switch {
	case errors.As(err, &ce):
		switch {
		case errors.Is(ce.Err, ErrUnsupported):
			return reply(554, smtp.EnhancedCode{5, 6, 1}, "Cannot fax this mail: %s", ce.Msg), true
		case errors.Is(ce.Err, ErrNothingToSend):
			return reply(554, smtp.EnhancedCode{5, 6, 0}, "Nothing to fax: %s", ce.Msg), true
		}
		return reply(554, smtp.EnhancedCode{5, 6, 0}, "Cannot read this mail: %s", ce.Msg), true
	case errors.As(err, &ne):
		return reply(550, smtp.EnhancedCode{5, 1, 1}, "Invalid fax number %q: %s", ne.Input, numberReason(ne)), true
	case errors.As(err, &cre):
		return reply(552, smtp.EnhancedCode{5, 2, 2}, "Not enough credit to send this fax: %s more is needed (available %s); top up and send again",
			cre.Currency.Format(cre.Missing), cre.Currency.Format(cre.Available)), true
	case errors.As(err, &le):
		return reply(552, smtp.EnhancedCode{5, 2, 2}, "Over your monthly limit: %v", strings.TrimPrefix(le.Error(), "billing: ")), true
	case errors.Is(err, billing.ErrNoRate):
		return reply(550, smtp.EnhancedCode{5, 1, 2}, "No tariff for this destination: %v", err), true
	case errors.Is(err, render.ErrNoRasteriser), errors.Is(err, context.DeadlineExceeded):
		return nil, false
	case errors.Is(err, render.ErrLimit):
		return reply(552, smtp.EnhancedCode{5, 3, 4}, "Too large to fax: %s", attachmentProblems(err)), true
	case errors.Is(err, render.ErrUnsupported):
		return reply(554, smtp.EnhancedCode{5, 6, 1}, "Cannot fax this attachment (PDF, PNG, JPEG, GIF, TIFF, BMP and text can be faxed): %s", attachmentProblems(err)), true
	case errors.Is(err, render.ErrCorrupt):
		return reply(554, smtp.EnhancedCode{5, 6, 0}, "Attachment damaged: %s", attachmentProblems(err)), true
	case errors.Is(err, context.Canceled):
		return reply(421, smtp.EnhancedCode{4, 3, 2}, "The fax gateway is shutting down; please try again later"), true
	}
	return nil, false
}

// attachmentProblems lists the render.AttachmentErrors in err (Render
// joins one per failing attachment), naming each file.
func attachmentProblems(err error) string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if ae, ok := err.(*render.AttachmentError); ok {
			out = append(out, fmt.Sprintf("%q: %s", ae.Name, strings.TrimPrefix(ae.Err.Error(), "render: ")))
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	if len(out) == 0 {
		return strings.TrimPrefix(err.Error(), "render: ")
	}
	return strings.Join(out, "; ")
}

// numberReason is what is wrong with a number and how to write it.
func numberReason(ne *numbers.NumberError) string {
	if ne.Hint != "" {
		return ne.Msg + ": " + ne.Hint
	}
	return ne.Msg
}
