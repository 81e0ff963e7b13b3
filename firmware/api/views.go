package api

import (
	"fmt"
	"time"

	"faxbox/firmware/store"
)

// The JSON shapes of the API. Times are RFC 3339 in UTC, absent when zero;
// amounts are decimal strings in the appliance currency ("12.50").

type recipientJSON struct {
	ID     int64       `json:"id"`
	Field  store.Field `json:"field"`
	Number string      `json:"number"`
	Name   string      `json:"name,omitempty"`
	// EstimateMicros is the cost estimated at submission, in millionths
	// of the currency's unit, for EstimateSeconds of connected time.
	EstimateMicros  int64   `json:"estimate_micros,omitempty"`
	EstimateSeconds float64 `json:"estimate_seconds,omitempty"`
	// Who is how the number reads to people (names.go); in a message's
	// details only.
	Who *whoJSON `json:"who,omitempty"`
}

type attemptJSON struct {
	ID             int64      `json:"id"`
	Trace          string     `json:"trace,omitempty"` // the URL of the call's trace
	Number         int        `json:"number"`
	Modem          string     `json:"modem"`
	FirstPage      int        `json:"first_page"`
	Started        *time.Time `json:"started,omitempty"`
	Connected      *time.Time `json:"connected,omitempty"`
	Ended          *time.Time `json:"ended,omitempty"`
	Seconds        float64    `json:"seconds"`
	Reason         string     `json:"reason,omitempty"`
	ReasonText     string     `json:"reason_text,omitempty"`
	PagesConfirmed int        `json:"pages_confirmed"`
	BitRate        int        `json:"bit_rate,omitempty"`
	ECM            bool       `json:"ecm,omitempty"`
	Coding         string     `json:"coding,omitempty"`
	RemoteIdent    string     `json:"remote_ident,omitempty"`
	// Resolution is the lowest resolution sent; MergedPages the pages
	// whose rows were merged because the receiver lacked theirs.
	Resolution  string `json:"resolution,omitempty"`
	MergedPages int    `json:"merged_pages,omitempty"`
	// PageInProgress is the page being sent, of which PageSent of
	// PageBytes coded bytes have gone out.
	PageInProgress int `json:"page_in_progress,omitempty"`
	PageSent       int `json:"page_sent,omitempty"`
	PageBytes      int `json:"page_bytes,omitempty"`
}

type jobJSON struct {
	ID              int64         `json:"id"`
	Message         int64         `json:"message"`
	Recipient       recipientJSON `json:"recipient"`
	State           store.State   `json:"state"`
	CancelRequested bool          `json:"cancel_requested,omitempty"`
	Attempts        int           `json:"attempts"`
	MaxAttempts     int           `json:"max_attempts"`
	NextAttempt     *time.Time    `json:"next_attempt,omitempty"`
	Reason          string        `json:"reason,omitempty"`
	ReasonText      string        `json:"reason_text,omitempty"`
	PagesTotal      int           `json:"pages_total"`
	PagesConfirmed  int           `json:"pages_confirmed"`
	Updated         *time.Time    `json:"updated,omitempty"`
	History         []attemptJSON `json:"history,omitempty"`
	// ManualRetry: a user asked for the next attempt (it does not count
	// against MaxAttempts).
	ManualRetry bool `json:"manual_retry,omitempty"`
	// Waiting says why a queued or retry job waits (waits.go); in a
	// message's details only.
	Waiting *waitJSON `json:"waiting,omitempty"`
}

type messageJSON struct {
	ID         int64               `json:"id"`
	Sender     string              `json:"sender"`
	Subject    string              `json:"subject"`
	Body       string              `json:"body,omitempty"`
	Created    *time.Time          `json:"created,omitempty"`
	State      store.MessageState  `json:"state"`
	Resolution string              `json:"resolution,omitempty"`
	Counts     map[store.State]int `json:"counts,omitempty"`
	Recipients []recipientJSON     `json:"recipients,omitempty"`
	Jobs       []jobJSON           `json:"jobs,omitempty"`
}

func ts(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func recipientView(r store.Recipient) recipientJSON {
	return recipientJSON{ID: r.ID, Field: r.Field, Number: r.Number, Name: r.Name, EstimateMicros: r.Estimate,
		EstimateSeconds: r.EstimateTime.Seconds()}
}

func jobView(j store.Job) jobJSON {
	v := jobJSON{ID: j.ID, Message: j.Message, Recipient: recipientView(j.Recipient), State: j.State,
		CancelRequested: j.CancelRequested, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
		Reason: j.ReasonCode, ReasonText: j.ReasonText, PagesTotal: j.PagesTotal,
		PagesConfirmed: j.PagesConfirmed, Updated: ts(j.Updated), ManualRetry: j.ManualRetry}
	if !j.State.Final() && !j.State.Active() {
		v.NextAttempt = ts(j.NextAttempt)
	}
	for _, a := range j.History {
		v.History = append(v.History, attemptJSON{Number: a.Number, Modem: a.Modem, FirstPage: a.FirstPage,
			Started: ts(a.Started), Connected: ts(a.Connected), Ended: ts(a.Ended),
			Seconds: a.Duration.Round(10 * time.Millisecond).Seconds(), Reason: a.ReasonCode,
			ReasonText: a.ReasonText, PagesConfirmed: a.PagesConfirmed, BitRate: a.BitRate, ECM: a.ECM,
			Coding: a.Coding, RemoteIdent: a.RemoteIdent, ID: a.ID, Resolution: a.Resolution, MergedPages: a.MergedPages,
			PageInProgress: a.PageInProgress, PageSent: a.PageSent, PageBytes: a.PageBytes})
		if a.TracePath != "" {
			v.History[len(v.History)-1].Trace = fmt.Sprintf("/api/attempts/%d/trace", a.ID)
		}
	}
	return v
}

func messageView(m store.Message) messageJSON {
	v := messageJSON{ID: m.ID, Sender: m.SenderName, Subject: m.Subject, Body: m.Body,
		Created: ts(m.Created), State: m.State, Resolution: m.Resolution, Counts: m.Counts}
	for _, r := range m.Recipients {
		v.Recipients = append(v.Recipients, recipientView(r))
	}
	for _, j := range m.Jobs {
		v.Jobs = append(v.Jobs, jobView(j))
	}
	return v
}
