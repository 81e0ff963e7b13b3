package sim

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"faxbox/modem"
)

// mstate is what the simulated modem is doing (T.31 command and data
// states).
type mstate uint8

const (
	sCmd        mstate = iota // command state
	sDialing                  // ATD: dial tone, digits, ringing the far end
	sWaitFlags                // answered after ATD: waiting for V.21 flags
	sAnswering                // ATA: sending CED
	sTxHDLC                   // +FTH / ATA CONNECT: taking a frame from the DTE
	sTxFrame                  // a frame is on the line
	sTxData                   // +FTM CONNECT: sending high-speed data
	sRxHDLCWait               // +FRH: waiting for a V.21 carrier
	sRxHDLC                   // +FRH CONNECT: waiting for a frame
	sRxDataWait               // +FRM: waiting for the carrier and its training
	sRxData                   // +FRM CONNECT: passing data on
	sSilence                  // +FTS
	sWaitQuiet                // +FRS
)

// callState is the telephone side of the modem.
type callState uint8

const (
	onHook callState = iota
	dialing
	ringing
	connected
	offHook // ATA with nothing ringing: off hook, talking to nobody
)

// core is the simulated modem's state, owned by one goroutine (run): DTE
// input, line events, timers and test controls all arrive at its select.
type core struct {
	m   *Modem
	l   *Line
	in  <-chan []byte
	out io.Writer

	st     mstate
	call   callState
	echo   bool
	quiet  bool
	frozen bool
	cid    bool
	fclass string
	cmd    []byte // command line being typed

	timer   *time.Timer
	timerOn bool
	ringT   *time.Timer
	ringOn  bool
	ringN   int
	cidDue  bool
	dialed  bool
	// dialledDigits is what the last ATD dialled.
	dialledDigits string
	// dialStay: the dial string ended in ';' (V.250 6.3.1.7): after the
	// dial tone, stay off hook in command state with OK.
	dialStay bool
	caller   event // the evDial of the incoming call

	// transmitter
	txMod     int
	txBuf     []byte // data or frame taken from the DTE
	txEnd     bool   // <DLE><ETX> seen
	txDLE     bool   // a DLE from the DTE awaits the next byte
	txReady   time.Time
	txFinal   bool
	txTrained bool
	underruns int

	// receiver
	rxMod     int // carrier on the line, 0 for none
	rxTrained bool
	rxWant    int
	rxFrames  [][]byte // frames (with FCS) received outside +FRH
	rxData    []byte   // data received outside +FRM, after training
	quietFor  time.Duration
}

func newCore(m *Modem, in <-chan []byte, out io.Writer) *core {
	k := &core{m: m, l: m.line, in: in, out: out, echo: true, fclass: "0",
		timer: time.NewTimer(time.Hour), ringT: time.NewTimer(time.Hour)}
	k.timer.Stop()
	k.ringT.Stop()
	return k
}

func (k *core) run() {
	defer close(k.m.dead)
	for {
		var in <-chan []byte
		if k.st != sTxFrame && (k.st != sTxData || len(k.txBuf) < k.m.cfg.TxBuffer && !k.txEnd) {
			in = k.in
		}
		var tc, rc <-chan time.Time
		if k.timerOn {
			tc = k.timer.C
		}
		if k.ringOn {
			rc = k.ringT.C
		}
		select {
		case b, ok := <-in:
			if !ok {
				k.hangup()
				return
			}
			if !k.frozen {
				k.input(b)
			}
		case ev := <-k.m.rx:
			k.event(ev)
		case <-tc:
			k.timerOn = false
			k.fire()
		case <-rc:
			k.ringOn = false
			k.ringFire()
		case f := <-k.m.ctl:
			f(k)
		case <-k.m.quit:
			return
		}
	}
}

func (k *core) after(d time.Duration) {
	k.timer.Reset(k.l.dur(d))
	k.timerOn = true
}

