package numbers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Type is the kind of line a number belongs to, from the numbering plan.
type Type uint8

// Kinds of number. Fax machines are normally on fixed lines; the others are
// accepted but reported so that policy (and tariffs) can tell them apart.
const (
	TypeUnknown Type = iota
	TypeFixedLine
	TypeMobile
	TypeFixedLineOrMobile // the plan cannot tell (for example NANP)
	TypeTollFree
	TypePremiumRate
	TypeSharedCost
	TypeVoIP
	TypePersonal
	TypePager
	TypeUAN
	TypeVoicemail
)

// String returns the kind in words.
func (t Type) String() string {
	switch t {
	case TypeUnknown:
		return "unknown"
	case TypeFixedLine:
		return "fixed line"
	case TypeMobile:
		return "mobile"
	case TypeFixedLineOrMobile:
		return "fixed line or mobile"
	case TypeTollFree:
		return "toll free"
	case TypePremiumRate:
		return "premium rate"
	case TypeSharedCost:
		return "shared cost"
	case TypeVoIP:
		return "VoIP"
	case TypePersonal:
		return "personal"
	case TypePager:
		return "pager"
	case TypeUAN:
		return "UAN"
	case TypeVoicemail:
		return "voicemail"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

func typeOf(t phonenumbers.PhoneNumberType) Type {
	switch t {
	case phonenumbers.FIXED_LINE:
		return TypeFixedLine
	case phonenumbers.MOBILE:
		return TypeMobile
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return TypeFixedLineOrMobile
	case phonenumbers.TOLL_FREE:
		return TypeTollFree
	case phonenumbers.PREMIUM_RATE:
		return TypePremiumRate
	case phonenumbers.SHARED_COST:
		return TypeSharedCost
	case phonenumbers.VOIP:
		return TypeVoIP
	case phonenumbers.PERSONAL_NUMBER:
		return TypePersonal
	case phonenumbers.PAGER:
		return TypePager
	case phonenumbers.UAN:
		return TypeUAN
	case phonenumbers.VOICEMAIL:
		return TypeVoicemail
	}
	return TypeUnknown
}

// Number is a validated fax number. The zero value is not a number.
type Number struct {
	// E164 is the number in E.164 form: "+" then country code then the
	// national significant number, no spaces ("+3225551212").
	E164 string
	// CallingCode is the ITU country calling code (32).
	CallingCode int
	// Region is the ISO 3166-1 alpha-2 code of the country ("BE"), or
	// "001" for a non-geographic number (+800, +882, ...).
	Region string
	// National is the national significant number: the digits after the
	// calling code, without trunk prefix ("25551212"). Italian-style
	// numbers keep their leading zero ("0612345678" for +39 06 ...).
	National string
	// AreaCodeLen is how many leading digits of National form the
	// geographic area code ("2" for Brussels gives 1), 0 when the number
	// has none (mobile, toll free, closed plans without areas).
	AreaCodeLen int
	// Type is the kind of line.
	Type Type
}

// String returns the E.164 form.
func (n Number) String() string { return n.E164 }

// Digits returns the E.164 form without "+", the key that tariffs match
// prefixes against ("3225551212").
func (n Number) Digits() string {
	if len(n.E164) > 0 && n.E164[0] == '+' {
		return n.E164[1:]
	}
	return n.E164
}

// AreaCode returns the geographic area code part of National, or "".
func (n Number) AreaCode() string { return n.National[:n.AreaCodeLen] }

// International returns the number grouped for people in the
// international format ("+32 2 555 12 12").
func (n Number) International() string {
	pn, err := phonenumbers.Parse(n.E164, "ZZ")
	if err != nil {
		return n.E164
	}
	return phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)
}

// NationalFormat returns the number grouped as it is written inside its
// own country ("02 555 12 12").
func (n Number) NationalFormat() string {
	pn, err := phonenumbers.Parse(n.E164, "ZZ")
	if err != nil {
		return n.National
	}
	return phonenumbers.Format(pn, phonenumbers.NATIONAL)
}

// fromPhoneNumber builds a Number from a valid phonenumbers value.
func fromPhoneNumber(pn *phonenumbers.PhoneNumber) Number {
	region := phonenumbers.GetRegionCodeForNumber(pn)
	if region == "" {
		region = "001"
	}
	return Number{
		E164:        phonenumbers.Format(pn, phonenumbers.E164),
		CallingCode: int(pn.GetCountryCode()),
		Region:      region,
		National:    phonenumbers.GetNationalSignificantNumber(pn),
		AreaCodeLen: phonenumbers.GetLengthOfGeographicalAreaCode(pn),
		Type:        typeOf(phonenumbers.GetNumberType(pn)),
	}
}

// example returns a valid example number of a region in international
// format, for hints ("+32 2 555 12 12" style), or "".
func example(region string, cc int) string {
	var pn *phonenumbers.PhoneNumber
	if region == "" || region == "001" {
		pn = phonenumbers.GetExampleNumberForNonGeoEntity(cc)
	} else {
		pn = phonenumbers.GetExampleNumberForType(region, phonenumbers.FIXED_LINE)
		if pn == nil {
			pn = phonenumbers.GetExampleNumber(region)
		}
	}
	if pn == nil {
		return ""
	}
	return phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)
}

func ccString(cc int) string { return "+" + strconv.Itoa(cc) }

// Digits returns the ASCII digits of s, in order, without anything else:
// how a caller ID, a prefix or a search is compared with numbers.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
