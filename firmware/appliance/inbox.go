package appliance

import (
	"context"
	"fmt"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/contacts"
	"faxbox/firmware/notify"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
)

// numberNames is how the reports and notices name a number: the contact
// and company of the address book that have it, and the number grouped
// for reading (contacts.Book.Who).
func numberNames(book *contacts.Book) func(ctx context.Context, number string) (label, display string) {
	if book == nil {
		return nil
	}
	return func(ctx context.Context, number string) (string, string) {
		w, _ := book.Who(ctx, number) // a lookup that fails leaves the number: the notice still goes
		return w.Label(), w.Display
	}
}

// people lists the accounts a received fax can be assigned to: the
// enabled ones.
func people(accounts *users.Store) func(ctx context.Context) ([]api.Person, error) {
	return func(ctx context.Context) ([]api.Person, error) {
		us, err := accounts.List(ctx)
		if err != nil {
			return nil, err
		}
		var out []api.Person
		for _, u := range us {
			if !u.Disabled {
				out = append(out, api.Person{ID: u.ID, Name: u.Name, DisplayName: u.DisplayName})
			}
		}
		return out, nil
	}
}

// forwardFax mails a received fax through the smtp relay, as the inbox's
// forwards do (notify.ComposeForward); without smtp.host it says so.
func (a *App) forwardFax(ctx context.Context, rx store.Received, pdf []byte, to string) error {
	if a.cfg.SMTP.Host == "" {
		return api.ErrNoMail
	}
	msg, err := notify.ComposeForward(a.cfg.SMTP.From, []string{to}, rx, pdf, time.Now(), nil)
	if err != nil {
		return fmt.Errorf("forward received fax %d: %w", rx.ID, err)
	}
	return notify.NewSender(a.cfg.SMTP).Send(ctx, msg)
}