func (k *core) cancel() {
	k.timer.Stop()
	k.timerOn = false
}

func (k *core) send(ev event) { k.l.send(k.m.side, ev) }

func (k *core) write(p []byte) {
	if !k.frozen {
		_, _ = k.out.Write(p)
	}
}

// result sends a result code or information line in verbose form.
func (k *core) result(s string) {
	if !k.quiet {
		k.write([]byte("\r\n" + s + "\r\n"))
	}
}

// toCmd returns to command state with a final result.
func (k *core) toCmd(s string) {
	k.cancel()
	k.st = sCmd
	k.result(s)
}

// input handles bytes from the DTE.
func (k *core) input(b []byte) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch k.st {
		case sCmd:
			if k.echo {
				k.write(b[i : i+1])
			}
			switch c {
			case '\r':
				line := string(k.cmd)
				k.cmd = k.cmd[:0]
				k.exec(line)
			case '\n':
			case 8, 0x7f:
				if len(k.cmd) > 0 {
					k.cmd = k.cmd[:len(k.cmd)-1]
				}
			default:
				if len(k.cmd) < 256 {
					k.cmd = append(k.cmd, c)
				}
			}
		case sTxHDLC, sTxData:
			if !k.unstuff(c) {
				continue
			}
			if k.st == sTxHDLC {
				k.frameDone()
			} else {
				k.txEnd = true
			}
			return // the DTE waits for the result: nothing else is due
		case sTxFrame:
			return
		default:
			if c == '\n' {
				continue
			}
			k.abort()
			return
		}
	}
}

// unstuff takes one byte of DTE data (T.31 8.3.2) and reports <DLE><ETX>.
func (k *core) unstuff(c byte) bool {
	if !k.txDLE {
		if c == dle {
			k.txDLE = true
		} else {
			k.txBuf = append(k.txBuf, c)
		}
		return false
	}
	k.txDLE = false
	switch c {
	case dle:
		k.txBuf = append(k.txBuf, dle)
	case sub:
		k.txBuf = append(k.txBuf, dle, dle)
	case etx:
		return true
	}
	return false
}

// abort handles a DTE byte that interrupts a command in progress.
func (k *core) abort() {
	switch k.st {
	case sDialing, sWaitFlags, sAnswering:
		k.hangup()
		k.toCmd("NO CARRIER")
	case sRxHDLC, sRxData:
		k.write([]byte{dle, etx})
		k.toCmd("OK")
	default:
		k.toCmd("OK")
	}
}

// hangup goes on-hook, telling the far end.
func (k *core) hangup() {
	if k.call != onHook && k.call != offHook {
		k.send(event{kind: evHangup})
	}
	if k.txMod != 0 {
		k.send(event{kind: evCarrier})
		k.txMod = 0
	}
	k.call = onHook
	k.ringT.Stop()
	k.ringOn = false
	k.rxMod, k.rxTrained = 0, false
	k.clearRx()
}

func (k *core) dtrDrop() {
	k.hangup()
	k.cancel()
	k.st = sCmd
}

func (k *core) clearRx() {
	k.rxFrames = k.rxFrames[:0]
	k.rxData = k.rxData[:0]
}

// exec runs one command line.
func (k *core) exec(line string) {
	s := strings.ToUpper(strings.TrimSpace(line))
	if !strings.HasPrefix(s, "AT") {
		return // not a command: modems ignore it
	}
	s = s[2:]
	var info []string
	for len(s) > 0 {
		c := s[0]
		s = s[1:]
		var ok, action bool
		var out []string
		switch c {
		case ' ', ';':
			continue
		case '+':
			n := strings.IndexAny(s, "=?;")
			if n < 0 {
				n = len(s)
			}
			name := s[:n]
			e := strings.IndexByte(s, ';')
			if e < 0 {
				e = len(s)
			}
			arg := s[n:e]
			s = s[e:]
			out, ok, action = k.ext(name, arg)
		case 'D':
			k.dial(s)
			return
		case '&':
			if len(s) == 0 {
				break
			}
			s = s[1:]
			_, s = num(s)
			ok = true
		case 'S':
			_, s = num(s)
			if strings.HasPrefix(s, "=") {
				_, s = num(s[1:])
			} else if strings.HasPrefix(s, "?") {
				s = s[1:]
				out = []string{"000"}
			}
			ok = true
		default:
			var n int
			n, s = num(s)
			out, ok, action = k.basic(c, n)
		}
		info = append(info, out...)
		if !ok {
			k.result("ERROR")
			return
		}
		if action {
			for _, l := range info {
				k.result(l)
			}
			return
		}
	}
	for _, l := range info {
		k.result(l)
	}
	k.result("OK")
}

