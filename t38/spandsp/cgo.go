//go:build spandsp

package spandsp

/*
#cgo LDFLAGS: -lspandsp -ltiff -lm
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <spandsp.h>

// Implemented in Go (export.go).
extern int faxboxT38Tx(uintptr_t h, uint8_t *buf, int len, int count);
extern int faxboxT38Indicator(uintptr_t h, int ind);
extern int faxboxT38Data(uintptr_t h, int data_type, int field_type, uint8_t *buf, int len);
extern void faxboxT38PhaseE(uintptr_t h, int code);
extern void faxboxT38Log(int level, char *text);

static int faxbox_t38_tx(t38_core_state_t *s, void *u, const uint8_t *buf, int len, int count)
{
	return faxboxT38Tx((uintptr_t) u, (uint8_t *) buf, len, count);
}

static int faxbox_t38_ind(t38_core_state_t *s, void *u, int ind)
{
	return faxboxT38Indicator((uintptr_t) u, ind);
}

static int faxbox_t38_data(t38_core_state_t *s, void *u, int data_type, int field_type, const uint8_t *buf, int len)
{
	return faxboxT38Data((uintptr_t) u, data_type, field_type, (uint8_t *) buf, len);
}

static int faxbox_t38_missing(t38_core_state_t *s, void *u, int rx_seq_no, int expected)
{
	return 0;
}

static void faxbox_t38_phase_e(t30_state_t *s, void *u, int code)
{
	faxboxT38PhaseE((uintptr_t) u, code);
}

static void faxbox_t38_log(int level, const char *text)
{
	faxboxT38Log(level, (char *) text);
}

static void faxbox_t38_log_setup(logging_state_t *ls, int level)
{
	if (level <= 0)
	{
		span_log_set_level(ls, SPAN_LOG_NONE);
		return;
	}
	span_log_set_level(ls, level | SPAN_LOG_SHOW_TAG);
	span_log_set_message_handler(ls, faxbox_t38_log);
}

static t38_core_state_t *faxbox_core_new(uintptr_t h, int version)
{
	t38_core_state_t *s = t38_core_init(NULL, faxbox_t38_ind, faxbox_t38_data, faxbox_t38_missing, (void *) h, faxbox_t38_tx, (void *) h);
	if (s == NULL)
		return NULL;
	t38_set_t38_version(s, version);
	// Every packet is decoded on its own: no sequence checks.
	t38_set_sequence_number_handling(s, 0);
	return s;
}

static t38_terminal_state_t *faxbox_terminal_new(uintptr_t h, int calling, int version, int level)
{
	t38_terminal_state_t *t = t38_terminal_init(NULL, calling, faxbox_t38_tx, (void *) h);
	if (t == NULL)
		return NULL;
	t38_core_state_t *c = t38_terminal_get_t38_core_state(t);
	t38_set_t38_version(c, version);
	t30_state_t *s = t38_terminal_get_t30_state(t);
	t30_set_phase_e_handler(s, faxbox_t38_phase_e, (void *) h);
	faxbox_t38_log_setup(t38_terminal_get_logging_state(t), level);
	faxbox_t38_log_setup(t38_core_get_logging_state(c), level);
	faxbox_t38_log_setup(t30_get_logging_state(s), level);
	return t;
}

static int faxbox_send_data(t38_core_state_t *s, int data_type, int n, const int *types, const uint8_t *data, const int *lens)
{
	t38_data_field_t f[32];
	if (n > 32)
		return -1;
	for (int i = 0;  i < n;  i++)
	{
		f[i].field_type = types[i];
		f[i].field = data;
		f[i].field_len = lens[i];
		data += lens[i];
	}
	return t38_core_send_data_multi_field(s, data_type, f, n, T38_PACKET_CATEGORY_IMAGE_DATA);
}
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// coreState wraps a t38_core_state_t.
type coreState struct{ s *C.t38_core_state_t }

func newCoreState(h cgo.Handle, version int) *coreState {
	s := C.faxbox_core_new(C.uintptr_t(h), C.int(version))
	if s == nil {
		return nil
	}
	return &coreState{s: s}
}

func (c *coreState) indicator(ind int) int {
	return int(C.t38_core_send_indicator(c.s, C.int(ind)))
}

func (c *coreState) data(dataType int, types []int, data []byte, lens []int) int {
	if len(types) == 0 {
		return -1
	}
	ct := make([]C.int, len(types))
	cl := make([]C.int, len(types))
	for i := range types {
		ct[i], cl[i] = C.int(types[i]), C.int(lens[i])
	}
	cd := C.CBytes(append(data, 0))
	defer C.free(cd)
	return int(C.faxbox_send_data(c.s, C.int(dataType), C.int(len(types)), &ct[0], (*C.uint8_t)(cd), &cl[0]))
}

func (c *coreState) rx(b []byte, seq uint16) int {
	if len(b) == 0 {
		return -1
	}
	cb := C.CBytes(b)
	defer C.free(cb)
	return int(C.t38_core_rx_ifp_packet(c.s, (*C.uint8_t)(cb), C.int(len(b)), C.uint16_t(seq)))
}

func (c *coreState) free() { C.t38_core_free(c.s) }

// termState wraps a t38_terminal_state_t.
type termState struct {
	s    *C.t38_terminal_state_t
	t30  *C.t30_state_t
	core *C.t38_core_state_t
}

func newTermState(h cgo.Handle, calling bool, version, level int) *termState {
	cl := C.int(0)
	if calling {
		cl = 1
	}
	s := C.faxbox_terminal_new(C.uintptr_t(h), cl, C.int(version), C.int(level))
	if s == nil {
		return nil
	}
	return &termState{s: s, t30: C.t38_terminal_get_t30_state(s), core: C.t38_terminal_get_t38_core_state(s)}
}

func (t *termState) configure(send bool, file, ident string, ecm bool, modems, compressions, maxRate int) {
	cf := C.CString(file)
	defer C.free(unsafe.Pointer(cf))
	ci := C.CString(ident)
	defer C.free(unsafe.Pointer(ci))
	C.t30_set_tx_ident(t.t30, ci)
	if send {
		C.t30_set_tx_file(t.t30, cf, -1, -1)
	} else {
		C.t30_set_rx_file(t.t30, cf, -1)
	}
	e := C.int(0)
	if ecm {
		e = 1
	}
	C.t30_set_ecm_capability(t.t30, e)
	if modems != 0 {
		C.t30_set_supported_modems(t.t30, C.int(modems))
	}
	if compressions != 0 {
		C.t30_set_supported_compressions(t.t30, C.int(compressions))
	}
	if maxRate != 0 {
		C.t38_set_fastest_image_data_rate(t.core, C.int(maxRate))
	}
}

func (t *termState) timeout(samples int) int {
	return int(C.t38_terminal_send_timeout(t.s, C.int(samples)))
}

func (t *termState) rx(b []byte, seq uint16) {
	if len(b) == 0 {
		return
	}
	cb := C.CBytes(b)
	defer C.free(cb)
	C.t38_core_rx_ifp_packet(t.core, (*C.uint8_t)(cb), C.int(len(b)), C.uint16_t(seq))
}

type t30Stats struct {
	bitRate, pagesTx, pagesRx, ecm int
}

func (t *termState) stats() t30Stats {
	var st C.t30_stats_t
	C.t30_get_transfer_statistics(t.t30, &st)
	return t30Stats{bitRate: int(st.bit_rate), pagesTx: int(st.pages_tx), pagesRx: int(st.pages_rx), ecm: int(st.error_correcting_mode)}
}

func (t *termState) terminate() { C.t30_terminate(t.t30) }

func (t *termState) free() { C.t38_terminal_free(t.s) }

// Spandsp's T30_SUPPORT_* modem bits (t30.h).
const (
	supportV27ter = C.T30_SUPPORT_V27TER
	supportV29    = C.T30_SUPPORT_V29
	supportV17    = C.T30_SUPPORT_V17

	supportMH  = C.T30_SUPPORT_T4_1D_COMPRESSION
	supportMR  = C.T30_SUPPORT_T4_2D_COMPRESSION
	supportMMR = C.T30_SUPPORT_T6_COMPRESSION
)
