package modem

import (
	"strings"
	"time"
)

// Quirks are the per-model adjustments of the driver. The zero value
// means a well-behaved T.31 modem.
type Quirks struct {
	// Name identifies the entry in logs and in Info.
	Name string `json:"name"`
	// Init lists commands sent after AT+FCLASS=1, before Config.Init.
	Init []string `json:"init,omitempty"`
	// ResetDelay is waited after ATZ before the next command.
	ResetDelay time.Duration `json:"reset_delay,omitempty"`
	// CommandDelay is waited before every command, for modems that drop
	// a command sent right after a result code.
	CommandDelay time.Duration `json:"command_delay,omitempty"`
	// ValidateFCS checks received frames' FCS in the driver, for modems
	// that answer OK to damaged frames.
	ValidateFCS bool `json:"validate_fcs,omitempty"`
}

// quirk is an entry of the quirks table: it applies when every non-empty
// match string occurs (case-insensitively) in the identity field.
type quirk struct {
	manufacturer string
	model        string
	q            Quirks
}

// quirkTable lists the modems whose behaviour is known. Entries state
// where the knowledge comes from; unverified ones say so. The first match
// wins.
func quirkTable() []quirk {
	return []quirk{
		// The simulator in modem/sim: needs nothing.
		{manufacturer: "Faxbox", q: Quirks{Name: "faxbox-sim"}},
		// USRobotics 5637 and Courier/Sportster: the reset takes
		// time before the modem accepts commands. Unverified on our
		// hardware: the value is the usual conservative one.
		{manufacturer: "Robotics", q: Quirks{Name: "usrobotics", ResetDelay: 500 * time.Millisecond}},
		// MultiTech: slow to take a command right after a result
		// code on some firmware. Unverified.
		{manufacturer: "Multi-Tech", q: Quirks{Name: "multitech", CommandDelay: 50 * time.Millisecond}},
	}
}

// LookupQuirks returns the quirks for a modem identity, or a zero Quirks
// named "generic" when the table has no entry.
func LookupQuirks(id Identity) Quirks {
	for _, e := range quirkTable() {
		if contains(id.Manufacturer+" "+id.ATI, e.manufacturer) && contains(id.Model+" "+id.ATI3, e.model) {
			return e.q
		}
	}
	return Quirks{Name: "generic"}
}

func contains(s, sub string) bool {
	return sub == "" || strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
