package numbers

import (
	"errors"
	"fmt"
	"strings"
)

// AreaDialing says how a call to the line's own area is dialled.
type AreaDialing uint8

// Ways to dial a number in the line's own area.
const (
	// AreaDialingDefault uses the country's usual way: AreaDialingLocal in
	// Germany, Austria, the United Kingdom and Japan, AreaDialingNoTrunk in
	// the NANP (+1), AreaDialingFull elsewhere.
	AreaDialingDefault AreaDialing = iota
	// AreaDialingFull dials trunk prefix and national number, as for any
	// domestic call. Closed numbering plans (Belgium, France, Switzerland,
	// Spain, ...) always work this way, and it is safe everywhere else
	// except in parts of the NANP.
	AreaDialingFull
	// AreaDialingLocal dials only the subscriber number, without area code
	// (open plans: Germany, the United Kingdom, Japan; 7-digit NANP areas).
	AreaDialingLocal
	// AreaDialingNoTrunk dials area code and subscriber number without the
	// trunk prefix (10-digit local dialling in NANP overlay areas).
	AreaDialingNoTrunk
)

// String returns the name of the way of dialling.
func (a AreaDialing) String() string {
	switch a {
	case AreaDialingDefault:
		return "default"
	case AreaDialingFull:
		return "full"
	case AreaDialingLocal:
		return "local"
	case AreaDialingNoTrunk:
		return "no-trunk"
	}
	return fmt.Sprintf("AreaDialing(%d)", uint8(a))
}

// Scope is how far a call goes, as the dial plan sees it.
type Scope uint8

// Scopes of a call.
const (
	ScopeLocal         Scope = iota // same area, dialled in the short form
	ScopeNational                   // same country calling code
	ScopeInternational              // another country calling code
)

// String returns the scope's name.
func (s Scope) String() string {
	switch s {
	case ScopeLocal:
		return "local"
	case ScopeNational:
		return "national"
	case ScopeInternational:
		return "international"
	}
	return fmt.Sprintf("Scope(%d)", uint8(s))
}

// ErrDialPlan is matched by every configuration error of a DialPlan.
var ErrDialPlan = errors.New("numbers: bad dial plan")

// DialPlan describes the telephone line a modem is on, so that an E.164
// number can be turned into the digits to dial. Only Country is required;
// the prefixes default to the country's own (from the numbering metadata).
type DialPlan struct {
	// Country is the ISO 3166-1 code of the country the line is in ("BE").
	Country string
	// AreaCode is the line's own area code as it appears in national
	// significant numbers, without trunk prefix: "2" for Brussels, "30"
	// for Berlin, "20" for London, "212" for Manhattan, "3" for Tokyo.
	// Empty turns same-area dialling off.
	AreaCode string
	// AreaDialing says how numbers in AreaCode are dialled.
	AreaDialing AreaDialing
	// InternationalPrefix replaces the country's international access
	// code (00 in most of the world, 011 in the NANP, 010 in Japan, 8W10
	// in Russia, where W waits for the second dial tone).
	InternationalPrefix string
	// TrunkPrefix replaces the country's national (trunk) prefix (0 in
	// most of Europe and Japan, 1 in the NANP, 8 in Russia). "-" means
	// none.
	TrunkPrefix string
	// OutsideLine is dialled before everything else to get an outside
	// line from a PBX, usually with a pause: "9," or "0,". Empty for a
	// direct line.
	OutsideLine string
	// Pulse selects pulse (decadic) dialling instead of DTMF tones.
	Pulse bool
}

// Dial is what a modem dials for one number.
type Dial struct {
	Digits string // outside-line prefix, access prefixes and number: "9,0033123456789"
	Pulse  bool   // pulse instead of tone
	Scope  Scope  // local, national or international
}

// String returns the V.250 dial string: "T" or "P" then Digits, which the
// modem package's DialCommand accepts after ATD.
func (d Dial) String() string {
	if d.Pulse {
		return "P" + d.Digits
	}
	return "T" + d.Digits
}

// resolved is a DialPlan with its defaults filled in.
type resolved struct {
	home  regionInfo
	idd   string
	trunk string
	area  AreaDialing
}

func (p DialPlan) resolve() (resolved, error) {
	home, err := lookupRegion(p.Country)
	if err != nil {
		return resolved{}, fmt.Errorf("%w: country: %w", ErrDialPlan, err)
	}
	r := resolved{home: home, idd: home.idd, trunk: home.trunk, area: p.AreaDialing}
	if p.InternationalPrefix != "" {
		r.idd = p.InternationalPrefix
	}
	switch p.TrunkPrefix {
	case "":
	case "-":
		r.trunk = ""
	default:
		r.trunk = p.TrunkPrefix
	}
	if r.area == AreaDialingDefault {
		switch {
		case home.callingCode == 1:
			r.area = AreaDialingNoTrunk
		case home.region == "DE", home.region == "AT", home.region == "GB", home.region == "JP":
			r.area = AreaDialingLocal
		default:
			r.area = AreaDialingFull
		}
	}
	for name, v := range map[string]string{
		"international prefix": r.idd, "trunk prefix": r.trunk,
		"outside-line prefix": p.OutsideLine,
	} {
		if bad := strings.Trim(v, "0123456789*#,WwTtPp!@"); bad != "" {
			return resolved{}, fmt.Errorf("%w: %s %q: only digits, * # and the modifiers , W ! @ may be used", ErrDialPlan, name, v)
		}
	}
	if strings.Trim(p.AreaCode, "0123456789") != "" {
		return resolved{}, fmt.Errorf("%w: area code %q: digits only, without trunk prefix", ErrDialPlan, p.AreaCode)
	}
	if r.idd == "" {
		return resolved{}, fmt.Errorf("%w: %s has several international prefixes: set InternationalPrefix", ErrDialPlan, home.region)
	}
	if r.area > AreaDialingNoTrunk {
		return resolved{}, fmt.Errorf("%w: %v", ErrDialPlan, r.area)
	}
	return r, nil
}

// Validate reports a configuration error (unknown country, characters a
// modem cannot dial), wrapping ErrDialPlan.
func (p DialPlan) Validate() error {
	_, err := p.resolve()
	return err
}

// Dial returns what to dial to reach n from this line:
//
//   - another country calling code: international prefix, calling code,
//     national significant number ("00" "33" "123456789");
//   - the same calling code: trunk prefix and national number
//     ("0" "25551212"), or for the line's own area the short form that
//     AreaDialing selects;
//
// always preceded by OutsideLine.
func (p DialPlan) Dial(n Number) (Dial, error) {
	r, err := p.resolve()
	if err != nil {
		return Dial{}, err
	}
	if n.E164 == "" || n.National == "" {
		return Dial{}, fmt.Errorf("numbers: dial: not a parsed number")
	}
	d := Dial{Pulse: p.Pulse}
	var num string
	switch {
	case n.CallingCode != r.home.callingCode:
		d.Scope = ScopeInternational
		num = r.idd + n.Digits()
	case p.AreaCode != "" && n.AreaCodeLen > 0 && n.AreaCode() == p.AreaCode && r.area == AreaDialingLocal:
		d.Scope = ScopeLocal
		num = n.National[n.AreaCodeLen:]
	case p.AreaCode != "" && n.AreaCodeLen > 0 && n.AreaCode() == p.AreaCode && r.area == AreaDialingNoTrunk:
		d.Scope = ScopeLocal
		num = n.National
	default:
		d.Scope = ScopeNational
		num = r.trunk + n.National
	}
	d.Digits = p.OutsideLine + num
	return d, nil
}
