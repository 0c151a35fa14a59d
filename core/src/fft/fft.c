/* FFT module: FFTW 3 plans created once under one lock, cached, shared and executed
 * concurrently with per-call arrays (fftw_execute_dft-style new-array execution). */
#include "fft/fft_internal.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "ecm/stack.h"
#include "status/status_internal.h"

struct ecm__fft_plan {
  ecm__fft_spec spec;
  union {
    fftwf_plan f;
    fftw_plan d;
  } p;
  size_t in_scalars, out_scalars;
  /* cache bookkeeping (under ecm__fft_lock) */
  int cached;
  size_t refs;
  unsigned long long last_use;
  struct ecm__fft_plan *next;
};

/* One lock for everything that touches FFTW's planner (create, destroy, cleanup) and for
 * the cache list. Execution never takes it. */
static pthread_mutex_t ecm__fft_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ecm__fft_plan *ecm__fft_cache;
static size_t ecm__fft_ncached;
static unsigned long long ecm__fft_clock;

/* ---- sizes -------------------------------------------------------------------------- */

ecm_status ecm_fft_good_size(size_t n, size_t *out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_fft_good_size: NULL output");
  if (n <= 1) {
    *out = 1;
    return ECM_OK;
  }
  size_t best = 0; /* 0 = none found yet */
  for (size_t p7 = 1;; p7 *= 7) {
    for (size_t p5 = p7;; p5 *= 5) {
      for (size_t p3 = p5;; p3 *= 3) {
        size_t p = p3;
        int fits = 1;
        while (p < n) {
          if (p > SIZE_MAX / 2) {
            fits = 0;
            break;
          }
          p *= 2;
        }
        if (fits && (best == 0 || p < best)) best = p;
        if (p3 >= n || p3 > SIZE_MAX / 3) break;
      }
      if (p5 >= n || p5 > SIZE_MAX / 5) break;
    }
    if (p7 >= n || p7 > SIZE_MAX / 7) break;
  }
  if (best == 0)
    return ecm__status_set(ECM_EOVERFLOW, "no FFT size 2^a 3^b 5^c 7^d >= %zu fits in size_t", n);
  *out = best;
  return ECM_OK;
}

ecm_status ecm__fft_good_size_even(size_t n, size_t *out) {
  size_t half;
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm__fft_good_size_even: NULL output");
  /* Even 7-smooth numbers are exactly twice the 7-smooth numbers. */
  ECM__TRY(ecm_fft_good_size(n / 2 + n % 2, &half));
  if (half > SIZE_MAX / 2)
    return ecm__status_set(ECM_EOVERFLOW, "no even FFT size >= %zu fits in size_t", n);
  *out = 2 * half;
  return ECM_OK;
}

/* ---- specs -------------------------------------------------------------------------- */

ecm__fft_spec ecm__fft_spec_1d(ecm__fft_kind kind, ecm__fft_prec prec, size_t n, int sign) {
  ecm__fft_spec s;
  memset(&s, 0, sizeof s);
  s.kind = kind;
  s.prec = prec;
  s.rank = 1;
  s.n[0] = n;
  s.n[1] = 1;
  s.sign = sign;
  s.inplace = 0;
  s.effort = ECM__FFT_ESTIMATE;
  return s;
}

ecm__fft_spec ecm__fft_spec_2d(ecm__fft_kind kind, ecm__fft_prec prec, size_t rows, size_t cols,
                               int sign) {
  ecm__fft_spec s = ecm__fft_spec_1d(kind, prec, rows, sign);
  s.rank = 2;
  s.n[1] = cols;
  return s;
}

static const char *ecm__fft_kind_name(ecm__fft_kind k) {
  switch (k) {
    case ECM__FFT_C2C:
      return "c2c";
    case ECM__FFT_R2C:
      return "r2c";
    case ECM__FFT_C2R:
      return "c2r";
    case ECM__FFT_DCT1:
      return "dct1";
  }
  return "?";
}

