package numbers

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Parser parses fax numbers as the people of one appliance type them. The
// zero Parser has no home country: it accepts only international forms
// ("+32 ...", "0032 ...", "3225551212@fax").
type Parser struct {
	home    regionInfo
	hasHome bool
}

// NewParser returns a Parser for an appliance in homeRegion, an ISO 3166-1
// code such as "BE" or "US" (case-insensitive). National forms such as
// "02 555 12 12" are then read as numbers of that country, and its
// international prefix ("00", "011", ...) is understood. An empty
// homeRegion gives the zero Parser.
func NewParser(homeRegion string) (*Parser, error) {
	if homeRegion == "" {
		return &Parser{}, nil
	}
	r, err := lookupRegion(homeRegion)
	if err != nil {
		return nil, err
	}
	return &Parser{home: r, hasHome: true}, nil
}

// Parse parses s with no home country; see Parser.Parse.
func Parse(s string) (Number, error) {
	var p Parser
	return p.Parse(s)
}

// Parse turns what was typed into a valid Number. It accepts:
//
//   - "+32 2 555 12 12", with blanks, '-', '.', '/' and parentheses
//     anywhere; "+44 (0)20 ..." where the "(0)" marks the trunk prefix to
//     leave out;
//   - the international prefix instead of "+": "0032 2 ..." (00 is
//     understood everywhere, and the home country's own prefix, such as
//     011 in the USA or 010 in Japan, too);
//   - e-mail-to-fax forms "3225551212@fax", "<3225551212@fax>" and
//     `"Name" <3225551212@fax>`, whose digits start with the country code;
//     "fax:" and "tel:" prefixes;
//   - with a home country, national forms ("02 555 12 12" in Belgium,
//     "(212) 555-0123" in the USA).
//
// Anything else is a *NumberError saying what to write instead.
func (p *Parser) Parse(s string) (Number, error) {
	c, nerr := clean(s)
	if nerr != nil {
		return Number{}, nerr
	}
	d := c.digits
	switch {
	case c.plus:
		return international(s, d)
	case p.hasHome && p.home.idd != "" && strings.HasPrefix(d, p.home.idd):
		return international(s, d[len(p.home.idd):])
	case strings.HasPrefix(d, "00"):
		return international(s, d[2:])
	case !p.hasHome:
		if d[0] == '0' {
			return Number{}, &NumberError{Input: s, Reason: ReasonNeedCountry,
				Msg:  "a number starting with 0 is a national number and no home country is configured",
				Hint: "write it with + and the country code, like +32 2 555 12 12"}
		}
		return international(s, d)
	case p.home.trunk != "" && strings.HasPrefix(d, p.home.trunk) && !c.email:
		return p.national(s, d)
	}
	// Bare digits with a home country: an e-mail form is first read as
	// international, a typed number first as national.
	first, second := p.national, intlFunc
	if c.email {
		first, second = intlFunc, p.national
	}
	n, err := first(s, d)
	if err == nil {
		return n, nil
	}
	if n2, err2 := second(s, d); err2 == nil {
		return n2, nil
	}
	return Number{}, err
}

func intlFunc(input, digits string) (Number, error) { return international(input, digits) }

// Result is one item of a comma-separated list: the text of the item and
// either its Number or why it was refused.
type Result struct {
	Input  string // the item as typed, trimmed
	Number Number // valid when Err is nil
	Err    error  // a *NumberError, or nil
}

// ParseList parses a To, Cc or Bcc field: numbers separated by ',' or ';'
// (separators inside double quotes or angle brackets do not count; empty
// items are skipped). Each item gets its own Result, in order; one bad item
// does not stop the others.
func (p *Parser) ParseList(field string) []Result {
	var out []Result
	for _, item := range splitList(field) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n, err := p.Parse(item)
		out = append(out, Result{Input: item, Number: n, Err: err})
	}
	return out
}

// ParseList parses a list with no home country; see Parser.ParseList.
func ParseList(field string) []Result {
	var p Parser
	return p.ParseList(field)
}

