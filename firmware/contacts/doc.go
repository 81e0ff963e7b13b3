// Package contacts is the office's shared address book: people and
// companies with their fax, phone and mobile numbers, kept in SQLite.
//
// It provides:
//
//   - Open: the book's own tables (prefixed "contacts_", with their schema
//     version in contacts_schema) in the database file that the store and
//     the billing ledger use, each migration in its own transaction.
//   - Book.Create, Get, Update, Delete, Search (by name, company or digits
//     of a number) and All. Every number is parsed and validated with a
//     numbers.Parser, exactly as the recipients of a message are: an
//     invalid one is refused with an *InvalidError wrapping the
//     *numbers.NumberError, which says what is wrong and how to write it.
//   - Book.FaxNumber: a contact's first fax number, what a message
//     recipient "contact:ID" stands for.
//   - Import and export: ReadCSV, WriteCSV, ReadVCard and WriteVCard (the
//     vCard 3.0 and 4.0 subset an address book needs: FN, N, ORG, TEL with
//     TYPE fax, cell or voice, line folding and escaping), and
//     Book.Import, which stores the good rows and reports the bad ones.
//
// The package does not serve HTTP (package api does), know users (the book
// is shared by the office), or send faxes.
package contacts
