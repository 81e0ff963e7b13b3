package pages

import "strconv"

// code is one code word: its bits right-aligned in bits, len bits long.
type code struct {
	bits uint32
	len  uint8
}

func parseCode(s string) code {
	v, err := strconv.ParseUint(s, 2, 32)
	if err != nil {
		panic("pages: bad code table entry " + s)
	}
	return code{uint32(v), uint8(len(s))}
}

// runCodes is the encoder's table for one colour: terminating codes for
// 0..63 and make-up codes for 64..2560 in steps of 64 (index n/64-1).
type runCodes struct {
	term   [64]code
	makeup [40]code
	// run[n] is the whole code of a run of n < runTable pels: the make-up
	// code (if any) and the terminating code joined in one word, so that
	// the encoder writes most runs with a single put.
	run [runTable]code
}

// runTable bounds the runs coded with one combined code word: up to 2623
// pels take at most one make-up code (12 bits) and one terminating code (12
// bits).
const runTable = 2560 + 64

// Decoder lookup: a run code is at most 13 bits long, so a 13-bit peek
// indexes a table whose entries give the run length, the code's length
// and its kind. Prefixes of eight or more zeros have no run code and are
// left as kindNone: they are fill bits, an EOL or an error.
const runPeekBits = 13

const (
	kindNone uint8 = iota
	kindTerm
	kindMakeup
)

type runEntry struct {
	run  uint16
	len  uint8
	kind uint8
}

// Two-dimensional modes as decoded.
const (
	modeNone uint8 = iota
	modePass
	modeHorizontal
	modeV // vertical; the offset is in the entry
	modeExtension
)

const modePeekBits = 7

type modeEntry struct {
	mode uint8
	len  uint8
	off  int8 // a1 - b1 for vertical modes
}

// The tables below are built once from codes.go and never written again.
var (
	whiteCodes, blackCodes runCodes
	whiteDecode            [1 << runPeekBits]runEntry
	blackDecode            [1 << runPeekBits]runEntry
	modeDecode             [1 << modePeekBits]modeEntry
	eol                    = parseCode(eolCode)
	// The 2-D mode codes used by the encoder, vertical ones indexed by
	// a1-b1+3.
	passCode, horizCode code
	vertCodes           [7]code
)

func init() {
	build := func(rc *runCodes, dec *[1 << runPeekBits]runEntry, term []string, makeup []string) {
		add := func(s string, run int, kind uint8) {
			c := parseCode(s)
			shift := runPeekBits - c.len
			for i := 0; i < 1<<shift; i++ {
				dec[int(c.bits)<<shift|i] = runEntry{uint16(run), c.len, kind}
			}
		}
		for n, s := range term {
			rc.term[n] = parseCode(s)
			add(s, n, kindTerm)
		}
		for i, s := range makeup {
			rc.makeup[i] = parseCode(s)
			add(s, 64*(i+1), kindMakeup)
		}
		for i, s := range extMakeup {
			rc.makeup[27+i] = parseCode(s)
			add(s, 1792+64*i, kindMakeup)
		}
	}
	build(&whiteCodes, &whiteDecode, whiteTerm[:], whiteMakeup[:])
	build(&blackCodes, &blackDecode, blackTerm[:], blackMakeup[:])
	for _, rc := range []*runCodes{&whiteCodes, &blackCodes} {
		for n := range rc.run {
			t := rc.term[n%64]
			if n < 64 {
				rc.run[n] = t
				continue
			}
			m := rc.makeup[n/64-1]
			rc.run[n] = code{m.bits<<t.len | t.bits, m.len + t.len}
		}
	}

	passCode, horizCode = parseCode(codePass), parseCode(codeHorizontal)
	for i, s := range []string{codeVL3, codeVL2, codeVL1, codeV0, codeVR1, codeVR2, codeVR3} {
		vertCodes[i] = parseCode(s)
	}
	addMode := func(s string, e modeEntry) {
		c := parseCode(s)
		e.len = c.len
		shift := modePeekBits - c.len
		for i := 0; i < 1<<shift; i++ {
			modeDecode[int(c.bits)<<shift|i] = e
		}
	}
	addMode(codePass, modeEntry{mode: modePass})
	addMode(codeHorizontal, modeEntry{mode: modeHorizontal})
	for i, c := range vertCodes {
		e := modeEntry{mode: modeV, off: int8(i - 3)}
		e.len = c.len
		shift := modePeekBits - c.len
		for j := 0; j < 1<<shift; j++ {
			modeDecode[int(c.bits)<<shift|j] = e
		}
	}
	addMode(codeExtension, modeEntry{mode: modeExtension})
}

// reverse[b] is b with its bit order reversed, for LSB-first data.
var reverse = func() (t [256]byte) {
	for i := range t {
		b := byte(i)
		var r byte
		for j := 0; j < 8; j++ {
			r = r<<1 | b&1
			b >>= 1
		}
		t[i] = r
	}
	return t
}()
