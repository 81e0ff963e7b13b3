//go:build spandsp

package gateway

/*
#cgo LDFLAGS: -lspandsp -ltiff -lm
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <spandsp.h>

// Implemented in Go (export.go). The names differ from those of package
// t38/spandsp so that both link into one test binary.
extern int faxboxGwTx(uintptr_t h, uint8_t *buf, int len, int count);
extern void faxboxGwPhaseE(uintptr_t h, int code);
extern void faxboxGwLog(int level, char *text);

static int faxbox_gw_tx(t38_core_state_t *s, void *u, const uint8_t *buf, int len, int count)
{
	return faxboxGwTx((uintptr_t) u, (uint8_t *) buf, len, count);
}

static void faxbox_gw_phase_e(t30_state_t *s, void *u, int code)
{
	faxboxGwPhaseE((uintptr_t) u, code);
}

static void faxbox_gw_log(int level, const char *text)
{
	faxboxGwLog(level, (char *) text);
}

static void faxbox_gw_log_setup(logging_state_t *ls, int level, const char *tag)
{
	if (level <= 0)
	{
		span_log_set_level(ls, SPAN_LOG_NONE);
		return;
	}
	span_log_set_level(ls, level | SPAN_LOG_SHOW_TAG);
	span_log_set_tag(ls, tag);
	span_log_set_message_handler(ls, faxbox_gw_log);
}

typedef struct
{
	t38_gateway_state_t *gw;
	fax_state_t *fax;
	t30_state_t *t30;
	t38_core_state_t *core;
} faxbox_gw_t;

static faxbox_gw_t *faxbox_gw_new(uintptr_t h, int calling, int version, int modems, int ecm, int level)
{
	faxbox_gw_t *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->gw = t38_gateway_init(NULL, faxbox_gw_tx, (void *) h);
	g->fax = fax_init(NULL, calling);
	if (g->gw == NULL  ||  g->fax == NULL)
		return NULL;
	g->core = t38_gateway_get_t38_core_state(g->gw);
	t38_set_t38_version(g->core, version);
	t38_gateway_set_transmit_on_idle(g->gw, 1);
	t38_gateway_set_supported_modems(g->gw, modems);
	t38_gateway_set_ecm_capability(g->gw, ecm);
	fax_set_transmit_on_idle(g->fax, 1);
	g->t30 = fax_get_t30_state(g->fax);
	t30_set_supported_modems(g->t30, modems);
	t30_set_ecm_capability(g->t30, ecm);
	t30_set_phase_e_handler(g->t30, faxbox_gw_phase_e, (void *) h);
	faxbox_gw_log_setup(t38_gateway_get_logging_state(g->gw), level, "GW");
	faxbox_gw_log_setup(t38_core_get_logging_state(g->core), level, "GW-T38");
	faxbox_gw_log_setup(fax_get_logging_state(g->fax), level, "FAX");
	faxbox_gw_log_setup(t30_get_logging_state(g->t30), level, "FAX-T30");
	return g;
}

// One time step: the gateway's audio to the fax terminal and back.
static void faxbox_gw_step(faxbox_gw_t *g, int samples)
{
	int16_t a[480], b[480];
	int n = t38_gateway_tx(g->gw, a, samples);
	if (n < samples)
		memset(a + n, 0, (samples - n)*sizeof(int16_t));
	fax_rx(g->fax, a, samples);
	n = fax_tx(g->fax, b, samples);
	if (n < samples)
		memset(b + n, 0, (samples - n)*sizeof(int16_t));
	t38_gateway_rx(g->gw, b, samples);
}

static void faxbox_gw_free(faxbox_gw_t *g)
{
	t38_gateway_free(g->gw);
	fax_free(g->fax);
	free(g);
}
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// gwState wraps the gateway and the fax terminal behind it.
type gwState struct{ g *C.faxbox_gw_t }

func newGwState(h cgo.Handle, calling bool, version, modems int, ecm bool, level int) *gwState {
	cl, e := C.int(0), C.int(0)
	if calling {
		cl = 1
	}
	if ecm {
		e = 1
	}
	g := C.faxbox_gw_new(C.uintptr_t(h), cl, C.int(version), C.int(modems), e, C.int(level))
	if g == nil {
		return nil
	}
	return &gwState{g: g}
}

func (s *gwState) configure(send bool, file, ident string) {
	cf := C.CString(file)
	defer C.free(unsafe.Pointer(cf))
	ci := C.CString(ident)
	defer C.free(unsafe.Pointer(ci))
	C.t30_set_tx_ident(s.g.t30, ci)
	if send {
		C.t30_set_tx_file(s.g.t30, cf, -1, -1)
	} else {
		C.t30_set_rx_file(s.g.t30, cf, -1)
	}
}

func (s *gwState) step(samples int) { C.faxbox_gw_step(s.g, C.int(samples)) }

func (s *gwState) rx(b []byte, seq uint16) {
	if len(b) == 0 {
		return
	}
	cb := C.CBytes(b)
	defer C.free(cb)
	C.t38_core_rx_ifp_packet(s.g.core, (*C.uint8_t)(cb), C.int(len(b)), C.uint16_t(seq))
}

type stats struct{ bitRate, pagesTx, pagesRx, ecm, gwPages int }

func (s *gwState) stats() stats {
	var st C.t30_stats_t
	C.t30_get_transfer_statistics(s.g.t30, &st)
	var gs C.t38_stats_t
	C.t38_gateway_get_transfer_statistics(s.g.gw, &gs)
	return stats{bitRate: int(st.bit_rate), pagesTx: int(st.pages_tx), pagesRx: int(st.pages_rx),
		ecm: int(st.error_correcting_mode), gwPages: int(gs.pages_transferred)}
}

func (s *gwState) terminate() { C.t30_terminate(s.g.t30) }

func (s *gwState) free() { C.faxbox_gw_free(s.g) }

// Spandsp's T30_SUPPORT_* modem bits (t30.h).
const (
	supportV27ter = C.T30_SUPPORT_V27TER
	supportV29    = C.T30_SUPPORT_V29
	supportV17    = C.T30_SUPPORT_V17
)