// num reads a decimal number (0 when absent).
func num(s string) (int, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}

// basic runs a V.250 basic command.
func (k *core) basic(c byte, n int) (info []string, ok, action bool) {
	switch c {
	case 'E':
		k.echo = n != 0
	case 'V', 'L', 'M', 'X':
	case 'Q':
		k.quiet = n != 0
	case 'Z':
		k.hangup()
		k.echo, k.quiet, k.cid, k.fclass = true, false, false, "0"
	case 'H':
		k.hangup()
	case 'I':
		switch n {
		case 0:
			return []string{"FAXBOX-SIM"}, true, false
		case 3:
			return []string{k.m.cfg.Model + " " + k.m.cfg.Revision}, true, false
		default:
			return []string{k.m.cfg.Manufacturer}, true, false
		}
	case 'A':
		k.answer()
		return nil, true, true
	default:
		return nil, false, false
	}
	return nil, true, false
}

func (k *core) class1() bool { return k.fclass == "1" || k.fclass == "1.0" }

// ext runs a V.250 extended command (+NAME followed by =?, ?, =value).
func (k *core) ext(name, arg string) (info []string, ok, action bool) {
	mods := func() []string {
		s := make([]string, len(k.m.cfg.Modulations))
		for i, m := range k.m.cfg.Modulations {
			s[i] = strconv.Itoa(m)
		}
		return []string{strings.Join(s, ",")}
	}
	val, err := strconv.Atoi(strings.TrimPrefix(arg, "="))
	isSet := strings.HasPrefix(arg, "=") && arg != "=?" && err == nil
	switch name {
	case "FCLASS":
		switch {
		case arg == "=?":
			return []string{k.m.cfg.Classes}, true, false
		case arg == "?":
			return []string{k.fclass}, true, false
		case strings.HasPrefix(arg, "="):
			v := arg[1:]
			if !slices.Contains(strings.Split(k.m.cfg.Classes, ","), v) {
				return nil, false, false
			}
			k.fclass = v
			return nil, true, false
		}
	case "FMI", "GMI", "FMM", "GMM", "FMR", "GMR":
		if arg != "?" && arg != "" || k.m.cfg.NoIdentity {
			return nil, false, false
		}
		switch name[2] {
		case 'I':
			return []string{k.m.cfg.Manufacturer}, true, false
		case 'M':
			return []string{k.m.cfg.Model}, true, false
		default:
			return []string{k.m.cfg.Revision}, true, false
		}
	case "VCID":
		switch {
		case arg == "=?":
			return []string{"(0-2)"}, true, false
		case arg == "?":
			return []string{map[bool]string{false: "0", true: "1"}[k.cid]}, true, false
		case isSet && val <= 2:
			k.cid = val != 0
			return nil, true, false
		}
	case "FTM", "FRM", "FTH", "FRH", "FTS", "FRS":
		if !k.class1() {
			return nil, false, false
		}
		if arg == "=?" {
			switch name {
			case "FTM", "FRM":
				return mods(), true, false
			case "FTH", "FRH":
				return []string{"3"}, true, false
			default:
				return []string{"0-255"}, true, false
			}
		}
		if !isSet || val < 0 || val > 255 {
			return nil, false, false
		}
		switch name {
		case "FTH", "FRH":
			if val != 3 {
				return nil, false, false
			}
		case "FTM", "FRM":
			if !slices.Contains(k.m.cfg.Modulations, val) {
				return nil, false, false
			}
		}
		k.class1Action(name, val)
		return nil, true, true
	case "FAR", "FCL", "FIT", "FDD":
		if k.class1() {
			return nil, true, false
		}
	}
	return nil, false, false
}

