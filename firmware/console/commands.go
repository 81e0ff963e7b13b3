package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cmd is one console command. A name has one or two words ("status",
// "modem probe"); help and help NAME are written from synopsis, short and
// long.
type cmd struct {
	name     string
	synopsis string // the arguments, "NAME [NUMBER]"
	short    string // one line for the list
	long     string // help NAME
	// minArgs and maxArgs bound the arguments (maxArgs -1: any number).
	minArgs, maxArgs int
	// change marks commands that change something: they are logged with
	// their outcome, and their arguments unless secret.
	change, secret bool
	// confirm, if set, is the phrase the installer must type, after
	// warning, before the command runs.
	confirm, warning string
	run              func(ctx context.Context, b Backend, o *output, args []string) error
}

// Defaults of the listing commands.
const (
	defaultLogLines  = 50
	defaultWireLines = 100
	maxListLines     = 100000
)

// commandTable is the console's commands in the order help lists them.
// It is built by a function, not kept in a variable, because help refers
// to it.
func commandTable() []cmd {
	return []cmd{
		{name: "status", short: "modems, queue, balance, disk, network and version at a glance",
			long: "Shows the software version, each modem's state, the jobs waiting and in a call, the prepaid\n" +
				"balance, the use of the data disk and the network addresses; while no administrator exists,\n" +
				"the setup code that the web UI's first-run page asks for.", run: runStatus},
		{name: "modem list", short: "the modems and SIP lines, their states and the SIP accounts' registration", run: runModemList},
		{name: "modem probe", synopsis: "NAME", minArgs: 1, maxArgs: 1,
			short: "ask a modem who it is: identity, classes, class 1 rates",
			long: "Borrows the modem from the pool (waiting for a call in progress to end), resets it and asks\n" +
				"for its identity, service classes and class 1 modulations. NAME is as in modem list.", run: runModemProbe},
		{name: "modem wire-log", synopsis: "NAME [LINES]", minArgs: 1, maxArgs: 2,
			short: "the last commands and answers exchanged with a modem",
			long:  fmt.Sprintf("Shows the last LINES (default %d) lines exchanged with the modem on its serial port.", defaultWireLines),
			run:   runWireLog},
		{name: "line check", synopsis: "NAME [NUMBER]", minArgs: 1, maxArgs: -1,
			short: "check a line for dial tone, and make a test call",
			long: "Borrows the modem, goes off hook and listens for dial tone. With NUMBER it then calls that\n" +
				"number and sends a test page, and shows the full T.30 result: remote identity, rate, coding,\n" +
				"pages, connected time, and why the call ended. Ctrl-C hangs up.", run: runLineCheck},
		{name: "show", synopsis: "[identity|country|dial-plan]", maxArgs: 1,
			short: "the appliance's identity, country and dial plan",
			long:  "Shows the settings that set changes, with their names:\n" + settingsHelp(), run: runShow},
		{name: "set", synopsis: "SETTING VALUE", minArgs: 1, maxArgs: -1, change: true,
			short: "change the identity, country or dial plan",
			long: "Changes one setting, checked as the web UI checks it, and saves it in the configuration.\n" +
				"An empty VALUE (set SETTING) clears it. The settings:\n" + settingsHelp(), run: runSet},
		{name: "network", short: "the network interfaces and their addresses", run: runNetwork},
		{name: "web", short: "the web UI's address", run: runWeb},
		{name: "admin reset-password", change: true,
			short: "give the administrator a new one-time password",
			long: "Sets a new one-time password for the web UI's administrator and shows it once; the\n" +
				"administrator must choose a new password after logging in with it.", run: runResetPassword},
		{name: "voucher redeem", synopsis: "CODE", minArgs: 1, maxArgs: -1, change: true, secret: true,
			short: "redeem a prepaid voucher", long: "Redeems a reseller's voucher code into the prepaid balance.",
			run: runRedeem},
		{name: "errors", synopsis: "[LINES]", maxArgs: 1, short: "recent warnings and errors",
			long: fmt.Sprintf("Shows the last LINES (default %d) warnings and errors of the log.", defaultLogLines),
			run:  func(ctx context.Context, b Backend, o *output, a []string) error { return runLog(ctx, b, o, a, true) }},
		{name: "log", synopsis: "[LINES]", maxArgs: 1, short: "the recent log",
			long: fmt.Sprintf("Shows the last LINES (default %d) lines of the log; Ctrl-C stops a long listing.", defaultLogLines),
			run:  func(ctx context.Context, b Backend, o *output, a []string) error { return runLog(ctx, b, o, a, false) }},
		{name: "test leds", change: true, short: "light each front-panel LED in turn",
			run: func(ctx context.Context, b Backend, o *output, _ []string) error {
				return runTest(ctx, o, "LED test", b.TestLEDs)
			}},
		{name: "test sound", change: true, short: "play the test sound",
			run: func(ctx context.Context, b Backend, o *output, _ []string) error {
				return runTest(ctx, o, "sound test", b.TestSound)
			}},
		{name: "factory-reset", change: true, confirm: "erase everything",
			warning: "This erases every fax, job, account entry and setting stored on the appliance.",
			short:   "erase all data and settings (asks for a typed confirmation)",
			run: func(ctx context.Context, b Backend, o *output, _ []string) error {
				if err := b.FactoryReset(ctx); err != nil {
					return err
				}
				return o.line("Factory reset done. Reboot the appliance (reboot) to start afresh.")
			}},
		{name: "reboot", change: true, confirm: "reboot",
			warning: "This restarts the appliance: a call in progress is hung up.",
			short:   "restart the appliance (asks for a typed confirmation)",
			run: func(ctx context.Context, b Backend, o *output, _ []string) error {
				if err := b.Reboot(ctx); err != nil {
					return err
				}
				return o.line("Rebooting.")
			}},
		{name: "backup", synopsis: "[PATH]", maxArgs: 1, change: true,
			short: "write a backup of the data and configuration to a file on the appliance",
			long: "Writes a backup (database, sent and received faxes, traces, configuration, TLS files) while\n" +
				"the appliance works, to PATH (a USB stick's mount point, say) or by default to a dated file\n" +
				"in the data directory's backups folder, and shows where. Copy it off the appliance.",
			run: func(ctx context.Context, b Backend, o *output, a []string) error {
				msg, err := b.Backup(ctx, strings.Join(a, " "))
				if err != nil {
					return err
				}
				return o.line(msg)
			}},
		{name: "restore", synopsis: "PATH", minArgs: 1, maxArgs: 1, change: true, confirm: "restore",
			warning: "This replaces every fax, job, account entry and user with the backup's (the current data is\n" +
				"kept beside it) and restarts the appliance: a call in progress is hung up.",
			short: "restore a backup file on the appliance and restart on it (asks for a typed confirmation)",
			long: "Checks the backup at PATH (every file's checksum, the database's schema) and refuses a damaged\n" +
				"one or one of a newer Faxbox, changing nothing. Else the appliance restarts on it; the data\n" +
				"directory it replaces is kept as DATA.before-restore. The configuration stays this box's.",
			run: func(ctx context.Context, b Backend, o *output, a []string) error {
				msg, err := b.Restore(ctx, a[0])
				if err != nil {
					return err
				}
				return o.line(msg)
			}},
		{name: "help", synopsis: "[COMMAND]", maxArgs: 2, short: "list the commands, or explain one", run: runHelp},
		{name: "quit", short: "log out (also exit, logout, Ctrl-D)",
			run: func(context.Context, Backend, *output, []string) error { return errLogout }},
	}
}

// alias returns the command that name is another name of, or name.
func alias(name string) string {
	switch name {
	case "exit", "logout":
		return "quit"
	case "?":
		return "help"
	}
	return name
}

// lookup finds the command that args start with and returns it with the
// remaining arguments; nil if none does.
func lookup(args []string) (*cmd, []string) {
	args = append([]string{alias(strings.ToLower(args[0]))}, args[1:]...)
	table := commandTable()
	for _, words := range []int{2, 1} {
		if len(args) < words {
			continue
		}
		name := strings.ToLower(strings.Join(args[:words], " "))
		for i := range table {
			if table[i].name == name {
				return &table[i], args[words:]
			}
		}
	}
	return nil, nil
}

// suggest returns the command names nearest to what was typed, for an
// unknown command: those with the typed first word as group ("modem"),
// else those within two edits.
func suggest(args []string) string {
	typed := strings.ToLower(args[0])
	var group, near []string
	for _, c := range commandTable() {
		first, _, _ := strings.Cut(c.name, " ")
		if first == typed {
			group = append(group, c.name)
			continue
		}
		if d := distance(typed, first); d <= 2 && d < len(typed) {
			if !slices.Contains(near, first) {
				near = append(near, first)
			}
		}
	}
	if len(group) > 0 {
		return strings.Join(group, ", ")
	}
	return strings.Join(near, ", ")
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func runHelp(_ context.Context, _ Backend, o *output, args []string) error {
	table := commandTable()
	if len(args) == 0 {
		if err := o.line("Commands (help COMMAND explains one):"); err != nil {
			return err
		}
		for _, c := range table {
			if err := o.printf("  %-32s %s", strings.TrimSpace(c.name+" "+c.synopsis), c.short); err != nil {
				return err
			}
		}
		return nil
	}
	want := strings.ToLower(strings.Join(args, " "))
	want = alias(want)
	found := false
	for _, c := range table {
		first, _, _ := strings.Cut(c.name, " ")
		if c.name != want && first != want {
			continue
		}
		found = true
		text := c.long
		if text == "" {
			text = strings.ToUpper(c.short[:1]) + c.short[1:] + "."
		}
		if err := o.printf("%s\n  %s\n", strings.TrimSpace(c.name+" "+c.synopsis), strings.ReplaceAll(text, "\n", "\n  ")); err != nil {
			return err
		}
	}
	if !found {
		msg := fmt.Sprintf("no command %q", want)
		if s := suggest(args); s != "" {
			msg += "; did you mean " + s + "?"
		}
		return errors.New(msg)
	}
	return nil
}

func runStatus(ctx context.Context, b Backend, o *output, _ []string) error {
	st, err := b.Status(ctx)
	if err != nil {
		return err
	}
	var w strings.Builder
	if st.SetupCode != "" {
		fmt.Fprintf(&w, "setup     code %s: no administrator yet; type it on the web UI's first-run page\n", st.SetupCode)
	}
	fmt.Fprintf(&w, "version   %s\n", st.Version)
	fmt.Fprintf(&w, "queue     %d waiting, %d in a call\n", st.Waiting, st.InCall)
	fmt.Fprintf(&w, "balance   %s (%s available)\n", st.Balance, st.Available)
	fmt.Fprintf(&w, "disk      %s\n", st.Disk)
	fmt.Fprintf(&w, "modems    %d", len(st.Modems))
	for _, m := range st.Modems {
		fmt.Fprintf(&w, "\n  %s", modemLine(m))
	}
	if len(st.SIP) > 0 {
		plural := "s"
		if len(st.SIP) == 1 {
			plural = ""
		}
		fmt.Fprintf(&w, "\nsip       %d account%s", len(st.SIP), plural)
		for _, a := range st.SIP {
			fmt.Fprintf(&w, "\n  %s", a)
		}
	}
	w.WriteString("\nnetwork")
	if len(st.Network) == 0 {
		w.WriteString("   no interface")
	}
	for _, i := range st.Network {
		fmt.Fprintf(&w, "\n  %s", i)
	}
	return o.line(w.String())
}

func modemLine(m ModemStatus) string {
	s := fmt.Sprintf("%-10s %s", m.Name, m.State)
	if !m.Since.IsZero() {
		s += " since " + m.Since.UTC().Format(time.DateTime)
	}
	if m.Detail != "" {
		s += ": " + m.Detail
	}
	return s
}

func runModemList(ctx context.Context, b Backend, o *output, _ []string) error {
	st, err := b.Status(ctx)
	if err != nil {
		return err
	}
	if len(st.Modems) == 0 {
		return o.line("no modem")
	}
	for _, m := range st.Modems {
		if err := o.line(modemLine(m)); err != nil {
			return err
		}
	}
	for _, a := range st.SIP {
		if err := o.line("SIP account " + a.String()); err != nil {
			return err
		}
	}
	return nil
}

func runModemProbe(ctx context.Context, b Backend, o *output, args []string) error {
	if err := o.printf("probing %s...", args[0]); err != nil {
		return err
	}
	info, err := b.ProbeModem(ctx, args[0])
	if err != nil {
		return err
	}
	var w strings.Builder
	fmt.Fprintf(&w, "manufacturer  %s\n", info.Manufacturer)
	fmt.Fprintf(&w, "model         %s\n", info.Model)
	fmt.Fprintf(&w, "revision      %s\n", info.Revision)
	if info.ATI != "" {
		fmt.Fprintf(&w, "ATI           %s\n", info.ATI)
	}
	fmt.Fprintf(&w, "classes       %s\n", strings.Join(info.Classes, ", "))
	rates := make([]string, len(info.Rates))
	for i, r := range info.Rates {
		rates[i] = strconv.Itoa(r)
	}
	fmt.Fprintf(&w, "rates         %s bit/s\n", strings.Join(rates, ", "))
	mods := make([]string, len(info.Transmit))
	for i, m := range info.Transmit {
		mods[i] = m.String()
	}
	fmt.Fprintf(&w, "transmit      %s\n", strings.Join(mods, " "))
	if info.Quirks != "" {
		fmt.Fprintf(&w, "quirks        %s\n", info.Quirks)
	}
	return o.line(strings.TrimSuffix(w.String(), "\n"))
}

// count parses an optional line count argument.
func count(args []string, i, def int) (int, error) {
	if len(args) <= i {
		return def, nil
	}
	n, err := strconv.Atoi(args[i])
	if err != nil || n < 1 || n > maxListLines {
		return 0, fmt.Errorf("%q is not a number of lines (1 to %d)", args[i], maxListLines)
	}
	return n, nil
}

func runWireLog(ctx context.Context, b Backend, o *output, args []string) error {
	n, err := count(args, 1, defaultWireLines)
	if err != nil {
		return err
	}
	lines, err := b.WireLog(ctx, args[0], n)
	if err != nil {
		return err
	}
	return lineList(o, lines, "nothing exchanged yet")
}

// lineList writes lines, one by one so that Ctrl-C stops a long listing.
func lineList(o *output, lines []string, none string) error {
	if len(lines) == 0 {
		return o.line(none)
	}
	for _, l := range lines {
		if err := o.line(l); err != nil {
			return err
		}
	}
	return nil
}

func runLineCheck(ctx context.Context, b Backend, o *output, args []string) error {
	number := strings.Join(args[1:], "")
	msg := "checking the line of " + args[0] + " for dial tone"
	if number != "" {
		msg += ", then calling " + number
	}
	if err := o.line(msg + "... (Ctrl-C hangs up)"); err != nil {
		return err
	}
	r, err := b.LineCheck(ctx, args[0], number)
	if err != nil {
		return err
	}
	var w strings.Builder
	tone := "none"
	if r.DialTone {
		tone = "present"
	}
	fmt.Fprintf(&w, "dial tone     %s", tone)
	if r.DialToneText != "" {
		fmt.Fprintf(&w, " (%s)", r.DialToneText)
	}
	if r.Number != "" {
		c := r.Call
		fmt.Fprintf(&w, "\ntest call     %s\nresult        %s: %s", r.Number, c.Reason, c.Text)
		fmt.Fprintf(&w, "\nremote        %s", c.RemoteIdent)
		fmt.Fprintf(&w, "\nrate          %d bit/s, ECM %v, %v, %v", c.BitRate, c.ECM, c.Coding, c.Resolution)
		fmt.Fprintf(&w, "\npages         %d confirmed", c.Pages)
		fmt.Fprintf(&w, "\nconnected     %s", c.Connected.Round(time.Second))
		if c.Err != nil {
			fmt.Fprintf(&w, "\ndetail        %v", c.Err)
		}
	}
	return o.line(w.String())
}

func runNetwork(_ context.Context, b Backend, o *output, _ []string) error {
	ifs, err := b.Network()
	if err != nil {
		return err
	}
	lines := make([]string, len(ifs))
	for i, nif := range ifs {
		lines[i] = nif.String()
	}
	return lineList(o, lines, "no network interface")
}

func runWeb(_ context.Context, b Backend, o *output, _ []string) error {
	return lineList(o, b.WebAddresses(), "the web UI is not configured")
}

func runResetPassword(ctx context.Context, b Backend, o *output, _ []string) error {
	pw, err := b.ResetAdminPassword(ctx)
	if err != nil {
		return err
	}
	return o.printf("New one-time password of the administrator: %s\nIt is shown only now; a new password must be chosen at the next login.", pw)
}

func runRedeem(ctx context.Context, b Backend, o *output, args []string) error {
	msg, err := b.RedeemVoucher(ctx, strings.Join(args, ""))
	if err != nil {
		return err
	}
	return o.line(msg)
}

func runLog(_ context.Context, b Backend, o *output, args []string, errorsOnly bool) error {
	n, err := count(args, 0, defaultLogLines)
	if err != nil {
		return err
	}
	none := "nothing logged yet"
	if errorsOnly {
		none = "no recent warning or error"
	}
	return lineList(o, b.Log(n, errorsOnly), none)
}

func runTest(ctx context.Context, o *output, what string, test func(context.Context) error) error {
	if err := o.line(what + "..."); err != nil {
		return err
	}
	if err := test(ctx); err != nil {
		return err
	}
	return o.line(what + " done.")
}
