package appliance

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/mailgw"
	"faxbox/firmware/notify"
	"faxbox/firmware/numbers"
	faxreport "faxbox/firmware/report"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/firmware/users"
	"faxbox/pages/render"
	"faxbox/ui"
)

// mailSubmitter queues fax by e-mail through the same submission as the
// compose page, once per Message-ID.
type mailSubmitter struct {
	sub      *submission.Submitter
	from     render.Party // the appliance's side of the first page; the name is the sender's
	seen     *mailgw.Seen
	currency billing.Currency
	// resolution is the default resolution now, for mail that asks none.
	resolution func() string
}

// Submit implements mailgw.Submitter.
func (m mailSubmitter) Submit(ctx context.Context, sub mailgw.Submission) (mailgw.Receipt, error) {
	return m.seen.Once(ctx, sub, func() (mailgw.Receipt, error) {
		from := m.from
		from.Name = cmp.Or(sub.Sender.DisplayName, sub.Sender.Name)
		res, err := m.sub.Submit(ctx, submission.Message{Sender: store.User{ID: sub.Sender.ID, Name: sub.Sender.Name},
			From: from, Recipients: submission.Recipients(sub.To, sub.Cc, sub.Bcc),
			Subject: sub.Subject, Body: sub.Body, Attachments: sub.Attachments, Resolution: cmp.Or(sub.Resolution, m.resolution())})
		var re *submission.RenderError
		if errors.As(err, &re) {
			err = re.Err
		}
		if err != nil {
			return mailgw.Receipt{}, err
		}
		return mailgw.Receipt{Message: res.Message.ID, Pages: res.Pages, Estimate: m.currency.Format(res.Estimate)}, nil
	})
}

// openMail opens fax by e-mail when email_to_fax.listen is set, and the
// notices when smtp.host is.
func (a *App) openMail(ctx context.Context) (err error) {
	if a.cfg.EmailToFax.Listen != "" {
		if a.mail, err = openMailGateway(ctx, a.cfg, a.db, a.accounts, a.sub, a.cfgFile.Resolution, a.parser, a.led, a.web, a.log); err != nil {
			return err
		}
		a.onClose(a.mail.close)
	}
	if a.cfg.SMTP.Host != "" {
		a.notices, err = notify.NewWatcher(ctx, notify.WatcherConfig{Store: a.st, Database: a.dbPath, DB: a.db,
			Mailer: notify.NewSender(a.cfg.SMTP), From: a.cfg.SMTP.From, Address: noticeAddress(a.accounts), Logger: a.log,
			Forward: notify.Forwarding{To: a.cfg.Inbox.ForwardTo, ToUser: a.cfg.Inbox.ForwardToUser},
			Names:   numberNames(a.book),
			Reports: &faxreport.Sources{Store: a.st, Ledger: a.led, Names: numberNames(a.book),
				Station: faxreport.Station{Name: a.cfg.Identity.Organisation, Number: a.cfg.Identity.FaxNumber, Ident: a.cfg.Identity.Ident}}})
		if err != nil {
			return err
		}
		a.onClose(a.notices.Close)
	}
	return nil
}

// mailGateway is fax by e-mail, listening.
type mailGateway struct {
	gw   *mailgw.Gateway
	addr string
	seen *mailgw.Seen

	mu sync.Mutex
	ln net.Listener // opened at start, until the first Run; nil after
}

// openMailGateway listens on email_to_fax.listen with STARTTLS on the web
// UI's certificate; senders are the web UI's accounts, their mails go
// through sub, as the compose page's messages do; a mail that asks for
// no resolution gets resolution() as it is then.
func openMailGateway(ctx context.Context, cfg *config.Config, db *sql.DB, accounts *users.Store, sub *submission.Submitter,
	resolution func() string, parser *numbers.Parser, led *billing.Ledger, web *ui.Server, log *slog.Logger) (*mailGateway, error) {
	o, err := mailgw.OptionsFromConfig(cfg.EmailToFax)
	if err != nil {
		return nil, fmt.Errorf("email_to_fax: %w", err)
	}
	seen, err := mailgw.NewSeen(ctx, db)
	if err != nil {
		return nil, err
	}
	o.Accounts = mailgw.UserAccounts{Users: accounts}
	o.Submitter = mailSubmitter{sub: sub, seen: seen, currency: led.Currency(), resolution: resolution,
		from: render.Party{Organisation: cfg.Identity.Organisation, Fax: cfg.Identity.FaxNumber}}
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
	return &mailGateway{gw: gw, addr: o.Listen, ln: ln, seen: seen}, nil
}

// Run serves on the listener opened at start until ctx ends; run again
// after a failure, it listens again.
func (m *mailGateway) Run(ctx context.Context) error {
	m.mu.Lock()
	ln := m.ln
	m.ln = nil
	m.mu.Unlock()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", m.addr); err != nil {
			return fmt.Errorf("email_to_fax.listen: %w", err)
		}
	}
	return m.gw.Serve(ctx, ln)
}

// close closes the listener if Run never took it, and the Message-ID
// table.
func (m *mailGateway) close() error {
	m.mu.Lock()
	if m.ln != nil {
		m.ln.Close()
	}
	m.mu.Unlock()
	return m.seen.Close()
}
