package config

import (
	"errors"
	"fmt"
	"reflect"

	"faxbox/sip"
)

// The [[sip]] tables: SIP accounts whose calls carry fax as T.38, lines
// beside the modems. Each table is a sip.Config; its keys, defaults and
// checks are package sip's (sip.Default, sip.Config.Validate), so that the
// CLI's one-call accounts and the appliance's agree.

// sipDefaults gives every key a [[sip]] table leaves out, at any depth
// ("sip[0].t38.version"), its sip.Default value.
func (c *Config) sipDefaults(pos positions) {
	def := reflect.ValueOf(sip.Default())
	for i := range c.SIP {
		fillDefaults(reflect.ValueOf(&c.SIP[i]).Elem(), def, fmt.Sprintf("sip[%d]", i), pos)
	}
}

// fillDefaults sets each field of v whose key under prefix pos lacks to
// def's, descending into tables.
func fillDefaults(v, def reflect.Value, prefix string, pos positions) {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		key := prefix + "." + tomlName(f)
		if f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(textUnmarshaler) {
			fillDefaults(v.Field(i), def.Field(i), key, pos)
			continue
		}
		if !pos.has(key) {
			v.Field(i).Set(def.Field(i))
		}
	}
}

// validateSIP checks each [[sip]] table, and that no two tables share a
// SIP or media port.
func (c *Config) validateSIP(p *problems) {
	for i := range c.SIP {
		err := c.SIP[i].Validate(fmt.Sprintf("sip[%d]", i))
		for _, e := range unjoin(err) {
			var ce *sip.ConfigError
			if errors.As(e, &ce) {
				p.add(ce.Key, "%s", ce.Msg)
			} else {
				p.add(fmt.Sprintf("sip[%d]", i), "%v", e)
			}
		}
	}
	for i, a := range c.SIP {
		for j := i + 1; j < len(c.SIP); j++ {
			b := c.SIP[j]
			if a.Listen == b.Listen && overlap(a.SIPPorts, b.SIPPorts) {
				p.add(fmt.Sprintf("sip[%d].sip_ports", j), "%d-%d overlaps sip[%d].sip_ports", b.SIPPorts.Lo, b.SIPPorts.Hi, i)
			}
			if overlap(a.MediaPorts, b.MediaPorts) {
				p.add(fmt.Sprintf("sip[%d].media_ports", j), "%d-%d overlaps sip[%d].media_ports", b.MediaPorts.Lo, b.MediaPorts.Hi, i)
			}
		}
	}
}

func overlap(a, b sip.PortRange) bool { return a.Lo <= b.Hi && b.Lo <= a.Hi }

// unjoin returns the errors errors.Join put together, or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
