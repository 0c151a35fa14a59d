/* libFuzzer target for the TIFF reader: probe, read (whole stack and a sub-range) and the
 * provenance read-back, all on the input bytes in memory (no disk I/O). Besides memory and
 * UB errors (ASan/UBSan) it aborts when
 *   - libtiff reaches its process-wide handlers (it would have printed to stderr),
 *   - a failure comes without a detail message, or a success with inconsistent output.
 * Build: CC=clang cmake -S . -B build-fuzz -DECM_BUILD_FUZZ=ON && cmake --build build-fuzz
 *        --target fuzz_tiff_read
 * Run:   build-fuzz/tests/fuzz/fuzz_tiff_read -dict=tests/fuzz/tiff.dict CORPUS_DIR \
 *        tests/fuzz/corpus tests/data/bad tests/data/imagej */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "io/io_internal.h"

static void fuzz_trap(const char *module, const char *fmt, va_list ap) {
  fprintf(stderr, "libtiff reached its global handler (module %s): ", module ? module : "-");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  abort();
}

static void fuzz_check(int ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "invariant violated: %s (detail: '%s')\n", what, ecm_errmsg());
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int init = 0;
  if (!init) {
    TIFFSetErrorHandler(fuzz_trap);
    TIFFSetWarningHandler(fuzz_trap);
    init = 1;
  }
  ecm_run run = ecm_run_default();
  run.memory_budget = (size_t)64 << 20; /* also caps libtiff's single allocations */

  ecm_tiff_info probe, info;
  ecm_clear_error();
  ecm_status sp = ecm__io_probe_memory(data, size, "fuzz.tif", &probe);
  fuzz_check(sp == ECM_OK || ecm_errmsg()[0] != '\0', "probe failed without detail");
  if (sp == ECM_OK)
    fuzz_check(probe.nt >= 1 && probe.ny >= 1 && probe.nx >= 1 && probe.nt <= ECM_MAX_DIM,
               "probe dimensions");

  ecm_stack *s = NULL;
  ecm_clear_error();
  ecm_status sr = ecm__io_read_memory(data, size, "fuzz.tif", 0, 0, &run, &s, &info);
  fuzz_check(sr == ECM_OK || ecm_errmsg()[0] != '\0', "read failed without detail");
  fuzz_check((sr == ECM_OK) == (s != NULL), "output set iff success");
  if (sr == ECM_OK) {
    fuzz_check(sp == ECM_OK, "read succeeded where probe failed");
    fuzz_check(s->nt == info.nt && s->ny == info.ny && s->nx == info.nx, "read dimensions");
    fuzz_check(info.nt == probe.nt && info.ny == probe.ny && info.nx == probe.nx,
               "probe and read disagree");
    double acc = 0; /* touch every value: ASan sees any overrun */
    for (size_t i = 0; i < s->nt * s->ny * s->nx; i++) acc += s->data[i];
    (void)acc;
    ecm_stack_free(s);
    s = NULL;
    if (info.nt > 1) { /* a sub-range: the last frame */
      ecm_status sl = ecm__io_read_memory(data, size, "fuzz.tif", info.nt - 1, 1, &run, &s, NULL);
      fuzz_check(sl != ECM_OK || (s && s->nt == 1), "sub-range read");
      ecm_stack_free(s);
    }
  }

  char prov[256];
  ecm_clear_error();
  ecm_status sv = ecm__io_provenance_memory(data, size, "fuzz.tif", prov, sizeof prov);
  fuzz_check(sv == ECM_OK ? strlen(prov) < sizeof prov : ecm_errmsg()[0] != '\0', "provenance");
  return 0;
}
