package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
)

// Validate checks every setting and returns all the problems found,
// joined with errors.Join, each a *FieldError naming its key; nil if the
// configuration is usable. It does no I/O: files and devices are opened by
// the subsystems that use them.
func (c *Config) Validate() error {
	var p problems
	c.validateTop(&p)
	c.validateIdentity(&p)
	c.validateDialPlan(&p)
	c.validateModems(&p)
	c.validateSIP(&p)
	c.validateWeb(&p)
	c.validateSMTP(&p)
	c.validateEmailToFax(&p)
	c.validateInbox(&p)
	c.validateBilling(&p)
	c.validateRetry(&p)
	c.validateRetention(&p)
	c.validateRender(&p)
	c.validateBoard(&p)
	c.validateConsole(&p)
	return p.err()
}

// oneOf checks that v is one of allowed.
func oneOf[T ~string](p *problems, key string, v T, allowed ...T) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	p.add(key, "%q is not one of %s", string(v), strings.Join(names, ", "))
}

// between checks lo <= v <= hi.
func between(p *problems, key string, v, lo, hi int) {
	if v < lo || v > hi {
		p.add(key, "%d is out of range (%d to %d)", v, lo, hi)
	}
}

// standardBauds are the serial speeds a modem or console may use.
var standardBauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}

func checkBaud(p *problems, key string, baud int) {
	for _, b := range standardBauds {
		if baud == b {
			return
		}
	}
	s := make([]string, len(standardBauds))
	for i, b := range standardBauds {
		s[i] = strconv.Itoa(b)
	}
	p.add(key, "%d is not a standard serial speed (%s)", baud, strings.Join(s, ", "))
}