/* Validate a spec and compute its array sizes in scalars. */
static ecm_status ecm__fft_check(const ecm__fft_spec *s, size_t *in_scalars, size_t *out_scalars) {
  if (!s) return ecm__status_set(ECM_EINVAL, "FFT plan: NULL spec");
  if (s->kind < ECM__FFT_C2C || s->kind > ECM__FFT_DCT1)
    return ecm__status_set(ECM_EINVAL, "FFT plan: unknown kind %d", (int)s->kind);
  if (s->prec != ECM__FFT_F32 && s->prec != ECM__FFT_F64)
    return ecm__status_set(ECM_EINVAL, "FFT plan: unknown precision %d", (int)s->prec);
  if (s->rank != 1 && s->rank != 2)
    return ecm__status_set(ECM_EINVAL, "FFT plan: rank must be 1 or 2, got %d", s->rank);
  if (s->kind == ECM__FFT_DCT1 && s->rank != 1)
    return ecm__status_set(ECM_EINVAL, "FFT plan: dct1 is one-dimensional only");
  if (s->kind == ECM__FFT_C2C && s->sign != ECM__FFT_FORWARD && s->sign != ECM__FFT_BACKWARD)
    return ecm__status_set(ECM_EINVAL, "FFT plan: c2c sign must be -1 (forward) or +1, got %d",
                           s->sign);
  if (s->inplace && (s->kind == ECM__FFT_R2C || s->kind == ECM__FFT_C2R))
    return ecm__status_set(ECM_EINVAL, "FFT plan: %s transforms are out of place only",
                           ecm__fft_kind_name(s->kind));
  if (s->effort != ECM__FFT_ESTIMATE && s->effort != ECM__FFT_MEASURE)
    return ecm__status_set(ECM_EINVAL, "FFT plan: unknown effort %d", (int)s->effort);
  size_t n0 = s->n[0], n1 = s->rank == 2 ? s->n[1] : 1;
  if (n0 == 0 || n1 == 0)
    return ecm__status_set(ECM_EINVAL, "FFT plan: zero size %zu x %zu", n0, n1);
  if (s->kind == ECM__FFT_DCT1 && n0 < 2)
    return ecm__status_set(ECM_EINVAL, "FFT plan: dct1 needs at least 2 points, got %zu", n0);
  if (n0 > ECM_MAX_DIM || n1 > ECM_MAX_DIM || n0 > INT_MAX || n1 > INT_MAX)
    return ecm__status_set(ECM_EOVERFLOW, "FFT plan: size %zu x %zu exceeds the limit %zu", n0, n1,
                           (size_t)ECM_MAX_DIM);
  size_t n, half, nhalf;
  ECM__TRY(ecm_size_mul(n0, n1, &n));
  size_t last = s->rank == 2 ? n1 : n0;
  size_t rows = s->rank == 2 ? n0 : 1;
  half = last / 2 + 1;
  ECM__TRY(ecm_size_mul3(rows, half, 2, &nhalf));
  size_t ncomplex;
  ECM__TRY(ecm_size_mul(n, 2, &ncomplex));
  switch (s->kind) {
    case ECM__FFT_C2C:
      *in_scalars = *out_scalars = ncomplex;
      break;
    case ECM__FFT_R2C:
      *in_scalars = n;
      *out_scalars = nhalf;
      break;
    case ECM__FFT_C2R:
      *in_scalars = nhalf;
      *out_scalars = n;
      break;
    case ECM__FFT_DCT1:
      *in_scalars = *out_scalars = n;
      break;
  }
  size_t elem = s->prec == ECM__FFT_F32 ? sizeof(float) : sizeof(double);
  if (*in_scalars > SIZE_MAX / elem || *out_scalars > SIZE_MAX / elem)
    return ecm__status_set(ECM_EOVERFLOW, "FFT plan: arrays of %zu x %zu overflow", n0, n1);
  return ECM_OK;
}

static int ecm__fft_same_key(const ecm__fft_spec *a, const ecm__fft_spec *b) {
  if (a->kind != b->kind || a->prec != b->prec || a->rank != b->rank || a->n[0] != b->n[0])
    return 0;
  if (a->rank == 2 && a->n[1] != b->n[1]) return 0;
  if (a->kind == ECM__FFT_C2C && a->sign != b->sign) return 0;
  if ((a->inplace != 0) != (b->inplace != 0)) return 0;
  return 1;
}

