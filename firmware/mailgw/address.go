package mailgw

import (
	"errors"
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
	local, _, ok := splitAddress(addr)
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