func splitList(s string) []string {
	var out []string
	var quoted, angle bool
	start := 0
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '<' && !quoted:
			angle = true
		case r == '>' && !quoted:
			angle = false
		case (r == ',' || r == ';') && !quoted && !angle:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// cleaned is a typed number reduced to its digits.
type cleaned struct {
	plus   bool   // written with a leading +
	email  bool   // written as an e-mail address (digits@domain)
	digits string // ASCII digits only, at least one
}

// clean strips names, angle brackets, schemes, domains and separators.
func clean(input string) (cleaned, *NumberError) {
	var c cleaned
	s := strings.TrimSpace(input)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		} else {
			s = s[i+1:]
		}
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, ">"))
	for _, scheme := range []string{"fax:", "tel:"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
		}
	}
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s, c.email = s[:at], true
	}
	// "+44 (0)20 ...": the (0) is the customary mark of a trunk prefix
	// that is dropped when dialling from abroad.
	s = strings.ReplaceAll(s, "(0)", "")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '+' && b.Len() == 0 && !c.plus:
			c.plus = true
		case unicode.IsDigit(r):
			b.WriteString(phonenumbers.NormalizeDigitsOnly(string(r)))
		case strings.ContainsRune(" \t\u00a0-./()", r):
		default:
			return c, &NumberError{Input: input, Reason: ReasonSyntax,
				Msg:  fmt.Sprintf("%q cannot be part of a fax number", r),
				Hint: "use digits, spaces and an optional leading +, like +32 2 555 12 12"}
		}
	}
	c.digits = b.String()
	if c.digits == "" {
		return c, &NumberError{Input: input, Reason: ReasonEmpty, Msg: "no digits",
			Hint: "write the number with + and the country code, like +32 2 555 12 12"}
	}
	return c, nil
}

// international parses digits that start with a country calling code.
func international(input, digits string) (Number, error) {
	pn, err := phonenumbers.Parse("+"+digits, "ZZ")
	if err != nil {
		return Number{}, parseError(input, err, "")
	}
	cc := int(pn.GetCountryCode())
	ccs := fmt.Sprint(cc)
	region := phonenumbers.GetRegionCodeForNumber(pn)
	if region == "" {
		region = phonenumbers.GetRegionCodeForCountryCode(cc)
	}
	// libphonenumber silently drops a trunk prefix written after the
	// country code; the people who typed it are told, since many
	// exchanges would not connect "+32 0 2 ..." as written.
	if ri, ok := regions()[region]; ok && ri.trunk != "" && strings.HasPrefix(digits, ccs) {
		rest, nsn := digits[len(ccs):], phonenumbers.GetNationalSignificantNumber(pn)
		if rest != nsn && strings.HasPrefix(rest, ri.trunk) && rest[len(ri.trunk):] == nsn {
			return Number{}, &NumberError{Input: input, Reason: ReasonTrunkZero,
				Msg:  fmt.Sprintf("the %s after +%s must be left out", ri.trunk, ccs),
				Hint: "write " + phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)}
		}
	}
	return validate(input, pn)
}

// national parses digits written as inside the home country.
func (p *Parser) national(input, digits string) (Number, error) {
	pn, err := phonenumbers.Parse(digits, p.home.region)
	if err != nil {
		return Number{}, parseError(input, err, p.home.region)
	}
	return validate(input, pn)
}

func parseError(input string, err error, region string) error {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return &NumberError{Input: input, Reason: ReasonUnknownCountry,
			Msg:  "does not start with a known country code",
			Hint: "write + then the country code, like +32 for Belgium or +1 for the USA"}
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return &NumberError{Input: input, Reason: ReasonTooLong, Msg: "too many digits"}
	default:
		hint := ""
		if ex := example(region, 0); ex != "" {
			hint = "a number looks like " + ex
		}
		return &NumberError{Input: input, Reason: ReasonTooShort, Msg: "too few digits", Hint: hint}
	}
}

// validate checks length and numbering plan and builds the Number.
func validate(input string, pn *phonenumbers.PhoneNumber) (Number, error) {
	cc := int(pn.GetCountryCode())
	region := phonenumbers.GetRegionCodeForNumber(pn)
	if region == "" {
		region = phonenumbers.GetRegionCodeForCountryCode(cc)
	}
	where := fmt.Sprintf("%s (%s)", region, ccString(cc))
	if region == "001" || region == "ZZ" {
		where = ccString(cc)
	}
	hint := ""
	if ex := example(region, cc); ex != "" {
		hint = "a number in " + where + " looks like " + ex
	}
	switch phonenumbers.IsPossibleNumberWithReason(pn) {
	case phonenumbers.TOO_SHORT:
		return Number{}, &NumberError{Input: input, Reason: ReasonTooShort,
			Msg: "too few digits for " + where, Hint: hint}
	case phonenumbers.TOO_LONG:
		return Number{}, &NumberError{Input: input, Reason: ReasonTooLong,
			Msg: "too many digits for " + where, Hint: hint}
	case phonenumbers.INVALID_COUNTRY_CODE:
		return Number{}, &NumberError{Input: input, Reason: ReasonUnknownCountry,
			Msg:  "does not start with a known country code",
			Hint: "write + then the country code, like +32 for Belgium or +1 for the USA"}
	}
	if !phonenumbers.IsValidNumber(pn) {
		unchecked := fromPhoneNumber(pn)
		unchecked.Region = region
		return Number{}, &NumberError{Input: input, Reason: ReasonInvalid,
			Msg: "no such number exists in " + where, Hint: hint, Unchecked: unchecked}
	}
	return fromPhoneNumber(pn), nil
}
