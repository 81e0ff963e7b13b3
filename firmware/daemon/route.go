package daemon

import (
	"strings"
	"unicode"

	"faxbox/firmware/config"
	"faxbox/firmware/numbers"
)

// RouteUser returns the name of the user a fax from callerID (the line's
// caller ID, as the modem reported it) with identity ident (the caller's
// TSI) is routed to by in, or "" for all staff: the longest number prefix
// of in.ByNumber that the caller ID's digits start with, else the longest
// text of in.ByIdent that the identity contains (ignoring case and
// spaces).
func RouteUser(in config.Inbox, callerID, ident string) string {
	user, best := "", 0
	if num := numbers.Digits(callerID); num != "" {
		for prefix, u := range in.ByNumber {
			p := numbers.Digits(prefix)
			if p != "" && strings.HasPrefix(num, p) && len(p) > best {
				user, best = u, len(p)
			}
		}
	}
	if user != "" {
		return strings.TrimSpace(user)
	}
	if id := fold(ident); id != "" {
		for text, u := range in.ByIdent {
			t := fold(text)
			if t != "" && strings.Contains(id, t) && len(t) > best {
				user, best = u, len(t)
			}
		}
	}
	return strings.TrimSpace(user)
}

// fold upper-cases s and drops its spaces.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}
