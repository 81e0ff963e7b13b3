// Package numbers parses, validates and dials fax numbers.
//
// It provides:
//
//   - Parser, which turns what people type ("322123456@fax",
//     "<3225551212@fax>", "+32 2 555 12 12", "0032 2 ...", and with a home
//     country configured national forms such as "02 555 12 12") into a
//     Number: its E.164 form, its country (ISO 3166-1 region and ITU
//     calling code) and its kind (fixed line, mobile, ...). Validation uses
//     the libphonenumber metadata of github.com/nyaruka/phonenumbers.
//   - ParseList for comma-separated To, Cc and Bcc fields, with one result
//     (a number or an error) per item.
//   - DialPlan, which turns a Number into the dial string the modem sends
//     from this line: international prefix (00, 011, 010, ...), trunk
//     prefix (0, 1, ...), same-area dialling, an outside-line prefix for a
//     PBX ("9,") and tone or pulse.
//
// Errors are *NumberError values whose message says how to write the
// number; callers branch with errors.Is on ErrTrunkZero, ErrTooShort and the
// other sentinels in errors.go.
//
// The package does not look numbers up in an address book, does not price
// them (see package billing), does not talk to a modem (see package modem)
// and does not block or allow destinations: it reports the Type so that
// policy can be applied elsewhere.
package numbers
