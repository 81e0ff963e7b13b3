//go:build spandsp

package spandsp

/*
#cgo LDFLAGS: -lspandsp -ltiff -lm
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
// The private structures are used only to reach the logging contexts of the
// modem's parts (AT interpreter, modulators) for Options.LogLevel.
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

// Implemented in Go (export.go).
extern int faxboxGoAtTx(uintptr_t h, uint8_t *buf, int len);
extern int faxboxGoModemControl(uintptr_t h, int op, intptr_t arg, char *num);
extern void faxboxGoPhaseB(uintptr_t h, int result);
extern void faxboxGoPhaseD(uintptr_t h, int result);
extern void faxboxGoPhaseE(uintptr_t h, int code);
extern void faxboxGoFrame(uintptr_t h, int incoming, uint8_t *msg, int len);
extern void faxboxGoLog(int level, char *text);

static int faxbox_at_tx(at_state_t *s, void *user_data, const uint8_t *buf, size_t len)
{
	return faxboxGoAtTx((uintptr_t) user_data, (uint8_t *) buf, (int) len);
}

static int faxbox_modem_control(t31_state_t *s, void *user_data, int op, const char *num)
{
	// num is a dial string for CALL and SETID, and a small integer smuggled
	// through the pointer for the V.24 circuits (CTS, RNG, ...).
	char *str = NULL;
	if (op == AT_MODEM_CONTROL_CALL  ||  op == AT_MODEM_CONTROL_SETID)
		str = (char *) num;
	return faxboxGoModemControl((uintptr_t) user_data, op, (intptr_t) num, str);
}

static int faxbox_phase_b(t30_state_t *s, void *user_data, int result)
{
	faxboxGoPhaseB((uintptr_t) user_data, result);
	return T30_ERR_OK;
}

static int faxbox_phase_d(t30_state_t *s, void *user_data, int result)
{
	faxboxGoPhaseD((uintptr_t) user_data, result);
	return T30_ERR_OK;
}

static void faxbox_phase_e(t30_state_t *s, void *user_data, int code)
{
	faxboxGoPhaseE((uintptr_t) user_data, code);
}

static void faxbox_frame(t30_state_t *s, void *user_data, int direction, const uint8_t msg[], int len)
{
	faxboxGoFrame((uintptr_t) user_data, direction, (uint8_t *) msg, len);
}

static void faxbox_log(int level, const char *text)
{
	faxboxGoLog(level, (char *) text);
}

static void faxbox_log_setup(logging_state_t *ls, int level, const char *tag)
{
	if (ls == NULL)
		return;
	if (level <= 0)
	{
		span_log_set_level(ls, SPAN_LOG_NONE);
		return;
	}
	span_log_set_level(ls, level | SPAN_LOG_SHOW_TAG);
	span_log_set_tag(ls, tag);
	span_log_set_message_handler(ls, faxbox_log);
}

static t31_state_t *faxbox_t31_new(uintptr_t h, int level, const char *tag)
{
	t31_state_t *t = t31_init(NULL, faxbox_at_tx, (void *) h, faxbox_modem_control, (void *) h, NULL, NULL);
	if (t == NULL)
		return NULL;
	t31_set_transmit_on_idle(t, 1);
	faxbox_log_setup(t31_get_logging_state(t), level, tag);
	faxbox_log_setup(&t->at_state.logging, level, tag);
	faxbox_log_setup(&t->audio.modems.logging, level, tag);
	faxbox_log_setup(&t->audio.modems.fast_modems.v17_rx.logging, level, tag);
	faxbox_log_setup(&t->audio.modems.fast_modems.v29_rx.logging, level, tag);
	return t;
}

static fax_state_t *faxbox_fax_new(uintptr_t h, int calling, int level, const char *tag)
{
	fax_state_t *f = fax_init(NULL, calling);
	if (f == NULL)
		return NULL;
	fax_set_transmit_on_idle(f, 1);
	t30_state_t *t = fax_get_t30_state(f);
	t30_set_phase_b_handler(t, faxbox_phase_b, (void *) h);
	t30_set_phase_d_handler(t, faxbox_phase_d, (void *) h);
	t30_set_phase_e_handler(t, faxbox_phase_e, (void *) h);
	t30_set_real_time_frame_handler(t, faxbox_frame, (void *) h);
	faxbox_log_setup(fax_get_logging_state(f), level, tag);
	faxbox_log_setup(t30_get_logging_state(t), level, tag);
	return f;
}

// faxbox_mix adds white noise to a block, saturating.
static void faxbox_mix(awgn_state_t *a, int16_t *amp, int n)
{
	for (int i = 0;  i < n;  i++)
	{
		int v = amp[i] + awgn(a);
		if (v > 32767)
			v = 32767;
		else if (v < -32768)
			v = -32768;
		amp[i] = (int16_t) v;
	}
}
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// Spandsp's AT_MODEM_CONTROL_* operations (at_interpreter.h).
const (
	opCall    = C.AT_MODEM_CONTROL_CALL
	opAnswer  = C.AT_MODEM_CONTROL_ANSWER
	opHangup  = C.AT_MODEM_CONTROL_HANGUP
	opOffHook = C.AT_MODEM_CONTROL_OFFHOOK
	opOnHook  = C.AT_MODEM_CONTROL_ONHOOK
	opCTS     = C.AT_MODEM_CONTROL_CTS
)

// Spandsp's AT_CALL_EVENT_* events (at_interpreter.h).
const (
	evAlerting  = C.AT_CALL_EVENT_ALERTING
	evConnected = C.AT_CALL_EVENT_CONNECTED
	evAnswered  = C.AT_CALL_EVENT_ANSWERED
	evBusy      = C.AT_CALL_EVENT_BUSY
	evNoAnswer  = C.AT_CALL_EVENT_NO_ANSWER
	evHangup    = C.AT_CALL_EVENT_HANGUP
)

// nominalDBm0 is the transmit level of spandsp's fax modems (V.21, V.27ter,
// V.29 and V.17 all default to -14 dBm0), the reference for Options.SNR.
const nominalDBm0 = -14.0

// t31 wraps a spandsp T.31 modem. Its methods must be called from the line's
// goroutine only.
type t31 struct {
	s   *C.t31_state_t
	tag *C.char
}

func newT31(h cgo.Handle, level int, tag string) *t31 {
	m := &t31{tag: C.CString(tag)}
	m.s = C.faxbox_t31_new(C.uintptr_t(h), C.int(level), m.tag)
	if m.s == nil {
		C.free(unsafe.Pointer(m.tag))
		return nil
	}
	return m
}

func (m *t31) atRx(b []byte) {
	if len(b) == 0 {
		return
	}
	C.t31_at_rx(m.s, (*C.char)(unsafe.Pointer(&b[0])), C.int(len(b)))
}

func (m *t31) tx(amp []int16) int {
	return int(C.t31_tx(m.s, (*C.int16_t)(unsafe.Pointer(&amp[0])), C.int(len(amp))))
}

func (m *t31) rx(amp []int16) {
	C.t31_rx(m.s, (*C.int16_t)(unsafe.Pointer(&amp[0])), C.int(len(amp)))
}

func (m *t31) callEvent(ev int) { C.t31_call_event(m.s, C.int(ev)) }

func (m *t31) free() {
	if m.s != nil {
		C.t31_free(m.s)
		m.s = nil
	}
	C.free(unsafe.Pointer(m.tag))
}

// terminal wraps a spandsp fax terminal (fax.h, T.30 over audio).
type terminal struct {
	s   *C.fax_state_t
	t30 *C.t30_state_t
	tag *C.char
}

func newTerminal(h cgo.Handle, calling bool, level int, tag string) *terminal {
	f := &terminal{tag: C.CString(tag)}
	c := C.int(0)
	if calling {
		c = 1
	}
	f.s = C.faxbox_fax_new(C.uintptr_t(h), c, C.int(level), f.tag)
	if f.s == nil {
		C.free(unsafe.Pointer(f.tag))
		return nil
	}
	f.t30 = C.fax_get_t30_state(f.s)
	return f
}

func (f *terminal) configure(cfg *FaxConfig) {
	ident := C.CString(cfg.Ident)
	defer C.free(unsafe.Pointer(ident))
	C.t30_set_tx_ident(f.t30, ident)
	file := C.CString(cfg.File)
	defer C.free(unsafe.Pointer(file))
	if cfg.Role == Send {
		C.t30_set_tx_file(f.t30, file, -1, -1)
	} else {
		C.t30_set_rx_file(f.t30, file, -1)
	}
	ecm := C.int(0)
	if cfg.ECM {
		ecm = 1
	}
	C.t30_set_ecm_capability(f.t30, ecm)
	if cfg.Compressions != 0 {
		var c C.int
		if cfg.Compressions&MH != 0 {
			c |= C.T30_SUPPORT_T4_1D_COMPRESSION
		}
		if cfg.Compressions&MR != 0 {
			c |= C.T30_SUPPORT_T4_2D_COMPRESSION
		}
		if cfg.Compressions&MMR != 0 {
			c |= C.T30_SUPPORT_T6_COMPRESSION
		}
		C.t30_set_supported_compressions(f.t30, c)
	}
	if cfg.Modems != 0 {
		var m C.int
		if cfg.Modems&V27ter != 0 {
			m |= C.T30_SUPPORT_V27TER
		}
		if cfg.Modems&V29 != 0 {
			m |= C.T30_SUPPORT_V29
		}
		if cfg.Modems&V17 != 0 {
			m |= C.T30_SUPPORT_V17
		}
		C.t30_set_supported_modems(f.t30, m)
	}
}

func (f *terminal) tx(amp []int16) int {
	return int(C.fax_tx(f.s, (*C.int16_t)(unsafe.Pointer(&amp[0])), C.int(len(amp))))
}

func (f *terminal) rx(amp []int16) {
	C.fax_rx(f.s, (*C.int16_t)(unsafe.Pointer(&amp[0])), C.int(len(amp)))
}

// terminate ends the terminal's call as a dropped line does.
func (f *terminal) terminate() { C.t30_terminate(f.t30) }

type stats struct {
	bitRate, ecm, pagesTx, pagesRx, encoding int
}

func (f *terminal) stats() stats {
	var st C.t30_stats_t
	C.t30_get_transfer_statistics(f.t30, &st)
	return stats{
		bitRate:  int(st.bit_rate),
		ecm:      int(st.error_correcting_mode),
		pagesTx:  int(st.pages_tx),
		pagesRx:  int(st.pages_rx),
		encoding: int(st.encoding),
	}
}

func (f *terminal) remoteIdent() string { return C.GoString(C.t30_get_rx_ident(f.t30)) }

func (f *terminal) free() {
	if f.s != nil {
		C.fax_free(f.s)
		f.s = nil
	}
	C.free(unsafe.Pointer(f.tag))
}

// noise is a white noise source (awgn.h).
type noise struct{ s *C.awgn_state_t }

func newNoise(seed int, dBm0 float64) *noise {
	return &noise{s: C.awgn_init_dbm0(nil, C.int(seed), C.float(dBm0))}
}

func (n *noise) mix(amp []int16) {
	C.faxbox_mix(n.s, (*C.int16_t)(unsafe.Pointer(&amp[0])), C.int(len(amp)))
}

func (n *noise) free() { C.awgn_free(n.s) }

// codeText is spandsp's description of a T.30 completion code.
func codeText(code int) string { return C.GoString(C.t30_completion_code_to_str(C.int(code))) }

// Spandsp's T4_COMPRESSION_* values as reported in t30_stats_t.encoding.
const (
	encT41D = C.T4_COMPRESSION_ITU_T4_1D
	encT42D = C.T4_COMPRESSION_ITU_T4_2D
	encT6   = C.T4_COMPRESSION_ITU_T6
)
