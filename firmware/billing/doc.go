// Package billing keeps Faxbox's prepaid credit: money, tariffs, the
// ledger, holds and metering, credit control and vouchers.
//
// It provides:
//
//   - Amount, integer micro-units (1e-6) of one ISO 4217 Currency, with
//     parsing and formatting; no floating point anywhere.
//   - Rate and Table: a tariff per destination prefix (longest prefix
//     wins) with price per minute, billing increments, minimum charge and
//     connection fee; Rate.Cost, Rate.MaxDuration and Table.Estimate. A
//     default table covering every country calling code is embedded
//     (EXAMPLE PRICES that a reseller replaces); tables are read and
//     written as CSV.
//   - Ledger: an append-only ledger in SQLite (top-up, hold, release,
//     charge, refund, adjustment), tariff versions, the minimum-available
//     rule (10 EUR by default), a hold and a deadline before each call,
//     settlement from the metered duration in one immediate transaction,
//     recovery of interrupted calls, per-user monthly limits, account
//     totals, statements as CSV, and redemption of vouchers. With
//     Config.Bus, every committed change of the totals is published as an
//     events.AccountEvent.
//   - Vouchers: Ed25519-signed credit codes that resellers issue and the
//     appliance verifies offline (IssueVoucher, VerifyVoucher).
//
// The package does not parse phone numbers (see package numbers: it takes
// E.164 strings), does not dial or time calls (the daemon measures the
// connected time on the monotonic clock and reports it with Progress and
// Settle), does not handle card payments, and does not wire CLI commands
// or HTTP handlers.
//
// Sign conventions: top-ups, refunds and positive adjustments add to the
// balance, charges and negative adjustments take from it; holds add to the
// held amount and releases take from it. Balance and held are sums of the
// ledger; available is balance minus held and is never negative.
package billing
