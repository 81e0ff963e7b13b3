package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"faxbox/firmware/config"
	"faxbox/firmware/numbers"
)

func TestValidateErrors(t *testing.T) {
	for _, tc := range []struct {
		key    string
		msg    string
		change func(c *config.Config)
	}{
		{"log_level", `"verbose" is not one of debug, info, warn, error`, func(c *config.Config) { c.LogLevel = "verbose" }},
		{"country", "required", func(c *config.Config) { c.Country = "" }},
		{"country", `"XX" is not an ISO 3166-1 country code`, func(c *config.Config) { c.Country = "XX" }},
		{"country", `"be" is not an ISO 3166-1`, func(c *config.Config) { c.Country = "be" }},
		{"identity.fax_number", `is not in E.164 form: write "+3225551212"`, func(c *config.Config) { c.Identity.FaxNumber = "+32 2 555 12 12" }},
		{"identity.fax_number", `"02 555 12 12"`, func(c *config.Config) { c.Identity.FaxNumber = "02 555 12 12" }},
		{"identity.ident", "21 characters, more than the 20", func(c *config.Config) { c.Identity.Ident = strings.Repeat("1", 21) }},
		{"identity.ident", "only printable ASCII", func(c *config.Config) { c.Identity.Ident = "Müller" }},
		{"identity.header", "unknown field {pagecount}", func(c *config.Config) { c.Identity.Header = "{page} of {pagecount}" }},
		{"dial_plan.area_code", "digits only", func(c *config.Config) { c.DialPlan.AreaCode = "02" + "x" }},
		{"dial_plan.area_dialing", `"short" is not one of default, full, local, no-trunk`, func(c *config.Config) { c.DialPlan.AreaDialing = "short" }},
		{"dial_plan.dialing", `"dtmf" is not one of tone, pulse`, func(c *config.Config) { c.DialPlan.Dialing = "dtmf" }},
		{"dial_plan.international_prefix", "only digits", func(c *config.Config) { c.DialPlan.InternationalPrefix = "+" }},
		{"dial_plan.trunk_prefix", "only digits", func(c *config.Config) { c.DialPlan.TrunkPrefix = "O" }},
		{"dial_plan.outside_line", "only digits", func(c *config.Config) { c.DialPlan.OutsideLine = "9;" }},
		{"modems", "no line configured: at least one [[modems]] or [[sip]] table is needed", func(c *config.Config) { c.Modems = nil }},
		{"modems", "9 modems configured: there may be 8 at most", func(c *config.Config) {
			c.Modems = nil
			for i := range 9 {
				m := config.DefaultModem()
				m.Device = "/dev/ttyUSB" + string(rune('0'+i))
				c.Modems = append(c.Modems, m)
			}
		}},
		{"modems[0].device", "required", func(c *config.Config) { c.Modems[0].Device = "" }},
		{"modems[1].device", `"/dev/ttyUSB0" is also modems[0].device`, func(c *config.Config) { c.Modems = append(c.Modems, config.DefaultModem()) }},
		{"modems[0].baud", "12345 is not a standard serial speed", func(c *config.Config) { c.Modems[0].Baud = 12345 }},
		{"modems[1].flow", `"rts" is not one of rtscts, xonxoff, none`, func(c *config.Config) {
			m := config.DefaultModem()
			m.Device, m.Flow = "/dev/ttyUSB1", "rts"
			c.Modems = append(c.Modems, m)
		}},
		{"modems[0].init[1]", `"S7=60" does not start with AT`, func(c *config.Config) { c.Modems[0].Init = []string{"AT&K3", "S7=60"} }},
		{"modems[0].init[0]", "no line ends", func(c *config.Config) { c.Modems[0].Init = []string{"AT&K3\rATZ"} }},
		{"modems[0].answer", `"always" is not one of rings, hours, never`, func(c *config.Config) { c.Modems[0].Answer = "always" }},
		{"modems[0].rings", "0 is out of range (1 to 20)", func(c *config.Config) { c.Modems[0].Rings = 0 }},
		{"modems[0].hours", `required when answer = "hours"`, func(c *config.Config) { c.Modems[0].Answer = config.AnswerHours }},
		{"modems[0].power_line", "needs board.gpio_chip", func(c *config.Config) { c.Modems[0].PowerLine = "PWR" }},
		{"modems[0].power_line", "not a line offset", func(c *config.Config) { c.Board.GPIOChip = "gpiochip0"; c.Modems[0].PowerLine = "9999" }},
		{"web.listen", "at least one address", func(c *config.Config) { c.Web.Listen = nil }},
		{"web.listen[0]", `"443" is not host:port`, func(c *config.Config) { c.Web.Listen = []string{"443"} }},
		{"web.listen[0]", `port "https" is not a number`, func(c *config.Config) { c.Web.Listen = []string{":https"} }},
		{"web.listen[1]", `":443" is also web.listen[0]`, func(c *config.Config) { c.Web.Listen = []string{":443", ":443"} }},
		{"web.redirect_http", `":443" is also in web.listen`, func(c *config.Config) { c.Web.RedirectHTTP = ":443" }},
		{"web.tls_key", "required with web.tls_cert", func(c *config.Config) { c.Web.TLSCert = "/c.pem" }},
		{"web.tls_cert", "required with web.tls_key", func(c *config.Config) { c.Web.TLSKey = "/k.pem" }},
		{"smtp.port", "0 is out of range (1 to 65535)", func(c *config.Config) { c.SMTP.Port = 0 }},
		{"smtp.host", "the port goes in smtp.port", func(c *config.Config) { c.SMTP.Host = "mail:25"; c.SMTP.From = "a@b.c" }},
		{"smtp.from", "required when smtp.host is set", func(c *config.Config) { c.SMTP.Host = "mail" }},
		{"smtp.from", "is not an e-mail address", func(c *config.Config) { c.SMTP.Host = "mail"; c.SMTP.From = "faxbox" }},
		{"smtp.password_file", "without smtp.username", func(c *config.Config) { c.SMTP.PasswordFile = "/pw" }},
		{"email_to_fax.listen", "is not host:port", func(c *config.Config) { c.EmailToFax.Listen = "25" }},
		{"email_to_fax.domain", "required", func(c *config.Config) { c.EmailToFax.Domain = "" }},
		{"email_to_fax.domain", "not a domain name in lower case", func(c *config.Config) { c.EmailToFax.Domain = "Fax" }},
		{"email_to_fax.relay_hosts[1]", "not an address or a network in CIDR notation", func(c *config.Config) { c.EmailToFax.RelayHosts = []string{"::1", "mail.office"} }},
		{"email_to_fax.relay_hosts[0]", `has host bits set: write "192.168.1.0/24"`, func(c *config.Config) { c.EmailToFax.RelayHosts = []string{"192.168.1.7/24"} }},
		{"email_to_fax.max_message_mib", "0 is out of range (1 to 1024)", func(c *config.Config) { c.EmailToFax.MaxMessageMiB = 0 }},
		{"billing.currency", `"EURO" is not an ISO 4217`, func(c *config.Config) { c.Billing.Currency = "EURO" }},
		{"billing.currency", `write it in capitals, "EUR"`, func(c *config.Config) { c.Billing.Currency = "eur" }},
		{"billing.minimum_available", "-1.00 is negative", func(c *config.Config) { c.Billing.MinimumAvailable = -1000000 }},
		{"billing.low_credit", "is negative", func(c *config.Config) { c.Billing.LowCredit = -1 }},
		{"billing.demo_credit", "is negative", func(c *config.Config) { c.Billing.DemoCredit = -1 }},
		{"billing.voucher_keys[0]", "not a voucher public key", func(c *config.Config) { c.Billing.VoucherKeys = []string{"ssh-ed25519 AAAA"} }},
		{"retry.attempts", "0 is out of range (1 to 20)", func(c *config.Config) { c.Retry.Attempts = 0 }},
		{"retry.backoff.busy", "is negative", func(c *config.Config) { c.Retry.Backoff.Busy = -1 }},
		{"retry.backoff.no_answer", "is negative", func(c *config.Config) { c.Retry.Backoff.NoAnswer = -1 }},
		{"retry.backoff.not_fax", "is negative", func(c *config.Config) { c.Retry.Backoff.NotFax = -1 }},
		{"retry.backoff.no_dial_tone", "is negative", func(c *config.Config) { c.Retry.Backoff.NoDialTone = -1 }},
		{"retry.backoff.call_failed", "is negative", func(c *config.Config) { c.Retry.Backoff.CallFailed = -1 }},
		{"retention.sent_days", "-1 is out of range", func(c *config.Config) { c.Retention.SentDays = -1 }},
		{"retention.received_days", "-1 is out of range", func(c *config.Config) { c.Retention.ReceivedDays = -1 }},
		{"retention.disk_limit", "not a disk limit", func(c *config.Config) { c.Retention.DiskLimit = config.DiskLimit{Percent: 50, Bytes: 1} }},
		{"board.gpio_chip", "is not a GPIO chip", func(c *config.Config) { c.Board.GPIOChip = "gpio chip" }},
		{"board.led_ready", "needs board.gpio_chip", func(c *config.Config) { c.Board.LEDReady = "LED1" }},
		{"board.led_busy", "no spaces", func(c *config.Config) { c.Board.GPIOChip = "gpiochip0"; c.Board.LEDBusy = "LED 2" }},
		{"board.led_error", "longer than the 31", func(c *config.Config) {
			c.Board.GPIOChip = "gpiochip0"
			c.Board.LEDError = config.Line(strings.Repeat("L", 32))
		}},
		{"board.button_cancel", `line "4" is also board.led_low_credit`, func(c *config.Config) {
			c.Board.GPIOChip = "gpiochip0"
			c.Board.LEDLowCredit, c.Board.ButtonCancel = "4", "4"
		}},
		{"modems[0].power_line", `line "4" is also board.led_ready`, func(c *config.Config) {
			c.Board.GPIOChip = "gpiochip0"
			c.Board.LEDReady, c.Modems[0].PowerLine = "4", "4"
		}},
		{"board.long_press", `"reboot" is not one of none, status, reset`, func(c *config.Config) { c.Board.LongPress = "reboot" }},
		{"board.volume", "101 is out of range (0 to 100)", func(c *config.Config) { c.Board.Volume = 101 }},
		{"console.baud", "is not a standard serial speed", func(c *config.Config) { c.Console.Baud = 0 }},
		{"console.pin_hash", "required when console.device is set", func(c *config.Config) { c.Console.Device = "/dev/ttyS0" }},
		{"console.pin_hash", "never the PIN itself", func(c *config.Config) { c.Console.PINHash = "1234" }},
	} {
		c := config.Default()
		tc.change(c)
		err := c.Validate()
		fes := config.FieldErrors(err)
		if len(fes) != 1 {
			t.Errorf("%s: got %d errors, want 1: %v", tc.key, len(fes), err)
			continue
		}
		if fes[0].Key != tc.key || !strings.Contains(fes[0].Msg, tc.msg) {
			t.Errorf("got %v\nwant %s: ...%s...", fes[0], tc.key, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), "config: "+tc.key+": ") {
			t.Errorf("message %q does not start with the key", err)
		}
	}
}

