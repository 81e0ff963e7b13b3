package numbers

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// regionInfo is what the dial plan and the parser need from one region's
// libphonenumber metadata.
type regionInfo struct {
	region      string // ISO 3166-1 alpha-2, or "001" for non-geographic
	callingCode int
	idd         string // preferred international prefix, digits and W
	trunk       string // national (trunk) prefix, "" when none
}

// regions is built once from the phonenumbers metadata, then only read.
var regions = sync.OnceValue(func() map[string]regionInfo {
	m := map[string]regionInfo{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return m
	}
	for _, md := range coll.GetMetadata() {
		idd := md.GetPreferredInternationalPrefix()
		if idd == "" {
			idd = md.GetInternationalPrefix()
		}
		if !isDialString(idd) {
			idd = ""
		}
		m[md.GetId()] = regionInfo{
			region:      md.GetId(),
			callingCode: int(md.GetCountryCode()),
			idd:         strings.ReplaceAll(idd, "~", "W"), // ~ is "wait for dial tone"
			trunk:       md.GetNationalPrefix(),
		}
	}
	return m
})

// isDialString reports whether an international prefix from the metadata
// is a plain digit string (some are regular expressions with several
// alternatives, which the dial plan cannot guess from).
func isDialString(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '~' {
			return false
		}
	}
	return true
}

// lookupRegion returns the metadata of an ISO 3166-1 region code such as
// "BE" (case-insensitive).
func lookupRegion(region string) (regionInfo, error) {
	r, ok := regions()[strings.ToUpper(region)]
	if !ok || r.region == "001" {
		return regionInfo{}, fmt.Errorf("numbers: unknown country %q (want an ISO 3166-1 code such as BE, FR, US)", region)
	}
	return r, nil
}

// Regions returns the ISO 3166-1 codes of every country the numbering
// metadata knows, sorted.
func Regions() []string {
	var out []string
	for r := range regions() {
		if r != "001" {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// CallingCodes returns every ITU country calling code the numbering
// metadata knows (geographic and non-geographic), sorted.
func CallingCodes() []int {
	var out []int
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		out = append(out, cc)
	}
	sort.Ints(out)
	return out
}

// RegionsForCallingCode returns the ISO 3166-1 codes that share a calling
// code, main country first ("US", "AG", ... for 1), or ["001"] for a
// non-geographic code such as 800.
func RegionsForCallingCode(cc int) []string {
	return append([]string(nil), phonenumbers.GetRegionCodesForCountryCode(cc)...)
}

// CallingCode returns the ITU calling code of an ISO 3166-1 region, or 0 if
// the region is unknown.
func CallingCode(region string) int {
	r, err := lookupRegion(region)
	if err != nil {
		return 0
	}
	return r.callingCode
}
