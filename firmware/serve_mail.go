package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/mailgw"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/ui"
)

// mailSubmitter queues fax by e-mail through the same code as the compose
// page, once per Message-ID.
type mailSubmitter struct {
	api      *api.Server
	seen     *mailgw.Seen
	currency billing.Currency
}

// Submit implements mailgw.Submitter.
func (m mailSubmitter) Submit(ctx context.Context, sub mailgw.Submission) (mailgw.Receipt, error) {
	return m.seen.Once(ctx, sub, func() (mailgw.Receipt, error) {
		res, err := m.api.Submit(ctx, api.Submission{
			Sender: api.Principal{User: store.User{ID: sub.Sender.ID, Name: sub.Sender.Name}},
			To:     sub.To, Cc: sub.Cc, Bcc: sub.Bcc,
			Subject: sub.Subject, Body: sub.Body, Attachments: sub.Attachments})
		if err != nil {
			return mailgw.Receipt{}, err
		}
		return mailgw.Receipt{Message: res.Message.ID, Pages: res.Pages, Estimate: m.currency.Format(res.Estimate)}, nil
	})
}

// mailGateway is fax by e-mail, listening.
type mailGateway struct {
	gw   *mailgw.Gateway
	ln   net.Listener
	seen *mailgw.Seen
}

// openMailGateway listens on email_to_fax.listen with STARTTLS on the web
// UI's certificate; senders are the web UI's accounts, their mails go
// through the API's submission.
func openMailGateway(ctx context.Context, cfg *config.Config, dbPath string, accounts *users.Store, apiSrv *api.Server,
	parser *numbers.Parser, led *billing.Ledger, web *ui.Server, log *slog.Logger) (*mailGateway, error) {
	o, err := mailgw.OptionsFromConfig(cfg.EmailToFax)
	if err != nil {
		return nil, fmt.Errorf("email_to_fax: %w", err)
	}
	seen, err := mailgw.OpenSeen(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	o.Accounts = mailgw.UserAccounts{Users: accounts}
	o.Submitter = mailSubmitter{api: apiSrv, seen: seen, currency: led.Currency()}
	o.Numbers = parser
	o.TLSConfig = web.TLSConfig()
	o.Logger = log
	gw, err := mailgw.New(o)
	if err != nil {
		seen.Close()
		return nil, fmt.Errorf("email_to_fax: %w", err)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		seen.Close()
		return nil, fmt.Errorf("email_to_fax.listen: %w", err)
	}
	return &mailGateway{gw: gw, ln: ln, seen: seen}, nil
}

// close closes the listener (if Serve has not) and the Message-ID table.
func (m *mailGateway) close() {
	m.ln.Close()
	m.seen.Close()
}