/* Build the FFTW plan; the caller holds ecm__fft_lock. */
static ecm_status ecm__fft_make_locked(const ecm__fft_spec *spec, size_t in_scalars,
                                       size_t out_scalars, struct ecm__fft_plan **out) {
  struct ecm__fft_plan *pl = calloc(1, sizeof *pl);
  if (!pl) return ecm__status_set(ECM_ENOMEM, "cannot allocate an FFT plan");
  pl->spec = *spec;
  pl->spec.inplace = spec->inplace != 0;
  if (spec->rank == 1) pl->spec.n[1] = 1;
  pl->in_scalars = in_scalars;
  pl->out_scalars = out_scalars;
  size_t elem = spec->prec == ECM__FFT_F32 ? sizeof(float) : sizeof(double);
  void *in = ecm__fft_alloc(in_scalars * elem);
  void *outb = spec->inplace ? in : ecm__fft_alloc(out_scalars * elem);
  if (!in || !outb) {
    ecm__fft_free(in);
    if (!spec->inplace) ecm__fft_free(outb);
    free(pl);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate FFT planning arrays (%zu scalars)",
                           in_scalars > out_scalars ? in_scalars : out_scalars);
  }
  /* MEASURE overwrites the arrays: they are private here. Start them at zero anyway so that
   * no planner ever reads uninitialised memory. */
  memset(in, 0, in_scalars * elem);
  if (!spec->inplace) memset(outb, 0, out_scalars * elem);
  unsigned flags = spec->effort == ECM__FFT_MEASURE ? FFTW_MEASURE : FFTW_ESTIMATE;
  int n0 = (int)spec->n[0], n1 = (int)spec->n[1];
  int sign = spec->sign == ECM__FFT_BACKWARD ? FFTW_BACKWARD : FFTW_FORWARD;
  int ok;
  if (spec->prec == ECM__FFT_F32) {
    fftwf_set_timelimit(ECM__FFT_MEASURE_LIMIT_S);
    fftwf_complex *ci = in, *co = outb;
    float *ri = in, *ro = outb;
    fftwf_plan p = NULL;
    switch (spec->kind) {
      case ECM__FFT_C2C:
        p = spec->rank == 1 ? fftwf_plan_dft_1d(n0, ci, co, sign, flags)
                            : fftwf_plan_dft_2d(n0, n1, ci, co, sign, flags);
        break;
      case ECM__FFT_R2C:
        p = spec->rank == 1 ? fftwf_plan_dft_r2c_1d(n0, ri, co, flags)
                            : fftwf_plan_dft_r2c_2d(n0, n1, ri, co, flags);
        break;
      case ECM__FFT_C2R:
        p = spec->rank == 1 ? fftwf_plan_dft_c2r_1d(n0, ci, ro, flags)
                            : fftwf_plan_dft_c2r_2d(n0, n1, ci, ro, flags);
        break;
      case ECM__FFT_DCT1:
        p = fftwf_plan_r2r_1d(n0, ri, ro, FFTW_REDFT00, flags);
        break;
    }
    pl->p.f = p;
    ok = p != NULL;
  } else {
    fftw_set_timelimit(ECM__FFT_MEASURE_LIMIT_S);
    fftw_complex *ci = in, *co = outb;
    double *ri = in, *ro = outb;
    fftw_plan p = NULL;
    switch (spec->kind) {
      case ECM__FFT_C2C:
        p = spec->rank == 1 ? fftw_plan_dft_1d(n0, ci, co, sign, flags)
                            : fftw_plan_dft_2d(n0, n1, ci, co, sign, flags);
        break;
      case ECM__FFT_R2C:
        p = spec->rank == 1 ? fftw_plan_dft_r2c_1d(n0, ri, co, flags)
                            : fftw_plan_dft_r2c_2d(n0, n1, ri, co, flags);
        break;
      case ECM__FFT_C2R:
        p = spec->rank == 1 ? fftw_plan_dft_c2r_1d(n0, ci, ro, flags)
                            : fftw_plan_dft_c2r_2d(n0, n1, ci, ro, flags);
        break;
      case ECM__FFT_DCT1:
        p = fftw_plan_r2r_1d(n0, ri, ro, FFTW_REDFT00, flags);
        break;
    }
    pl->p.d = p;
    ok = p != NULL;
  }
  ecm__fft_free(in);
  if (!spec->inplace) ecm__fft_free(outb);
  if (!ok) {
    free(pl);
    return ecm__status_set(ECM_ENUMERIC, "FFTW could not plan a %s transform of %zu x %zu",
                           ecm__fft_kind_name(spec->kind), spec->n[0], spec->n[1]);
  }
  *out = pl;
  return ECM_OK;
}