// class1Action starts +FTH, +FRH, +FTM, +FRM, +FTS or +FRS. On hook (no
// call, or after the far end hung up) a modem has no line to act on and
// answers ERROR, as spandsp's T.31 modem and real modems do.
func (k *core) class1Action(name string, val int) {
	if k.call == onHook {
		k.result("ERROR")
		return
	}
	switch name {
	case "FTH":
		k.startHDLC()
	case "FRH":
		switch {
		case len(k.rxFrames) > 0:
			k.result("CONNECT")
			f := k.rxFrames[0]
			k.rxFrames = slices.Delete(k.rxFrames, 0, 1)
			k.deliverFrame(f)
		case k.rxMod == 3:
			k.result("CONNECT")
			k.st = sRxHDLC
		case k.rxMod != 0:
			k.result("+FCERROR")
		case k.call != connected:
			k.result("NO CARRIER")
		default:
			k.st = sRxHDLCWait
		}
	case "FTM":
		k.clearRx()
		k.txMod = val
		k.send(event{kind: evCarrier, on: true, mod: val})
		k.txBuf, k.txEnd, k.txDLE = k.txBuf[:0], false, false
		k.result("CONNECT")
		k.st = sTxData
		k.txTrained = false
		k.after(training(val))
	case "FRM":
		k.rxWant = val
		switch {
		case k.rxMod != 0 && !sameCarrier(val, k.rxMod):
			k.result("+FCERROR")
		case k.rxMod != 0 && k.rxTrained:
			k.result("CONNECT")
			k.write(stuff(nil, k.rxData))
			k.rxData = k.rxData[:0]
			k.st = sRxData
		case k.rxMod == 0 && k.call != connected:
			k.result("NO CARRIER")
		default:
			k.st = sRxDataWait
		}
	case "FTS":
		k.st = sSilence
		k.after(time.Duration(val) * 10 * time.Millisecond)
	case "FRS":
		k.st = sWaitQuiet
		k.quietFor = time.Duration(val) * 10 * time.Millisecond
		if k.rxMod == 0 {
			k.after(k.quietFor)
		}
	}
}

// startHDLC turns on the V.21 carrier and asks the DTE for a frame.
func (k *core) startHDLC() {
	k.clearRx()
	k.txMod = 3
	k.send(event{kind: evCarrier, on: true, mod: 3})
	k.txReady = time.Now().Add(k.l.dur(preamble))
	k.txBuf, k.txDLE = k.txBuf[:0], false
	k.result("CONNECT")
	k.st = sTxHDLC
	k.after(dteTimeout)
}

// frameDone puts the frame the DTE ended with <DLE><ETX> on the line.
func (k *core) frameDone() {
	if len(k.txBuf) == 0 {
		// An empty frame ends the transmission.
		k.send(event{kind: evCarrier})
		k.txMod = 0
		k.toCmd("OK")
		return
	}
	k.txFinal = len(k.txBuf) >= 2 && k.txBuf[1]&0x10 != 0
	fcs := modem.FCS(k.txBuf)
	k.txBuf = append(k.txBuf, byte(fcs), byte(fcs>>8))
	now := time.Now()
	start := k.txReady
	if start.Before(now) {
		start = now
	}
	k.st = sTxFrame
	k.cancel()
	// Frame, FCS and a closing flag at 300 bit/s (bit stuffing ignored).
	k.timer.Reset(start.Sub(now) + k.l.dur(bitTime(len(k.txBuf)+1, 300)))
	k.timerOn = true
}

