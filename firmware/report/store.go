package report

import (
	"strings"

	"faxbox/firmware/store"
)

// FromStore fills a Job from a stored message and one of its jobs (with
// its History, as GetJob and GetMessage return it). The caller adds the
// station, the sender's display name, the first page, the charges and the
// time the report is made.
func FromStore(m store.Message, j store.Job) Job {
	r := Job{
		Sender:         m.SenderName,
		Subject:        m.Subject,
		Number:         j.Recipient.Number,
		RecipientName:  j.Recipient.Name,
		Outcome:        outcome(j.State),
		Submitted:      m.Created,
		PagesTotal:     j.PagesTotal,
		PagesConfirmed: j.PagesConfirmed,
	}
	for _, a := range j.History {
		r.Attempts = append(r.Attempts, Attempt{
			Number:      a.Number,
			Started:     a.Started,
			Metered:     a.Duration,
			Line:        a.Modem,
			Result:      attemptResult(a),
			Pages:       a.PagesConfirmed,
			BitRate:     a.BitRate,
			Coding:      a.Coding,
			ECM:         a.ECM,
			RemoteIdent: a.RemoteIdent,
		})
	}
	return r
}

func outcome(s store.State) string {
	switch s {
	case store.Delivered:
		return "Delivered"
	case store.Failed:
		return "Failed"
	case store.Cancelled:
		return "Cancelled"
	}
	return "In progress"
}

func attemptResult(a store.Attempt) string {
	switch {
	case a.Ended.IsZero():
		return "In progress"
	case a.ReasonText != "":
		return a.ReasonText
	case a.ReasonCode == "ok":
		return "Delivered"
	}
	return strings.ReplaceAll(a.ReasonCode, "-", " ")
}
