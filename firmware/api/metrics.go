package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
)

// GET /metrics: the Prometheus text exposition format 0.0.4, written by
// hand. A handful of counters and gauges do not justify
// prometheus/client_golang (and its protobuf and expfmt dependencies) in
// the binary of a small ARM board.
//
// The counters are computed from the database at scrape time (SQL
// aggregates over the store's attempts and page confirmations), so they
// survive restarts and never disagree with the message history. Only
// administrators may read them (bearer token or session, as every API
// request).

// promWriter writes metric families in the text format.
type promWriter struct {
	b bytes.Buffer
}

// family starts a metric family.
func (p *promWriter) family(name, typ, help string) {
	help = strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help)
	fmt.Fprintf(&p.b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one sample; labels are name, value pairs.
func (p *promWriter) sample(name string, v float64, labels ...string) {
	p.b.WriteString(name)
	if len(labels) > 0 {
		p.b.WriteByte('{')
		esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				p.b.WriteByte(',')
			}
			fmt.Fprintf(&p.b, `%s="%s"`, labels[i], esc.Replace(labels[i+1]))
		}
		p.b.WriteByte('}')
	}
	p.b.WriteByte(' ')
	p.b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	p.b.WriteByte('\n')
}

// metricsContentType is the text format's media type.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// metrics implements GET /metrics.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if !principal(r).Admin {
		writeError(w, http.StatusForbidden, "the metrics are for administrators")
		return
	}
	var p promWriter
	if err := s.writeMetrics(r.Context(), &p); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", metricsContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(p.b.Bytes())
}

func (s *Server) writeMetrics(ctx context.Context, p *promWriter) error {
	if err := s.storeMetrics(ctx, p); err != nil {
		return err
	}

	a, err := s.cfg.Ledger.Account(ctx, "")
	if err != nil {
		return err
	}
	cur := string(a.Currency)
	money := func(x billing.Amount) float64 { return float64(x) / float64(billing.Unit) }
	for _, g := range []struct {
		name, help string
		v          billing.Amount
	}{
		{"faxbox_credit_balance", "Prepaid balance: top-ups less charges.", a.Balance},
		{"faxbox_credit_available", "Credit available to new calls: balance less holds.", a.Available},
		{"faxbox_credit_held", "Credit held by calls in progress.", a.Held},
		{"faxbox_credit_spent_this_month", "Charges less refunds since the start of the month.", a.SpentThisMonth},
	} {
		p.family(g.name, "gauge", g.help)
		p.sample(g.name, money(g.v), "currency", cur)
	}

	var modems []daemon.ModemStatus
	if s.cfg.Modems != nil {
		modems = s.cfg.Modems()
	}
	p.family("faxbox_modem_state", "gauge", "1 for the state each modem is in, 0 for the others.")
	states := []daemon.ModemState{daemon.ModemProbing, daemon.ModemIdle, daemon.ModemCalling, daemon.ModemOutOfOrder}
	for _, m := range modems {
		for _, st := range states {
			v := 0.0
			if m.State == st {
				v = 1
			}
			p.sample("faxbox_modem_state", v, "modem", m.Name, "state", st.String())
		}
	}
	p.family("faxbox_modem_calls_total", "counter", "Calls each modem dialled since faxd started.")
	for _, m := range modems {
		p.sample("faxbox_modem_calls_total", float64(m.Calls), "modem", m.Name)
	}
	s.sipMetrics(p)
	p.family("faxbox_events_clients", "gauge", "Connected clients of the event stream (GET /api/events).")
	p.sample("faxbox_events_clients", float64(s.EventClients()))
	return nil
}

// storeMetrics writes the aggregates of the store.
func (s *Server) storeMetrics(ctx context.Context, p *promWriter) error {
	st, err := s.cfg.Store.Stats(ctx)
	if err != nil {
		return fmt.Errorf("api: metrics: %w", err)
	}
	p.family("faxbox_calls_total", "counter", "Calls ended, by whether a fax machine answered.")
	p.sample("faxbox_calls_total", float64(st.CallsAnswered), "answered", "true")
	p.sample("faxbox_calls_total", float64(st.CallsEnded-st.CallsAnswered), "answered", "false")
	p.family("faxbox_pages_sent_total", "counter", "Pages the remote fax machines confirmed.")
	p.sample("faxbox_pages_sent_total", float64(st.PagesConfirmed))

	p.family("faxbox_call_failures_total", "counter", "Calls that did not deliver their fax, by cause.")
	for _, k := range sortedKeys(st.Failures) {
		p.sample("faxbox_call_failures_total", float64(st.Failures[k]), "cause", k)
	}

	p.family("faxbox_jobs", "gauge", "Fax jobs by state.")
	for _, state := range []store.State{store.Queued, store.Dialing, store.Sending, store.Retry, store.Delivered, store.Failed, store.Cancelled} {
		p.sample("faxbox_jobs", float64(st.Jobs[state]), "state", state.String())
	}
	p.family("faxbox_queue_length", "gauge", "Jobs waiting for a modem: queued or waiting to retry.")
	p.sample("faxbox_queue_length", float64(st.Jobs[store.Queued]+st.Jobs[store.Retry]))
	return nil
}

func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
