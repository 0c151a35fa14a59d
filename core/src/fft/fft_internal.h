/* Internal FFT layer over FFTW 3 (not installed; <fftw3.h> is included only in the fft folder).
 *
 * Plan once, execute many: a plan is created under one library-wide lock (FFTW's planner is
 * not thread-safe), is immutable afterwards and may be executed by any number of threads at
 * once on their own arrays (FFTW's new-array execute). Plans come from a cache keyed by
 * (kind, precision, sizes, direction, in-place, effort) and are reference counted, so that
 * the cache can evict plans nobody holds.
 *
 * Conventions (those of FFTW): transforms are unnormalised (forward then backward multiplies
 * by the number of points); forward is exp(-2 pi i jk/n), backward exp(+2 pi i jk/n).
 * Complex arrays are interleaved (re, im) pairs of float or double. 2D arrays are row-major,
 * n[0] rows of n[1] columns. Layouts:
 *   C2C   in, out: n complex (n = n[0] or n[0]*n[1])
 *   R2C   in: n real; out: n[0] (or n[0] rows of n[1]/2+1) ... i.e. the last dimension halved
 *         plus one, complex (the non-redundant half spectrum)
 *   C2R   the inverse layout of R2C (in: half spectrum, out: n real); it overwrites its input
 *   DCT1  1D only, in, out: n real, n >= 2; Y_k = X_0 + (-1)^k X_{n-1}
 *         + 2 sum_{j=1}^{n-2} X_j cos(pi jk/(n-1)) (FFTW's REDFT00): the DFT of the even
 *         sequence of length 2(n-1) whose first n terms are X.
 * Buffers handed to an execute call must come from ecm__fft_alloc (SIMD alignment); an
 * in-place plan must be executed in place and an out-of-place plan out of place. */
#ifndef ECM_FFT_INTERNAL_H
#define ECM_FFT_INTERNAL_H

#include <stddef.h>

#include "ecm/fft.h"
#include "ecm/status.h"

typedef enum ecm__fft_kind {
  ECM__FFT_C2C = 0,
  ECM__FFT_R2C = 1,
  ECM__FFT_C2R = 2,
  ECM__FFT_DCT1 = 3
} ecm__fft_kind;

typedef enum ecm__fft_prec { ECM__FFT_F32 = 0, ECM__FFT_F64 = 1 } ecm__fft_prec;

/* Planning effort. ESTIMATE plans instantly and is reproducible from run to run (the same
 * plan, hence bit-identical results, every time on one machine); MEASURE times candidate
 * algorithms (bounded by ECM__FFT_MEASURE_LIMIT_S per plan) and is typically 10-30% faster
 * to execute, but may pick different algorithms in different processes, changing the last
 * bits of results. Use MEASURE for plans executed very many times where bit-reproducibility
 * across runs does not matter. A request for ESTIMATE is served by a cached MEASURE plan. */
typedef enum ecm__fft_effort { ECM__FFT_ESTIMATE = 0, ECM__FFT_MEASURE = 1 } ecm__fft_effort;

#define ECM__FFT_FORWARD (-1)
#define ECM__FFT_BACKWARD (+1)

/* Upper bound on the planning time of one MEASURE plan, seconds (fftw_set_timelimit). */
#define ECM__FFT_MEASURE_LIMIT_S 2.0
/* Number of cached plans above which unreferenced plans are evicted, oldest use first. */
#define ECM__FFT_CACHE_CAP 64

typedef struct ecm__fft_spec {
  ecm__fft_kind kind;
  ecm__fft_prec prec;
  int rank;    /* 1 or 2 (DCT1: 1) */
  size_t n[2]; /* logical sizes: n[0] (rank 1) or n[0] rows x n[1] columns (rank 2) */
  int sign;    /* C2C only: ECM__FFT_FORWARD or ECM__FFT_BACKWARD; ignored otherwise */
  int inplace; /* C2C and DCT1 only: execute with in == out */
  ecm__fft_effort effort;
} ecm__fft_spec;

typedef struct ecm__fft_plan ecm__fft_plan;

/* A spec for a common case (rank 1, out of place, ESTIMATE). */
ecm__fft_spec ecm__fft_spec_1d(ecm__fft_kind kind, ecm__fft_prec prec, size_t n, int sign);
/* A spec for a 2D transform (rows x cols, out of place, ESTIMATE). */
ecm__fft_spec ecm__fft_spec_2d(ecm__fft_kind kind, ecm__fft_prec prec, size_t rows, size_t cols,
                               int sign);

/* Get a shared plan from the cache, creating it if needed (under the planner lock). The
 * caller holds a reference until ecm__fft_plan_release. Thread-safe.
 * Errors: ECM_EINVAL (bad spec, with detail), ECM_EOVERFLOW (sizes above ECM_MAX_DIM or
 * a product overflow, or above FFTW's int range), ECM_ENOMEM, ECM_ENUMERIC (FFTW refused). */
ecm_status ecm__fft_plan_get(const ecm__fft_spec *spec, const ecm__fft_plan **out);
/* Drop a reference taken by ecm__fft_plan_get; accepts NULL. Thread-safe. */
void ecm__fft_plan_release(const ecm__fft_plan *plan);

/* A private, uncached plan owned by the caller (destroy with ecm__fft_plan_destroy).
 * Same errors as ecm__fft_plan_get. */
ecm_status ecm__fft_plan_create(const ecm__fft_spec *spec, ecm__fft_plan **out);
/* Destroy a plan from ecm__fft_plan_create; accepts NULL. Thread-safe (takes the lock). */
void ecm__fft_plan_destroy(ecm__fft_plan *plan);

/* The spec a plan was made for. */
const ecm__fft_spec *ecm__fft_plan_spec(const ecm__fft_plan *plan);
/* Number of scalars (floats or doubles; a complex value counts 2) of the input and output
 * arrays of a plan. */
size_t ecm__fft_plan_in_scalars(const ecm__fft_plan *plan);
size_t ecm__fft_plan_out_scalars(const ecm__fft_plan *plan);

/* Execute a single-precision plan on in -> out (interleaved complex or real, as the kind
 * says). Thread-safe for distinct arrays. ECM_EINVAL when the precision, alignment or
 * in-place-ness does not match the plan (nothing is computed then). */
ecm_status ecm__fft_exec_f(const ecm__fft_plan *plan, float *in, float *out);
/* Double-precision counterpart. */
ecm_status ecm__fft_exec_d(const ecm__fft_plan *plan, double *in, double *out);

/* SIMD-aligned allocation for execute buffers (fftw_malloc); NULL on failure or bytes 0.
 * Free with ecm__fft_free (accepts NULL). Thread-safe. */
void *ecm__fft_alloc(size_t bytes);
void ecm__fft_free(void *p);

/* Smallest even 2^a 3^b 5^c 7^d >= n (2 for n <= 2): ECM_EOVERFLOW if none fits. */
ecm_status ecm__fft_good_size_even(size_t n, size_t *out);

/* Number of plans currently in the cache (tests). */
size_t ecm__fft_cache_size(void);

#endif
