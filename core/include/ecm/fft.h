/* ecm/fft.h — public face of the FFT module: FFT-friendly sizes and plan-cache cleanup.
 *
 * The transforms themselves are internal (core/src/fft/fft_internal.h): libecm's modules
 * share one cache of FFTW plans, created under one lock and executed concurrently. This
 * header has no third-party types. */
#ifndef ECM_FFT_H
#define ECM_FFT_H

#include <stddef.h>

#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* *out = the smallest 2^a 3^b 5^c 7^d >= n (1 for n = 0): a length FFTW transforms fast.
 * ECM_EOVERFLOW when no such size fits in size_t. Thread-safe. */
ecm_status ecm_fft_good_size(size_t n, size_t *out);

/* Free every cached FFT plan that no running operation holds. Returns the number of plans
 * still in use (0 when nothing is running). Safe to call at any time from any thread (e.g.
 * when a Fiji plugin is unloaded, or before a leak check); later calls re-create plans on
 * demand. FFTW's own static tables are left to process exit. */
size_t ecm_fft_cleanup(void);

#ifdef __cplusplus
}
#endif
#endif
