/*
 * capture-spandsp.c: how testdata/spandsp-frames.txt was made (not built by
 * go test; Go ignores testdata). Two spandsp 0.0.6 fax terminals linked by
 * audio; each prints the T.30 frames it sends (direction 0 of
 * t30_set_real_time_frame_handler: address, control, FCF, FIF, no FCS).
 *
 *   gcc -o cap capture-spandsp.c -lspandsp -ltiff -lm
 *   pbmtog3 page.pbm > p.g3 && fax2tiff -M -o p.tif p.g3      # fine
 *   fax2tiff -M -R 98 -o std.tif p.g3                          # standard
 *   ./cap ECM [MIN_SCAN_MS [MODEMS [TIFF]]]   (MODEMS: 1 V.27ter, 2 V.29, 4 V.17)
 *
 * The page was 1728x200 of stripes; runs: "0", "1", "0 20 1 std.tif",
 * "0 10 3 p.tif", "0 40 2 std.tif", "0 5 7 p.tif".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <tiffio.h>
#include <spandsp.h>

static const char *names[2] = {"caller", "answer"};
static int done[2];
static void frame_handler(t30_state_t *s, void *user, int direction, const uint8_t msg[], int len) {
    int who = (int)(intptr_t) user;
    if (direction) return;
    printf("%s tx:", names[who]);
    for (int i = 0; i < len; i++) printf(" %02x", msg[i]);
    printf("\n");
}
static void phase_e(t30_state_t *s, void *user, int result) {
    int who = (int)(intptr_t) user;
    printf("%s phase E: %d %s\n", names[who], result, t30_completion_code_to_str(result));
    done[who] = 1;
}
int main(int argc, char **argv) {
    int ecm = argc > 1 ? atoi(argv[1]) : 0;
    fax_state_t *f[2];
    int16_t buf[2][160];
    for (int i = 0; i < 2; i++) {
        f[i] = fax_init(NULL, i == 0);
        t30_state_t *t = fax_get_t30_state(f[i]);
        t30_set_tx_ident(t, i == 0 ? "+1 555 0100" : "FAXBOX 42");
        t30_set_ecm_capability(t, ecm);
        if (argc > 2 && i == 1) t30_set_minimum_scan_line_time(t, atoi(argv[2]));
        if (argc > 3) t30_set_supported_modems(t, atoi(argv[3]));
        if (ecm) t30_set_supported_compressions(t, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION | T30_SUPPORT_T6_COMPRESSION);
        t30_set_real_time_frame_handler(t, frame_handler, (void *)(intptr_t) i);
        t30_set_phase_e_handler(t, phase_e, (void *)(intptr_t) i);
        if (i == 0) t30_set_tx_file(t, argc > 4 ? argv[4] : "p.tif", -1, -1); else t30_set_rx_file(t, "out.tif", -1);
    }
    for (int n = 0; n < 50 * 200 && !(done[0] && done[1]); n++) {
        for (int i = 0; i < 2; i++) {
            int len = fax_tx(f[i], buf[i], 160);
            if (len < 160) memset(buf[i] + len, 0, (160 - len) * 2);
        }
        fax_rx(f[1], buf[0], 160);
        fax_rx(f[0], buf[1], 160);
    }
    return 0;
}