func TestValidateJoinsErrors(t *testing.T) {
	c := config.Default()
	c.LogLevel = "loud"
	c.Modems[0].Flow = "rts"
	c.Retry.Attempts = 99
	err := c.Validate()
	fes := config.FieldErrors(err)
	if len(fes) != 3 {
		t.Fatalf("got %d errors: %v", len(fes), err)
	}
	want := "config: log_level: \"loud\" is not one of debug, info, warn, error\n" +
		"config: modems[0].flow: \"rts\" is not one of rtscts, xonxoff, none\n" +
		"config: retry.attempts: 99 is out of range (1 to 20)"
	if err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	var fe *config.FieldError
	if !errors.As(err, &fe) || fe.Key != "log_level" {
		t.Errorf("errors.As = %v", fe)
	}
}

func TestDialPlanFromCountry(t *testing.T) {
	// A country with several international prefixes needs one set. The
	// countries are found in the numbering metadata itself: those whose
	// international prefix is a pattern of alternatives with no preferred
	// one.
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	known := numbers.Regions()
	var several []string
	for _, md := range coll.GetMetadata() {
		if slices.Contains(known, md.GetId()) && md.GetPreferredInternationalPrefix() == "" &&
			strings.Trim(md.GetInternationalPrefix(), "0123456789~") != "" {
			several = append(several, md.GetId())
		}
	}
	if len(several) == 0 {
		t.Fatal("no country in the numbering metadata has several international prefixes: build the case another way")
	}
	for _, r := range several {
		c := config.Default()
		c.Country = r
		err := c.Validate()
		fes := config.FieldErrors(err)
		if len(fes) != 1 || fes[0].Key != "dial_plan" || !strings.Contains(fes[0].Msg, "international prefix") {
			t.Errorf("%s: got %v, want one dial_plan error about the international prefix", r, err)
			continue
		}
		c.DialPlan.InternationalPrefix = "009"
		if err := c.Validate(); err != nil {
			t.Errorf("%s with a prefix set: %v", r, err)
		}
	}
	t.Logf("countries with several international prefixes: %v", several)
}
