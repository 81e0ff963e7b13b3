package mailgw

import (
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-smtp"

	"faxbox/firmware/numbers"
)

// splitAddress splits an e-mail address at its last '@'.
func splitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 {
		return "", "", false
	}
	return addr[:i], addr[i+1:], true
}

// isFaxDomain reports whether addr is in the gateway's fax domain,
// compared without regard to case.
func isFaxDomain(addr, domain string) bool {
	_, d, ok := splitAddress(addr)
	return ok && strings.EqualFold(d, domain)
}

// validLocalPart reports whether local is written as fax addresses are:
// ASCII digits with an optional leading + and the separators '.' and '-'.
func validLocalPart(local string) bool {
	digits := 0
	for i, r := range local {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == '.', r == '-':
		default:
			return false
		}
	}
	return digits > 0
}

// parseFaxAddress parses a recipient address of the fax domain with p,
// as the compose page parses "3225551212@fax". It returns the SMTP reply
// refusing the recipient when it is not a fax address or not a valid
// number; the reply says why and how to write it.
func parseFaxAddress(p *numbers.Parser, addr, domain string) (numbers.Number, *smtp.SMTPError) {
	n, _, r := parseFaxAddressTag(p, addr, domain)
	return n, r
}

// Resolutions that an address may ask for with a tag after the number
// ("+3225551212+fine@fax"), lowest first.
var resolutionTags = []string{"standard", "fine", "superfine"}

// splitTag splits a local part "number+tag" into the number and the tag,
// lower-cased, when the part after the last '+' (not the leading one) is
// a word; otherwise the tag is "".
func splitTag(local string) (number, tag string) {
	i := strings.LastIndexByte(local, '+')
	if i <= 0 || i == len(local)-1 {
		return local, ""
	}
	for _, r := range local[i+1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return local, ""
		}
	}
	return local[:i], strings.ToLower(local[i+1:])
}

// parseFaxAddressTag is parseFaxAddress for an address that may ask for a
// resolution with a tag, "number+fine@domain" (standard, fine or
// superfine, as sub-addressing in RFC 5233 tags a mailbox); it returns
// the resolution asked for, "" when none. An unknown tag is refused with
// the ones there are.
func parseFaxAddressTag(p *numbers.Parser, addr, domain string) (numbers.Number, string, *smtp.SMTPError) {
	local, _, ok := splitAddress(addr)
	tag := ""
	if ok {
		local, tag = splitTag(local)
	}
	if tag != "" && !slices.Contains(resolutionTags, tag) {
		return numbers.Number{}, "", reply(550, smtp.EnhancedCode{5, 1, 1},
			"<%s>: %q is not a resolution: write number+standard, number+fine or number+superfine, like +3225551212+fine@%s",
			addr, tag, domain)
	}
	n, r := parseFaxNumber(p, addr, local, domain, ok)
	return n, tag, r
}

// higherResolution returns the higher of two resolution tags ("" is
// lowest: no wish).
func higherResolution(a, b string) string {
	if slices.Index(resolutionTags, b) > slices.Index(resolutionTags, a) {
		return b
	}
	return a
}

// parseFaxNumber parses the number of a fax address whose local part,
// without its tag, is local.
func parseFaxNumber(p *numbers.Parser, addr, local, domain string, ok bool) (numbers.Number, *smtp.SMTPError) {
	if !ok || !isFaxDomain(addr, domain) {
		return numbers.Number{}, reply(550, smtp.EnhancedCode{5, 7, 1},
			"<%s> is not a fax address: this gateway only sends faxes, to addresses like +3225551212@%s", addr, domain)
	}
	if !validLocalPart(local) {
		return numbers.Number{}, reply(550, smtp.EnhancedCode{5, 1, 1},
			"<%s>: %q is not a fax number: write digits with an optional leading + and the country code, like +3225551212@%s",
			addr, local, domain)
	}
	n, err := p.Parse(local + "@" + domain)
	if err != nil {
		var ne *numbers.NumberError
		if errors.As(err, &ne) {
			return numbers.Number{}, reply(550, smtp.EnhancedCode{5, 1, 1}, "<%s>: invalid fax number: %s", addr, numberReason(ne))
		}
		return numbers.Number{}, reply(550, smtp.EnhancedCode{5, 1, 1}, "<%s>: invalid fax number: %v", addr, err)
	}
	return n, nil
}