// checkAddr checks a listen address, host:port; empty is allowed only if
// optional.
func checkAddr(p *problems, key, addr string, optional bool) {
	if addr == "" {
		if !optional {
			p.add(key, "an address is required (host:port, or :port for every interface)")
		}
		return
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.add(key, "%q is not host:port (write \":443\" or \"192.168.1.10:443\")", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add(key, "%q: port %q is not a number from 0 to 65535", addr, port)
	}
	if host != "" && strings.ContainsAny(host, " /") {
		p.add(key, "%q: %q is not a host name or address", addr, host)
	}
}

func checkDuration(p *problems, key string, d Duration) {
	if d < 0 {
		p.add(key, "%s is negative", d)
	}
}

func checkMoney(p *problems, key string, m Money) {
	if m < 0 {
		p.add(key, "%s is negative", m)
	}
}

func (c *Config) validateTop(p *problems) {
	oneOf(p, "log_level", c.LogLevel, LogDebug, LogInfo, LogWarn, LogError)
	switch {
	case c.Country == "":
		p.add("country", "required: the ISO 3166-1 code of the country the line is in (\"BE\", \"DE\", \"US\")")
	case c.Country != strings.ToUpper(c.Country) || numbers.CallingCode(c.Country) == 0:
		p.add("country", "%q is not an ISO 3166-1 country code with a telephone numbering plan (\"BE\", \"DE\", \"US\")", c.Country)
	}
}

// headerField matches the {fields} of a header line format.
var headerField = regexp.MustCompile(`\{[^{}]*\}`)

func (c *Config) validateIdentity(p *problems) {
	id := c.Identity
	if id.FaxNumber != "" {
		n, err := numbers.Parse(id.FaxNumber)
		switch {
		case err != nil:
			p.add("identity.fax_number", "%q: %v", id.FaxNumber, err)
		case n.E164 != id.FaxNumber:
			p.add("identity.fax_number", "%q is not in E.164 form: write %q", id.FaxNumber, n.E164)
		}
	}
	if len(id.Ident) > MaxIdent {
		p.add("identity.ident", "%q has %d characters, more than the %d of a T.30 identity", id.Ident, len(id.Ident), MaxIdent)
	}
	if strings.ContainsFunc(id.Ident, func(r rune) bool { return r < ' ' || r > '~' }) {
		p.add("identity.ident", "%q: only printable ASCII can be sent (T.30 allows digits, + and space)", id.Ident)
	}
	known := map[string]bool{"{date}": true, "{time}": true, "{from}": true, "{org}": true, "{fax}": true,
		"{to}": true, "{subject}": true, "{page}": true, "{pages}": true}
	for _, f := range headerField.FindAllString(id.Header, -1) {
		if !known[f] {
			p.add("identity.header", "unknown field %s (fields: {date} {time} {from} {org} {fax} {to} {subject} {page} {pages})", f)
		}
	}
}

// dialChars are what a modem can dial: digits, * # and the modifiers.
const dialChars = "0123456789*#,WwTtPp!@"

func (c *Config) validateDialPlan(p *problems) {
	d := c.DialPlan
	n := len(*p)
	if strings.Trim(d.AreaCode, "0123456789") != "" {
		p.add("dial_plan.area_code", "%q: digits only, without the trunk prefix (\"2\" for Brussels, \"30\" for Berlin)", d.AreaCode)
	}
	oneOf(p, "dial_plan.area_dialing", d.AreaDialing, AreaDialingDefault, AreaDialingFull, AreaDialingLocal, AreaDialingNoTrunk)
	oneOf(p, "dial_plan.dialing", d.Dialing, DialingTone, DialingPulse)
	for _, f := range []struct{ key, v string }{
		{"dial_plan.international_prefix", d.InternationalPrefix},
		{"dial_plan.trunk_prefix", strings.TrimPrefix(d.TrunkPrefix, "-")},
		{"dial_plan.outside_line", d.OutsideLine},
	} {
		if strings.Trim(f.v, dialChars) != "" {
			p.add(f.key, "%q: only digits, * # and the dial modifiers , W ! @ may be used", f.v)
		}
	}
	if len(*p) > n || numbers.CallingCode(c.Country) == 0 {
		return // reported above, or the country is wrong
	}
	if err := c.NumberDialPlan().Validate(); err != nil {
		p.add("dial_plan", "%s", strings.TrimPrefix(err.Error(), numbers.ErrDialPlan.Error()+": "))
	}
}

func (c *Config) validateModems(p *problems) {
	switch {
	case len(c.Modems) > MaxModems:
		p.add("modems", "%d modems configured: there may be %d at most ([[modems]] tables)", len(c.Modems), MaxModems)
	case len(c.Modems) == 0 && len(c.SIP) == 0:
		p.add("modems", "no line configured: at least one [[modems]] or [[sip]] table is needed")
	}
	devices := map[string]int{}
	for i, m := range c.Modems {
		k := fmt.Sprintf("modems[%d].", i)
		if m.Device == "" {
			p.add(k+"device", "required: the modem's serial device, for example /dev/ttyUSB0")
		} else if j, dup := devices[m.Device]; dup {
			p.add(k+"device", "%q is also modems[%d].device", m.Device, j)
		} else {
			devices[m.Device] = i
		}
		checkBaud(p, k+"baud", m.Baud)
		oneOf(p, k+"flow", m.Flow, FlowRTSCTS, FlowXONXOFF, FlowNone)
		for j, cmd := range m.Init {
			if len(cmd) < 2 || !strings.EqualFold(cmd[:2], "AT") {
				p.add(fmt.Sprintf("%sinit[%d]", k, j), "%q does not start with AT", cmd)
			} else if strings.ContainsFunc(cmd, func(r rune) bool { return r < ' ' || r > '~' }) {
				p.add(fmt.Sprintf("%sinit[%d]", k, j), "%q: one command per string, printable ASCII, no line ends", cmd)
			}
		}
		oneOf(p, k+"answer", m.Answer, AnswerRings, AnswerHours, AnswerNever)
		if m.Answer != AnswerNever {
			between(p, k+"rings", m.Rings, 1, 20)
		}
		if m.Answer == AnswerHours && m.Hours.IsZero() {
			p.add(k+"hours", "required when answer = \"hours\": when to answer, for example \"08:00-18:00\"")
		}
		if m.AnswerAllowance < 0 || m.AnswerAllowance.D() > 10*time.Second {
			p.add(k+"answer_allowance", "%s is not between 0s and 10s", m.AnswerAllowance)
		}
		checkLine(p, c, k+"power_line", m.PowerLine)
	}
}

func checkLine(p *problems, c *Config, key string, l Line) {
	if msg := l.check(); msg != "" {
		p.add(key, "%s", msg)
	} else if l != "" && c.Board.GPIOChip == "" {
		p.add(key, "%q needs board.gpio_chip, the chip the line is on", string(l))
	}
}

func (c *Config) validateWeb(p *problems) {
	w := c.Web
	if len(w.Listen) == 0 {
		p.add("web.listen", "at least one address is required (\":443\")")
	}
	seen := map[string]int{}
	for i, a := range w.Listen {
		k := fmt.Sprintf("web.listen[%d]", i)
		checkAddr(p, k, a, false)
		if j, dup := seen[a]; dup {
			p.add(k, "%q is also web.listen[%d]", a, j)
		}
		seen[a] = i
	}
	checkAddr(p, "web.redirect_http", w.RedirectHTTP, true)
	if _, dup := seen[w.RedirectHTTP]; dup && w.RedirectHTTP != "" {
		p.add("web.redirect_http", "%q is also in web.listen", w.RedirectHTTP)
	}
	if (w.TLSCert == "") != (w.TLSKey == "") {
		if w.TLSCert == "" {
			p.add("web.tls_cert", "required with web.tls_key (set both, or neither for a generated certificate)")
		} else {
			p.add("web.tls_key", "required with web.tls_cert (set both, or neither for a generated certificate)")
		}
	}
}

func (c *Config) validateSMTP(p *problems) {
	s := c.SMTP
	between(p, "smtp.port", s.Port, 1, 65535)
	if s.PasswordFile != "" && s.Username == "" {
		p.add("smtp.password_file", "set without smtp.username")
	}
	if s.Host == "" {
		return
	}
	if strings.ContainsAny(s.Host, " /:") {
		p.add("smtp.host", "%q is not a host name or address (the port goes in smtp.port)", s.Host)
	}
	if s.From == "" {
		p.add("smtp.from", "required when smtp.host is set: the sender address of notifications")
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		p.add("smtp.from", "%q is not an e-mail address (\"faxbox@example.com\" or \"Faxbox <faxbox@example.com>\")", s.From)
	}
}

// hostLabel matches one label of a domain name.
var hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (c *Config) validateEmailToFax(p *problems) {
	e := c.EmailToFax
	checkAddr(p, "email_to_fax.listen", e.Listen, true)
	if e.Domain == "" {
		p.add("email_to_fax.domain", "required: the domain of fax addresses (\"fax\" as in 3225551212@fax)")
	}
	for _, l := range strings.Split(e.Domain, ".") {
		if e.Domain != "" && !hostLabel.MatchString(l) {
			p.add("email_to_fax.domain", "%q is not a domain name in lower case (\"fax\", \"fax.example.com\")", e.Domain)
			break
		}
	}
	for i, h := range e.RelayHosts {
		key := fmt.Sprintf("email_to_fax.relay_hosts[%d]", i)
		if _, err := netip.ParseAddr(h); err == nil {
			continue
		}
		pf, err := netip.ParsePrefix(h)
		switch {
		case err != nil:
			p.add(key, "%q is not an address or a network in CIDR notation (\"192.168.1.20\", \"192.168.1.16/29\", \"fd00::25\")", h)
		case pf.Masked() != pf:
			p.add(key, "%q has host bits set: write %q, or the server's address alone", h, pf.Masked().String())
		}
	}
	between(p, "email_to_fax.max_message_mib", e.MaxMessageMiB, 1, 1024)
}

func (c *Config) validateBilling(p *problems) {
	b := c.Billing
	if cur, err := billing.ParseCurrency(b.Currency); err != nil {
		p.add("billing.currency", "%q is not an ISO 4217 currency code (\"EUR\", \"USD\", \"CHF\")", b.Currency)
	} else if string(cur) != b.Currency {
		p.add("billing.currency", "%q: write it in capitals, %q", b.Currency, string(cur))
	}
	checkMoney(p, "billing.minimum_available", b.MinimumAvailable)
	checkMoney(p, "billing.low_credit", b.LowCredit)
	checkMoney(p, "billing.demo_credit", b.DemoCredit)
	ids := map[string]int{}
	for i, line := range b.VoucherKeys {
		k := fmt.Sprintf("billing.voucher_keys[%d]", i)
		key, err := billing.ParseTrustedKey([]byte(line))
		if err != nil {
			p.add(k, "%s", strings.TrimPrefix(err.Error(), "billing: "))
			continue
		}
		if j, dup := ids[key.ID]; dup {
			p.add(k, "key %s is also billing.voucher_keys[%d]", key.ID, j)
		}
		ids[key.ID] = i
	}
}

func (c *Config) validateRetry(p *problems) {
	r := c.Retry
	between(p, "retry.attempts", r.Attempts, 1, 20)
	checkDuration(p, "retry.backoff.busy", r.Backoff.Busy)
	checkDuration(p, "retry.backoff.no_answer", r.Backoff.NoAnswer)
	checkDuration(p, "retry.backoff.not_fax", r.Backoff.NotFax)
	checkDuration(p, "retry.backoff.no_dial_tone", r.Backoff.NoDialTone)
	checkDuration(p, "retry.backoff.call_failed", r.Backoff.CallFailed)
}

func (c *Config) validateRetention(p *problems) {
	r := c.Retention
	between(p, "retention.sent_days", r.SentDays, 0, 36500)
	between(p, "retention.received_days", r.ReceivedDays, 0, 36500)
	if l := r.DiskLimit; l.Percent < 0 || l.Percent > 100 || l.Bytes < 0 || l.Percent != 0 && l.Bytes != 0 {
		p.add("retention.disk_limit", "%+v is not a disk limit (a share from 1%% to 100%%, or a size)", l)
	}
}

func (c *Config) validateBoard(p *problems) {
	b := c.Board
	if strings.ContainsAny(b.GPIOChip, " \t") {
		p.add("board.gpio_chip", "%q is not a GPIO chip (\"gpiochip0\" or \"/dev/gpiochip0\")", b.GPIOChip)
	}
	lines := []struct {
		key string
		l   Line
	}{
		{"board.led_ready", b.LEDReady}, {"board.led_busy", b.LEDBusy},
		{"board.led_error", b.LEDError}, {"board.led_low_credit", b.LEDLowCredit},
		{"board.button_cancel", b.ButtonCancel},
	}
	for i, m := range c.Modems {
		lines = append(lines, struct {
			key string
			l   Line
		}{fmt.Sprintf("modems[%d].power_line", i), m.PowerLine})
	}
	used := map[Line]string{}
	for _, l := range lines {
		if !strings.HasPrefix(l.key, "modems[") {
			checkLine(p, c, l.key, l.l)
		}
		if l.l == "" {
			continue
		}
		if other, dup := used[l.l]; dup {
			p.add(l.key, "line %q is also %s", string(l.l), other)
		} else {
			used[l.l] = l.key
		}
	}
	oneOf(p, "board.long_press", b.LongPress, LongPressNone, LongPressStatus, LongPressReset)
	between(p, "board.volume", b.Volume, 0, 100)
}

func (c *Config) validateConsole(p *problems) {
	k := c.Console
	checkBaud(p, "console.baud", k.Baud)
	switch {
	case k.PINHash == "":
		if k.Device != "" {
			p.add("console.pin_hash", "required when console.device is set: the installer PIN guards the console")
		}
	case !strings.HasPrefix(k.PINHash, "$argon2id$") && !strings.HasPrefix(k.PINHash, "$2a$") &&
		!strings.HasPrefix(k.PINHash, "$2b$") && !strings.HasPrefix(k.PINHash, "$2y$"):
		p.add("console.pin_hash", "not an argon2id (\"$argon2id$...\") or bcrypt (\"$2b$...\") hash; never the PIN itself")
	}
}

func (c *Config) validateInbox(p *problems) {
	in := c.Inbox
	for prefix, user := range in.ByNumber {
		k := fmt.Sprintf("inbox.by_number.%q", prefix)
		if d := strings.TrimPrefix(prefix, "+"); d == "" || strings.Trim(d, "0123456789") != "" {
			p.add(k, "%q is not a number prefix (digits, with an optional leading \"+\")", prefix)
		}
		if strings.TrimSpace(user) == "" {
			p.add(k, "no user name")
		}
	}
	for text, user := range in.ByIdent {
		k := fmt.Sprintf("inbox.by_ident.%q", text)
		if strings.TrimSpace(text) == "" {
			p.add(k, "empty text would match every identity")
		}
		if strings.TrimSpace(user) == "" {
			p.add(k, "no user name")
		}
	}
	if in.ForwardTo != "" {
		if _, err := mail.ParseAddress(in.ForwardTo); err != nil {
			p.add("inbox.forward_to", "%q is not an e-mail address", in.ForwardTo)
		}
	}
	if (in.ForwardTo != "" || in.ForwardToUser) && c.SMTP.Host == "" {
		p.add("inbox.forward_to", "forwarding received faxes needs a mail relay (smtp.host)")
	}
}