// deliverFrame passes a received frame (with FCS) to the DTE, then OK for
// a good FCS and ERROR for a bad one (T.31 8.3.5).
func (k *core) deliverFrame(f []byte) {
	k.write(append(stuff(nil, f), dle, etx))
	n := len(f) - 2
	if modem.FCS(f[:n]) == uint16(f[n])|uint16(f[n+1])<<8 {
		k.toCmd("OK")
	} else {
		k.toCmd("ERROR")
	}
}

// dial starts ATD.
func (k *core) dial(s string) {
	k.hangup()
	k.call = dialing
	k.st = sDialing
	k.dialed = false
	k.dialledDigits = digits(s)
	k.dialStay = strings.HasSuffix(strings.TrimSpace(s), ";")
	k.after(dialTime)
}

// digits keeps what a dial string dials: digits, *, # and + (the
// modifiers T, P, W, comma, ! and ; go).
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= '0' && r <= '9') || r == '*' || r == '#' || r == '+' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// answer starts ATA.
func (k *core) answer() {
	if k.call != ringing {
		// Nothing rings: go off hook and answer anyway (CED, then V.21
		// flags and CONNECT), as modems do, for a call that a person
		// picked up; the tones go nowhere.
		k.call = offHook
		k.st = sAnswering
		k.after(cedTime + cedPause)
		return
	}
	k.ringT.Stop()
	k.ringOn = false
	k.call = connected
	k.send(event{kind: evAnswer})
	k.st = sAnswering
	k.after(cedTime + cedPause)
}

// fire handles the operation timer.
func (k *core) fire() {
	switch k.st {
	case sDialing:
		switch {
		case k.l.cfg.NoDialTone:
			k.call = onHook
			k.toCmd("NO DIALTONE")
		case !k.dialed && k.dialStay:
			k.call = offHook
			k.toCmd("OK")
		case !k.dialed && k.l.cfg.Busy != nil && k.l.cfg.Busy(k.dialledDigits):
			k.call = onHook
			k.toCmd("BUSY")
		case !k.dialed:
			k.dialed = true
			k.send(event{kind: evDial, number: k.m.cfg.Number, name: k.m.cfg.Name})
			k.after(k.l.cfg.AnswerTimeout)
		default:
			k.hangup()
			k.toCmd("NO ANSWER")
		}
	case sWaitFlags:
		k.hangup()
		k.toCmd("NO CARRIER")
	case sAnswering:
		k.startHDLC()
	case sTxHDLC:
		// No frame from the DTE in time.
		k.send(event{kind: evCarrier})
		k.txMod = 0
		k.toCmd("ERROR")
	case sTxFrame:
		f := slices.Clone(k.txBuf)
		k.send(event{kind: evFrame, data: f, last: k.txFinal})
		if k.txFinal {
			k.txMod = 0
			k.toCmd("OK")
			return
		}
		k.txReady = time.Now()
		k.txBuf, k.txDLE = k.txBuf[:0], false
		k.result("CONNECT")
		k.st = sTxHDLC
		k.after(dteTimeout)
	case sTxData:
		k.txTick()
	case sSilence:
		k.toCmd("OK")
	case sWaitQuiet:
		k.toCmd("OK")
	}
}

// txTick sends one tick's worth of high-speed data.
func (k *core) txTick() {
	if !k.txTrained {
		k.txTrained = true
		k.send(event{kind: evTrained, mod: k.txMod})
	}
	n := min(len(k.txBuf), rate(k.txMod)/400) // bytes per 20 ms
	if n > 0 {
		k.send(event{kind: evData, data: slices.Clone(k.txBuf[:n])})
		k.txBuf = k.txBuf[:copy(k.txBuf, k.txBuf[n:])]
	} else if !k.txEnd {
		k.underruns++
	}
	if k.txEnd && len(k.txBuf) == 0 {
		k.send(event{kind: evCarrier})
		k.txMod = 0
		k.toCmd("OK")
		return
	}
	k.after(tick)
}

