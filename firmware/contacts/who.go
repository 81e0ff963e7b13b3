package contacts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Who is how a fax number reads to people: grouped for reading, with the
// contact and company of the address book that have it.
type Who struct {
	Number  string // as given: E.164 for recipients, as the line or remote sent it for callers
	E164    string // "+3225551212"; "" when Number is not a valid number
	Display string // "+32 2 555 12 12"; Number itself when it cannot be parsed
	Name    string // the contact's name; "" when the number is not in the book
	Company string
}

// Label is the contact and company ("Jan Peeters, ACME"), the company or
// the contact alone, or "" for a number not in the book.
func (w Who) Label() string {
	switch {
	case w.Name != "" && w.Company != "" && !strings.EqualFold(w.Name, w.Company):
		return w.Name + ", " + w.Company
	case w.Name != "":
		return w.Name
	}
	return w.Company
}

// Who looks number up: it parses it as message recipients are parsed
// (E.164, or the national forms of the home country) and finds the
// contact with that number, the first by name if several have it. The
// Who is filled as far as it could be also when an error (the
// database's) is returned: a name that cannot be found leaves the number.
func (b *Book) Who(ctx context.Context, number string) (Who, error) {
	w := Who{Number: number, Display: number}
	n, err := b.cfg.Numbers.Parse(strings.TrimSpace(number))
	if err != nil {
		return w, nil // a TSI like "ACME" or an empty caller ID: nothing to look up
	}
	w.E164, w.Display = n.E164, n.International()
	err = b.db.QueryRowContext(ctx, `SELECT e.name, e.company FROM contacts_numbers n
		JOIN contacts_entries e ON e.id = n.contact WHERE n.e164 = ?
		ORDER BY n.label <> 'fax', e.name COLLATE NOCASE, e.id LIMIT 1`, n.E164).Scan(&w.Name, &w.Company)
	if errors.Is(err, sql.ErrNoRows) {
		return w, nil
	}
	if err != nil {
		return w, fmt.Errorf("contacts: who has %s: %w", n.E164, err)
	}
	return w, nil
}

// FirstWho returns the Who of the first of numbers that parses, looked
// up: for a received fax, the line's caller ID, else the remote's ident
// (T.30 TSI, which fax machines set to their number).
func (b *Book) FirstWho(ctx context.Context, numbers ...string) (Who, error) {
	var first Who
	for i, n := range numbers {
		w, err := b.Who(ctx, n)
		if err != nil || w.E164 != "" {
			return w, err
		}
		if i == 0 || first.Number == "" {
			first = w
		}
	}
	return first, nil
}
