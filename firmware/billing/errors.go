package billing

import (
	"errors"
	"fmt"
)

// Sentinels that callers branch on with errors.Is. Errors carrying data
// (CreditError, LimitError, VoucherError, InconsistencyError) unwrap to
// one of them.
var (
	// ErrInsufficientCredit: available credit is below what the operation
	// needs; see CreditError for how much is missing.
	ErrInsufficientCredit = errors.New("billing: not enough credit")
	// ErrSchemaTooNew: the ledger's tables were migrated by a newer
	// Faxbox.
	ErrSchemaTooNew = errors.New("billing: database schema is newer than this Faxbox")
	// ErrUserLimit: the user's monthly spending limit would be exceeded.
	ErrUserLimit = errors.New("billing: monthly limit reached")
	// ErrNoRate: the tariff has no rate for the destination.
	ErrNoRate = errors.New("billing: no rate for destination")
	// ErrNoTariff: no tariff table is in force at the time asked.
	ErrNoTariff = errors.New("billing: no tariff in force")
	// ErrUnknownCall: no call with that id was begun.
	ErrUnknownCall = errors.New("billing: unknown call")
	// ErrDuplicateCall: BeginCall was called twice with one call id.
	ErrDuplicateCall = errors.New("billing: call already begun")
	// ErrCallSettled: the call is settled and cannot be extended or
	// metered any more.
	ErrCallSettled = errors.New("billing: call already settled")
	// ErrReasonRequired: adjustments and refunds need a reason.
	ErrReasonRequired = errors.New("billing: a reason is required")
	// ErrInvalidAmount: an amount is zero, negative or too large where
	// that makes no sense.
	ErrInvalidAmount = errors.New("billing: invalid amount")
	// ErrCurrency: an amount, table or voucher is in another currency
	// than the appliance's.
	ErrCurrency = errors.New("billing: wrong currency")
	// ErrClockNotSet: the wall clock is not plausible yet (boards start
	// in 1970 until NTP sets it), so nothing can be stamped.
	ErrClockNotSet = errors.New("billing: wall clock not set")
	// ErrInconsistent: the ledger's derived totals do not agree.
	ErrInconsistent = errors.New("billing: ledger inconsistent")
	// ErrBadTariff: a tariff table or CSV file is malformed.
	ErrBadTariff = errors.New("billing: bad tariff")
	// ErrRefundTooLarge: a refund exceeds what the call was charged
	// minus earlier refunds.
	ErrRefundTooLarge = errors.New("billing: refund exceeds the charge")
)

// CreditError says that available credit is short, and by how much.
type CreditError struct {
	Op        string   // "submit", "dial", "adjust"
	Currency  Currency // the appliance currency
	Available Amount   // available credit (balance minus open holds)
	Required  Amount   // what the operation needs available
	Missing   Amount   // Required - Available, > 0
}

// Error says how much is missing, in the appliance currency.
func (e *CreditError) Error() string {
	return fmt.Sprintf("billing: not enough credit to %s: %s available, %s required: top up at least %s",
		e.Op, e.Currency.Format(e.Available), e.Currency.Format(e.Required), e.Currency.Format(e.Missing))
}

// Unwrap returns ErrInsufficientCredit.
func (e *CreditError) Unwrap() error { return ErrInsufficientCredit }

// LimitError says that a user's monthly spending limit would be exceeded.
type LimitError struct {
	User     string
	Currency Currency
	Limit    Amount // the monthly limit
	Used     Amount // spent this month plus open holds
	Needed   Amount // what the operation would add
}

// Error says what is left of the limit.
func (e *LimitError) Error() string {
	left := max(e.Limit-e.Used, 0)
	return fmt.Sprintf("billing: monthly limit of %s for %s reached: %s left, %s needed",
		e.Currency.Format(e.Limit), e.User, e.Currency.Format(left), e.Currency.Format(e.Needed))
}

// Unwrap returns ErrUserLimit.
func (e *LimitError) Unwrap() error { return ErrUserLimit }

// InconsistencyError reports a failed cross-check of the ledger.
type InconsistencyError struct{ Msg string }

// Error describes the disagreement.
func (e *InconsistencyError) Error() string { return "billing: ledger inconsistent: " + e.Msg }

// Unwrap returns ErrInconsistent.
func (e *InconsistencyError) Unwrap() error { return ErrInconsistent }