// ringFire rings the DTE and shows the caller ID after the first ring.
func (k *core) ringFire() {
	if k.call != ringing {
		return
	}
	next := ringPeriod
	if k.cidDue {
		k.cidDue = false
		if k.caller.number != "" || k.caller.name != "" {
			now := time.Now()
			k.result("DATE = " + now.Format("0102"))
			k.result("TIME = " + now.Format("1504"))
			if k.caller.number != "" {
				k.result("NMBR = " + k.caller.number)
			}
			if k.caller.name != "" {
				k.result("NAME = " + k.caller.name)
			}
		}
		next = ringPeriod - cidDelay
	} else {
		k.result("RING")
		k.ringN++
		if k.ringN == 1 && k.cid {
			k.cidDue = true
			next = cidDelay
		}
	}
	k.ringT.Reset(k.l.dur(next))
	k.ringOn = true
}

// event handles a signal from the line.
func (k *core) event(ev event) {
	switch ev.kind {
	case evDial:
		if k.call != onHook {
			k.send(event{kind: evBusy})
			return
		}
		k.call = ringing
		k.caller = ev
		k.ringN, k.cidDue = 0, false
		k.ringT.Reset(0)
		k.ringOn = true
	case evBusy:
		if k.st == sDialing {
			k.call = onHook
			k.toCmd("BUSY")
		}
	case evAnswer:
		if k.st == sDialing {
			k.call = connected
			k.st = sWaitFlags
			k.after(flagTimeout)
		}
	case evHangup:
		k.call = onHook
		k.ringT.Stop()
		k.ringOn = false
		k.rxMod, k.rxTrained = 0, false
		switch k.st {
		case sDialing, sWaitFlags, sAnswering, sRxHDLCWait, sRxDataWait:
			k.toCmd("NO CARRIER")
		case sRxHDLC, sRxData:
			k.write([]byte{dle, etx})
			k.toCmd("NO CARRIER")
		}
	case evCarrier:
		if ev.on {
			k.carrierOn(ev.mod)
		} else {
			k.carrierOff()
		}
	case evTrained:
		if ev.mod != k.rxMod {
			return
		}
		k.rxTrained = true
		if k.st == sRxDataWait && sameCarrier(k.rxWant, k.rxMod) {
			k.result("CONNECT")
			k.st = sRxData
		}
	case evFrame:
		if k.st == sRxHDLC {
			k.deliverFrame(ev.data)
		} else if len(k.rxFrames) < 16 {
			k.rxFrames = append(k.rxFrames, ev.data)
		}
		if ev.last {
			k.carrierOff()
		}
	case evData:
		switch {
		case k.st == sRxData:
			k.write(stuff(make([]byte, 0, len(ev.data)+8), ev.data))
		case k.rxTrained && len(k.rxData) < 1<<20:
			k.rxData = append(k.rxData, ev.data...)
		}
	}
}

func (k *core) carrierOn(mod int) {
	k.rxMod, k.rxTrained = mod, mod == 3
	k.rxData = k.rxData[:0]
	switch k.st {
	case sWaitFlags, sRxHDLCWait:
		if mod == 3 {
			k.cancel()
			k.result("CONNECT")
			k.st = sRxHDLC
		} else if k.st == sRxHDLCWait {
			k.toCmd("+FCERROR")
		}
	case sRxDataWait:
		if !sameCarrier(k.rxWant, mod) {
			k.toCmd("+FCERROR")
		}
	case sWaitQuiet:
		k.cancel()
	}
}

func (k *core) carrierOff() {
	k.rxMod, k.rxTrained = 0, false
	switch k.st {
	case sRxHDLC, sRxData:
		k.write([]byte{dle, etx})
		k.toCmd("NO CARRIER")
	case sWaitQuiet:
		k.after(k.quietFor)
	}
}