static void ecm__fft_destroy_locked(struct ecm__fft_plan *pl) {
  if (pl->spec.prec == ECM__FFT_F32)
    fftwf_destroy_plan(pl->p.f);
  else
    fftw_destroy_plan(pl->p.d);
  free(pl);
}

/* Evict unreferenced plans, oldest use first, until the cache is within its cap. */
static void ecm__fft_evict_locked(void) {
  while (ecm__fft_ncached > ECM__FFT_CACHE_CAP) {
    struct ecm__fft_plan **victim = NULL;
    for (struct ecm__fft_plan **pp = &ecm__fft_cache; *pp; pp = &(*pp)->next)
      if ((*pp)->refs == 0 && (!victim || (*pp)->last_use < (*victim)->last_use)) victim = pp;
    if (!victim) return; /* everything is in use: exceed the cap rather than fail */
    struct ecm__fft_plan *dead = *victim;
    *victim = dead->next;
    ecm__fft_ncached--;
    ecm__fft_destroy_locked(dead);
  }
}

ecm_status ecm__fft_plan_get(const ecm__fft_spec *spec, const ecm__fft_plan **out) {
  size_t in_scalars = 0, out_scalars = 0;
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm__fft_plan_get: NULL output");
  *out = NULL;
  ECM__TRY(ecm__fft_check(spec, &in_scalars, &out_scalars));
  pthread_mutex_lock(&ecm__fft_lock);
  struct ecm__fft_plan *found = NULL;
  for (struct ecm__fft_plan *pl = ecm__fft_cache; pl; pl = pl->next)
    if (ecm__fft_same_key(&pl->spec, spec) && pl->spec.effort >= spec->effort) {
      found = pl;
      break;
    }
  ecm_status st = ECM_OK;
  if (!found) {
    st = ecm__fft_make_locked(spec, in_scalars, out_scalars, &found);
    if (st == ECM_OK) {
      found->cached = 1;
      found->next = ecm__fft_cache;
      ecm__fft_cache = found;
      ecm__fft_ncached++;
    }
  }
  if (st == ECM_OK) {
    found->refs++;
    found->last_use = ++ecm__fft_clock;
    ecm__fft_evict_locked();
    *out = found;
  }
  pthread_mutex_unlock(&ecm__fft_lock);
  return st;
}

void ecm__fft_plan_release(const ecm__fft_plan *plan) {
  if (!plan) return;
  pthread_mutex_lock(&ecm__fft_lock);
  struct ecm__fft_plan *pl = (struct ecm__fft_plan *)plan;
  if (pl->refs > 0) pl->refs--;
  ecm__fft_evict_locked();
  pthread_mutex_unlock(&ecm__fft_lock);
}

ecm_status ecm__fft_plan_create(const ecm__fft_spec *spec, ecm__fft_plan **out) {
  size_t in_scalars = 0, out_scalars = 0;
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm__fft_plan_create: NULL output");
  *out = NULL;
  ECM__TRY(ecm__fft_check(spec, &in_scalars, &out_scalars));
  pthread_mutex_lock(&ecm__fft_lock);
  ecm_status st = ecm__fft_make_locked(spec, in_scalars, out_scalars, out);
  pthread_mutex_unlock(&ecm__fft_lock);
  return st;
}

void ecm__fft_plan_destroy(ecm__fft_plan *plan) {
  if (!plan) return;
  if (plan->cached) {
    /* A cached plan belongs to the cache: treat destroy as release. */
    ecm__fft_plan_release(plan);
    return;
  }
  pthread_mutex_lock(&ecm__fft_lock);
  ecm__fft_destroy_locked(plan);
  pthread_mutex_unlock(&ecm__fft_lock);
}

