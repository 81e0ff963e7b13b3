package notify

import (
	"fmt"
	"strings"
	"time"

	"faxbox/t30"
)

// Outcome is how a fax job ended.
type Outcome uint8

// The final outcomes of a job.
const (
	Delivered Outcome = iota + 1 // every page reached the recipient
	Failed                       // the last attempt failed; Faxbox stopped trying
	Cancelled                    // the sender or an administrator cancelled it
)

// String returns "delivered", "failed" or "cancelled".
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Attempt is one call made for the job.
type Attempt struct {
	// Start is when the call was started (dialling). It is shown in
	// Notice.Location.
	Start time.Time
	// Duration is how long the call lasted.
	Duration time.Duration
	// Reason is the call's outcome code ("busy", "no-answer", "ok", or a
	// daemon code such as "interrupted").
	Reason t30.Reason
	// Text is the cause in plain words (t30.Result.Text); "" shows the
	// Reason code.
	Text string
	// Pages counts the pages the recipient confirmed in this attempt.
	Pages int
}

// text returns the plain-words cause of the attempt.
func (a Attempt) text() string {
	if a.Text != "" {
		return a.Text
	}
	if a.Reason == "" {
		return "unknown"
	}
	return strings.ReplaceAll(string(a.Reason), "-", " ")
}

// Archive is the fax as it was sent, attached to the notice on success.
type Archive struct {
	// Name is the attachment's file name; "" names it "fax.pdf".
	Name string
	// Data is the PDF; when nil, the PDF is read from Path.
	Data []byte
	Path string
}

// Notice is a finished fax job as its sender should see it.
type Notice struct {
	// From is the appliance's address (config smtp.from), for example
	// "Faxbox <fax@example.com>".
	From string
	// To is the sender's address, "Name <address>" or a bare address.
	To string

	// Number is the recipient's fax number as it should be shown, for
	// example "+32 2 555 12 12"; Name is the recipient's name, "" if none.
	Number string
	Name   string
	// Subject is the subject of the sender's message, "" if none.
	Subject string
	// Pages is the number of pages of the fax; Delivered counts those the
	// recipient confirmed, over all attempts.
	Pages     int
	Delivered int
	Outcome   Outcome
	// Cause says in plain words why the job failed or was cancelled; ""
	// uses the last attempt's text.
	Cause string
	// Attempts are the calls made, oldest first.
	Attempts []Attempt
	// Archive is attached when Outcome is Delivered; nil attaches nothing.
	Archive *Archive
	// Report is the job's transmission report (a PDF, package report),
	// attached whatever the outcome; nil attaches nothing.
	Report *Archive

	// Location is the time zone the times are shown in; nil is
	// time.Local.
	Location *time.Location
	// Date stamps the mail; zero is now.
	Date time.Time
	// Ref, when set, is a stable reference of the job ("job-42"): the
	// Message-ID is derived from it, so a notice handed to the relay again
	// after a lost reply has the same Message-ID and mail clients can
	// recognise the duplicate. "" generates a random Message-ID.
	Ref string
}

// recipient returns "Name (+32 2 555 12 12)" or the number alone.
func (n *Notice) recipient() string {
	if n.Name != "" {
		return n.Name + " (" + n.Number + ")"
	}
	return n.Number
}

// cause returns why the job did not end delivered, in plain words.
func (n *Notice) cause() string {
	if n.Cause != "" {
		return n.Cause
	}
	if len(n.Attempts) > 0 {
		return n.Attempts[len(n.Attempts)-1].text()
	}
	if n.Outcome == Cancelled {
		return "it was cancelled before any call was made"
	}
	return "no call could be made"
}

func (n *Notice) location() *time.Location {
	if n.Location != nil {
		return n.Location
	}
	return time.Local
}

// pages returns "1 page" or "n pages".
func pages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}

// subject returns the mail's subject line.
func (n *Notice) subject() string {
	to := "Fax to " + n.recipient()
	switch n.Outcome {
	case Delivered:
		return fmt.Sprintf("%s delivered (%s)", to, pages(n.Pages))
	case Cancelled:
		if n.Delivered > 0 {
			return fmt.Sprintf("%s cancelled (%d of %s delivered)", to, n.Delivered, pages(n.Pages))
		}
		return to + " cancelled"
	}
	if n.Delivered > 0 {
		return fmt.Sprintf("%s failed after %d of %s: %s", to, n.Delivered, pages(n.Pages), n.cause())
	}
	return to + " failed: " + n.cause()
}

// clock formats a time in the notice's time zone.
func (n *Notice) clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(n.location()).Format("Mon 2 Jan 2006, 15:04:05")
}

// duration formats a call's length: "12 s", "1 min 34 s", "1 h 2 min".
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%d s", d/time.Second)
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%d h %d min", d/time.Hour, d%time.Hour/time.Minute)
}
