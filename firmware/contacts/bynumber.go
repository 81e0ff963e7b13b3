package contacts

import "context"

// ByNumber returns the first contact, by name, with e164 (E.164) among
// its fax numbers, and whether there is one: how a recipient typed as a
// number gets its name on the cover page.
func (b *Book) ByNumber(ctx context.Context, e164 string) (Contact, bool, error) {
	cs, err := b.query(ctx, `WHERE e.id IN (SELECT contact FROM contacts_numbers WHERE e164 = ? AND label = ?)`, e164, string(Fax))
	if err != nil || len(cs) == 0 {
		return Contact{}, false, err
	}
	return cs[0], true, nil
}