size_t ecm_fft_cleanup(void) {
  pthread_mutex_lock(&ecm__fft_lock);
  struct ecm__fft_plan **pp = &ecm__fft_cache;
  while (*pp) {
    struct ecm__fft_plan *pl = *pp;
    if (pl->refs == 0) {
      *pp = pl->next;
      ecm__fft_ncached--;
      ecm__fft_destroy_locked(pl);
    } else {
      pp = &pl->next;
    }
  }
  size_t left = ecm__fft_ncached;
  /* fftw_cleanup invalidates every plan, private ones included: only the cache can know
   * about all of them when the cache is empty and no private plan exists, so leave FFTW's
   * tables alone here (they are freed at process exit). */
  pthread_mutex_unlock(&ecm__fft_lock);
  return left;
}

size_t ecm__fft_cache_size(void) {
  pthread_mutex_lock(&ecm__fft_lock);
  size_t n = ecm__fft_ncached;
  pthread_mutex_unlock(&ecm__fft_lock);
  return n;
}

/* ---- accessors and execution --------------------------------------------------------- */

const ecm__fft_spec *ecm__fft_plan_spec(const ecm__fft_plan *plan) {
  return &plan->spec;
}
size_t ecm__fft_plan_in_scalars(const ecm__fft_plan *plan) {
  return plan->in_scalars;
}
size_t ecm__fft_plan_out_scalars(const ecm__fft_plan *plan) {
  return plan->out_scalars;
}

static ecm_status ecm__fft_exec_check(const ecm__fft_plan *plan, ecm__fft_prec prec, const void *in,
                                      const void *out, int misaligned) {
  if (!plan || !in || !out) return ecm__status_set(ECM_EINVAL, "FFT execute: NULL argument");
  if (plan->spec.prec != prec)
    return ecm__status_set(ECM_EINVAL, "FFT execute: the plan is %s precision",
                           plan->spec.prec == ECM__FFT_F32 ? "single" : "double");
  if ((in == out) != (plan->spec.inplace != 0))
    return ecm__status_set(ECM_EINVAL, "FFT execute: the plan is %s but the call is %s",
                           plan->spec.inplace ? "in place" : "out of place",
                           in == out ? "in place" : "out of place");
  if (misaligned)
    return ecm__status_set(ECM_EINVAL,
                           "FFT execute: arrays must be SIMD-aligned (use ecm__fft_alloc)");
  return ECM_OK;
}

ecm_status ecm__fft_exec_f(const ecm__fft_plan *plan, float *in, float *out) {
  int mis = in && out && (fftwf_alignment_of(in) != 0 || fftwf_alignment_of(out) != 0);
  ECM__TRY(ecm__fft_exec_check(plan, ECM__FFT_F32, in, out, mis));
  switch (plan->spec.kind) {
    case ECM__FFT_C2C:
      fftwf_execute_dft(plan->p.f, (fftwf_complex *)in, (fftwf_complex *)out);
      break;
    case ECM__FFT_R2C:
      fftwf_execute_dft_r2c(plan->p.f, in, (fftwf_complex *)out);
      break;
    case ECM__FFT_C2R:
      fftwf_execute_dft_c2r(plan->p.f, (fftwf_complex *)in, out);
      break;
    case ECM__FFT_DCT1:
      fftwf_execute_r2r(plan->p.f, in, out);
      break;
  }
  return ECM_OK;
}

ecm_status ecm__fft_exec_d(const ecm__fft_plan *plan, double *in, double *out) {
  int mis = in && out && (fftw_alignment_of(in) != 0 || fftw_alignment_of(out) != 0);
  ECM__TRY(ecm__fft_exec_check(plan, ECM__FFT_F64, in, out, mis));
  switch (plan->spec.kind) {
    case ECM__FFT_C2C:
      fftw_execute_dft(plan->p.d, (fftw_complex *)in, (fftw_complex *)out);
      break;
    case ECM__FFT_R2C:
      fftw_execute_dft_r2c(plan->p.d, in, (fftw_complex *)out);
      break;
    case ECM__FFT_C2R:
      fftw_execute_dft_c2r(plan->p.d, (fftw_complex *)in, out);
      break;
    case ECM__FFT_DCT1:
      fftw_execute_r2r(plan->p.d, in, out);
      break;
  }
  return ECM_OK;
}

void *ecm__fft_alloc(size_t bytes) {
  return bytes ? fftw_malloc(bytes) : NULL;
}

void ecm__fft_free(void *p) {
  if (p) fftw_free(p);
}
