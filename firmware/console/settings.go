package console

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"faxbox/firmware/config"
)

// setting is one value that show and set handle, named as the installer
// types it, with the configuration key it is stored under.
type setting struct {
	name, key, group string
	get              func(*Settings) string
	set              func(*Settings, string)
}

// settingTable lists the settings in the order show prints them.
func settingTable() []setting {
	str := func(name, key, group string, field func(*Settings) *string) setting {
		return setting{name: name, key: key, group: group,
			get: func(s *Settings) string { return *field(s) },
			set: func(s *Settings, v string) { *field(s) = v }}
	}
	return []setting{
		str("fax-number", "identity.fax_number", "identity", func(s *Settings) *string { return &s.Identity.FaxNumber }),
		str("ident", "identity.ident", "identity", func(s *Settings) *string { return &s.Identity.Ident }),
		str("organisation", "identity.organisation", "identity", func(s *Settings) *string { return &s.Identity.Organisation }),
		str("header", "identity.header", "identity", func(s *Settings) *string { return &s.Identity.Header }),
		{name: "country", key: "country", group: "country",
			get: func(s *Settings) string { return s.Country },
			set: func(s *Settings, v string) { s.Country = strings.ToUpper(v) }},
		str("area-code", "dial_plan.area_code", "dial-plan", func(s *Settings) *string { return &s.DialPlan.AreaCode }),
		{name: "area-dialing", key: "dial_plan.area_dialing", group: "dial-plan",
			get: func(s *Settings) string { return string(s.DialPlan.AreaDialing) },
			set: func(s *Settings, v string) { s.DialPlan.AreaDialing = config.AreaDialing(strings.ToLower(v)) }},
		str("international-prefix", "dial_plan.international_prefix", "dial-plan", func(s *Settings) *string { return &s.DialPlan.InternationalPrefix }),
		str("trunk-prefix", "dial_plan.trunk_prefix", "dial-plan", func(s *Settings) *string { return &s.DialPlan.TrunkPrefix }),
		str("outside-line", "dial_plan.outside_line", "dial-plan", func(s *Settings) *string { return &s.DialPlan.OutsideLine }),
		{name: "dialing", key: "dial_plan.dialing", group: "dial-plan",
			get: func(s *Settings) string { return string(s.DialPlan.Dialing) },
			set: func(s *Settings, v string) { s.DialPlan.Dialing = config.Dialing(strings.ToLower(v)) }},
	}
}

// settingsHelp lists the settings for help show and help set.
func settingsHelp() string {
	var b strings.Builder
	for _, st := range settingTable() {
		fmt.Fprintf(&b, "  %-22s %-10s (%s)\n", st.name, st.group, st.key)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func runShow(_ context.Context, b Backend, o *output, args []string) error {
	group := ""
	if len(args) == 1 {
		group = strings.ToLower(args[0])
		if group != "identity" && group != "country" && group != "dial-plan" {
			return fmt.Errorf("show %q: want identity, country or dial-plan", args[0])
		}
	}
	s := b.Settings()
	for _, st := range settingTable() {
		if group != "" && st.group != group {
			continue
		}
		if err := o.printf("%-22s %q", st.name, st.get(&s)); err != nil {
			return err
		}
	}
	return nil
}

func runSet(ctx context.Context, b Backend, o *output, args []string) error {
	name := strings.ToLower(args[0])
	value := strings.Join(args[1:], " ")
	for _, st := range settingTable() {
		if st.name != name {
			continue
		}
		s := b.Settings()
		old := st.get(&s)
		st.set(&s, value)
		note, err := b.SetSettings(ctx, s)
		if fes := config.FieldErrors(err); len(fes) > 0 {
			msgs := make([]string, len(fes))
			for i, fe := range fes {
				msgs[i] = fe.Key + ": " + fe.Msg
			}
			return errors.New(strings.Join(msgs, "; "))
		}
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("%s: %q (was %q)", st.name, st.get(&s), old)
		if note != "" {
			msg += "; " + note
		}
		return o.line(msg)
	}
	names := make([]string, 0, 16)
	for _, st := range settingTable() {
		names = append(names, st.name)
	}
	return fmt.Errorf("no setting %q; the settings are %s", args[0], strings.Join(names, ", "))
}
