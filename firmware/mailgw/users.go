package mailgw

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"faxbox/firmware/users"
)

// UserAccounts is the Accounts of the appliance: the senders are the web
// UI's accounts, found by their e-mail address (mail from a relay host)
// or by their name and password (SMTP AUTH). Failed logins are throttled
// as the web UI's are, per account name and client address and per
// client address, so that failures from one machine lock neither the
// account elsewhere nor other SMTP clients out.
type UserAccounts struct{ Users *users.Store }

// ByAddress implements Accounts.
func (a UserAccounts) ByAddress(ctx context.Context, email string) (Account, error) {
	u, err := a.Users.ByEmail(ctx, email)
	if errors.Is(err, users.ErrNotFound) {
		return Account{}, fmt.Errorf("%w: %s", ErrUnknownSender, email)
	}
	return userAccount(u, err)
}

// Login implements Accounts.
func (a UserAccounts) Login(ctx context.Context, name, password string, client netip.Addr) (Account, error) {
	u, err := a.Users.Verify(ctx, name, password, client.String())
	switch {
	case errors.Is(err, users.ErrBadCredentials):
		return Account{}, ErrBadCredentials
	case errors.Is(err, users.ErrThrottled):
		var te *users.ThrottleError
		if errors.As(err, &te) {
			return Account{}, fmt.Errorf("%w: try again in %s", ErrThrottled, te.RetryAfter.Round(time.Second))
		}
		return Account{}, fmt.Errorf("%w: %v", ErrThrottled, err)
	}
	return userAccount(u, err)
}

// userAccount is the Account of u, or the error refusing it.
func userAccount(u users.User, err error) (Account, error) {
	switch {
	case errors.Is(err, users.ErrDisabled) || (err == nil && u.Disabled):
		return Account{}, ErrAccountDisabled
	case err != nil:
		return Account{}, err
	}
	return Account{ID: u.ID, Name: u.Name, DisplayName: u.DisplayName, Email: u.Email}, nil
}
