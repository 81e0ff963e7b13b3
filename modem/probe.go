package modem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Identity is what a modem says about itself.
type Identity struct {
	Manufacturer string `json:"manufacturer,omitempty"` // AT+FMI?
	Model        string `json:"model,omitempty"`        // AT+FMM?
	Revision     string `json:"revision,omitempty"`     // AT+FMR?
	ATI          string `json:"ati,omitempty"`          // ATI, lines joined by "; "
	ATI3         string `json:"ati3,omitempty"`         // ATI3, lines joined by "; "
}

// Capabilities are the class 1 modulations a modem offers (T.31 8.3.2 to
// 8.3.5, the answers to AT+FTM=?, AT+FRM=?, AT+FTH=?, AT+FRH=?).
type Capabilities struct {
	Transmit     []Modulation `json:"transmit"`
	Receive      []Modulation `json:"receive"`
	HDLCTransmit []Modulation `json:"hdlc_transmit"`
	HDLCReceive  []Modulation `json:"hdlc_receive"`
}

// Rates returns the distinct bit rates of the high-speed modulations
// offered both ways, in increasing order.
func (c Capabilities) Rates() []int {
	var r []int
	for _, m := range c.Transmit {
		if m != V21 && m.Valid() && slices.Contains(c.Receive, m) && !slices.Contains(r, m.Rate()) {
			r = append(r, m.Rate())
		}
	}
	slices.Sort(r)
	return r
}

// Info is the result of Probe: who the modem is and what it can do. It
// marshals to the one-line JSON that `faxd probe` prints.
type Info struct {
	Identity
	// Classes are the service classes of AT+FCLASS=?, such as "0", "1",
	// "1.0", "2".
	Classes []string `json:"classes"`
	Capabilities
	// Rates are the bit rates usable both ways (Capabilities.Rates).
	Rates []int `json:"rates"`
	// Quirks names the quirks table entry in use.
	Quirks string `json:"quirks"`
}

// Reset brings the modem to a known state: ATZ, ATE0V1Q0 (no echo,
// verbose results), AT+FCLASS=1 (a refusal matches ErrNotClass1), the
// quirks' and Config's init commands, and AT+VCID=1 with Config.CallerID.
// The first Reset identifies the modem to pick its quirks, unless
// Config.Quirks is set.
func (m *Modem) Reset(ctx context.Context) error {
	if _, err := m.Command(ctx, "ATZ"); err != nil {
		return err
	}
	if d := m.quirks.ResetDelay; d > 0 {
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("modem: ATZ: %w", err)
		}
	}
	if _, err := m.Command(ctx, "ATE0V1Q0"); err != nil {
		return err
	}
	if m.quirks.Name == "" {
		id, err := m.Identify(ctx)
		if err != nil {
			return err
		}
		m.ident = &id
		m.quirks = LookupQuirks(id)
	}
	if _, err := m.Command(ctx, "AT+FCLASS=1"); err != nil {
		if errors.Is(err, ErrError) {
			return fmt.Errorf("%w (AT+FCLASS=1 answered ERROR)", ErrNotClass1)
		}
		return err
	}
	for _, list := range [][]string{m.quirks.Init, m.cfg.Init} {
		for _, cmd := range list {
			if _, err := m.Command(ctx, cmd); err != nil {
				return err
			}
		}
	}
	if m.cfg.CallerID {
		if _, err := m.Command(ctx, "AT+VCID=1"); err != nil && !errors.Is(err, ErrError) {
			return err
		}
	}
	return nil
}

// Quirks returns the quirks in use (zero before the first Reset).
func (m *Modem) Quirks() Quirks { return m.quirks }

// Identify asks ATI, ATI3, AT+FMI?, AT+FMM? and AT+FMR?; commands the
// modem refuses with ERROR leave their field empty.
func (m *Modem) Identify(ctx context.Context) (Identity, error) {
	var id Identity
	for _, q := range []struct {
		cmd string
		dst *string
		sep string
	}{
		{"ATI", &id.ATI, "; "},
		{"ATI3", &id.ATI3, "; "},
		{"AT+FMI?", &id.Manufacturer, " "},
		{"AT+FMM?", &id.Model, " "},
		{"AT+FMR?", &id.Revision, " "},
	} {
		info, err := m.Command(ctx, q.cmd)
		if errors.Is(err, ErrError) {
			continue
		}
		if err != nil {
			return id, err
		}
		*q.dst = cleanInfo(info, strings.TrimSuffix(q.cmd[2:], "?"), q.sep)
	}
	return id, nil
}

// cleanInfo joins information lines, dropping a "+FMI:" style prefix and
// surrounding quotes that some modems add.
func cleanInfo(lines []string, prefix, sep string) string {
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, prefix+":"); ok {
			l = strings.TrimSpace(rest)
		}
		lines[i] = strings.Trim(l, `"`)
	}
	return strings.Join(lines, sep)
}

// Classes returns the service classes the modem offers (AT+FCLASS=?).
func (m *Modem) Classes(ctx context.Context) ([]string, error) {
	info, err := m.Command(ctx, "AT+FCLASS=?")
	if err != nil {
		return nil, err
	}
	var cls []string
	for _, l := range info {
		l = strings.Trim(strings.TrimPrefix(l, "+FCLASS:"), " ()")
		for f := range strings.SplitSeq(l, ",") {
			if f = strings.TrimSpace(f); f != "" {
				cls = append(cls, f)
			}
		}
	}
	return cls, nil
}

// Capabilities asks the class 1 modulations; the modem must be in class
// 1 (after Reset).
func (m *Modem) Capabilities(ctx context.Context) (Capabilities, error) {
	var c Capabilities
	for _, q := range []struct {
		cmd string
		dst *[]Modulation
	}{
		{"AT+FTM=?", &c.Transmit},
		{"AT+FRM=?", &c.Receive},
		{"AT+FTH=?", &c.HDLCTransmit},
		{"AT+FRH=?", &c.HDLCReceive},
	} {
		info, err := m.Command(ctx, q.cmd)
		if err != nil {
			return c, err
		}
		*q.dst, err = ParseModulations(strings.Join(info, ","))
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				pe.Cmd = q.cmd
			}
			return c, err
		}
	}
	return c, nil
}

// Probe resets the modem and reports its identity, classes and class 1
// capabilities.
func (m *Modem) Probe(ctx context.Context) (Info, error) {
	var info Info
	if err := m.Reset(ctx); err != nil {
		return info, err
	}
	if m.ident == nil {
		id, err := m.Identify(ctx)
		if err != nil {
			return info, err
		}
		m.ident = &id
	}
	info.Identity = *m.ident
	var err error
	if info.Classes, err = m.Classes(ctx); err != nil {
		return info, err
	}
	if info.Capabilities, err = m.Capabilities(ctx); err != nil {
		return info, err
	}
	info.Rates = info.Capabilities.Rates()
	info.Quirks = m.quirks.Name
	return info, nil
}

// ProbeJSON runs Probe and returns its Info as one line of JSON, for
// `faxd probe`.
func ProbeJSON(ctx context.Context, m *Modem) ([]byte, error) {
	info, err := m.Probe(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(info)
}
