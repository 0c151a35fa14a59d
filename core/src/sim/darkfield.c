/* The dark-field ECM simulator (docs/simulator.md): truth maps, exact Gaussian-process
 * synthesis of each pixel's field by circulant embedding, shared rearrangement domains,
 * coherent blur, nanowire geometry, drift and counting noise. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ecm/sim.h"
#include "fft/fft_internal.h"
#include "sim/sim_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

/* Pixels per work item of the synthesis loop: 16 floats are one 64-byte cache line of a
 * frame, so scattering a block's time series into the frame-major stack writes whole lines. */
#define ECM__SIM_BLOCK 16
/* exp(-exp(x)) is 0 in double precision once x > ln(745) = 6.61: stop computing c_k there. */
#define ECM__SIM_EXP_CUTOFF 6.62
/* Largest ring used for xi_expected_px, px (bounds the offsets P_same visits). */
#define ECM__SIM_XI_MAX_RINGS 256
/* Progress callbacks per stage, at most (the callback may be a JNI up-call). */
#define ECM__SIM_PROGRESS_STEPS 1000
/* Aging: internal samples per frame at the fastest local rate (the internal grid step is at
 * most a quarter of a frame of the local time everywhere in the series). */
#define ECM__SIM_AGING_OVERSAMPLE 4.0
/* FWHM = 2 sqrt(2 ln 2) sigma. */
#define ECM__SIM_FWHM_PER_SIGMA 2.3548200450309493

static int ecm__sim_tid(void) {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/* ---- progress from thread 0 with a shared cancel flag ------------------------------------ */

typedef struct sim_prog {
  const ecm_run *run;
  const char *stage;
  double base, span; /* this stage covers [base, base + span] of the whole run */
  size_t total, every;
  size_t next; /* next report at this count (thread 0 only) */
  int cancel;  /* shared; read and written atomically */
  size_t done; /* shared; updated atomically */
} sim_prog;

static void ecm__sim_prog_init(sim_prog *g, const ecm_run *run, const char *stage, double base,
                               double span, size_t total) {
  g->run = run;
  g->stage = stage;
  g->base = base;
  g->span = span;
  g->total = total ? total : 1;
  g->every = g->total / ECM__SIM_PROGRESS_STEPS + 1;
  g->next = 0;
  g->cancel = 0;
  g->done = 0;
}

static int ecm__sim_prog_stopped(sim_prog *g) {
  int stop;
#pragma omp atomic read
  stop = g->cancel;
  return stop;
}

/* Count one finished item; on thread 0, report every g->every items. */
static void ecm__sim_prog_tick(sim_prog *g) {
  size_t d;
#pragma omp atomic capture
  d = ++g->done;
  if (ecm__sim_tid() != 0 || (d < g->next && d != g->total)) return;
  g->next = d + g->every;
  if (ecm__run_report(g->run, g->base + g->span * (double)d / (double)g->total, g->stage) !=
      ECM_OK) {
#pragma omp atomic write
    g->cancel = 1;
  }
}

/* ---- the simulation context --------------------------------------------------------------- */

typedef struct sim_ctx {
  const ecm_sim_params *p;
  size_t N, L, H;
  double dt, b, inv1b;
  int drift, blur, domains, crystals;
  float sq1f, sqf; /* sqrt(1 - f), sqrt(f) when domains share innovations */
  /* canvas: canvas site (Y, X) is the sample site (Y - oy, X - ox) */
  int64_t oy, ox;
  size_t cny, cnx, C;
  double *tau_f;   /* C: tau in frames (NaN in vacuum) */
  double *beta;    /* C */
  uint8_t *region; /* C */
  uint64_t *label; /* C, domains only */
  float *minv;     /* C, blur only: 1 / m(r) */
  size_t rb;       /* blur kernel radius, px */
  float *hb;       /* 2 rb + 1 taps, sum of the 2D kernel squared = 1 */
  double *lnk;     /* H: ln k (lnk[0] unused) */
  /* aging (aging_factor != 1): the stationary field is synthesised on an internal grid of
   * Ns samples, os samples per frame of the warped time s, and sampled at wpos[t] */
  int aging;
  size_t Ns;
  double os;
  double *wpos; /* N: s(t) * os, increasing, wpos[t] >= t */
  const ecm__fft_plan *pc2c, *pdct;
  double *sx, *sy;       /* nt shifts (the result's arrays) */
  double *cry_y, *cry_x; /* crystal centres, sample coordinates (the result's arrays) */
} sim_ctx;

typedef struct sim_scratch {
  double *c, *lam; /* H each (FFT-aligned) */
  float *amp;      /* L */
  float *w;        /* 2L (FFT-aligned, in place) */
  float *s;        /* 2L: the cached domain's shared innovations */
  uint64_t s_id;
  int s_valid, amp_valid;
  double tau, beta;
  float *blk; /* BLOCK * N (* 2 when complex) */
  double max_clip;
  /* frame stage */
  float *ca, *cb; /* 2C each (blur) */
  float *fi;      /* C (blur) */
} sim_scratch;

static void ecm__sim_scratch_free(sim_scratch *s) {
  ecm__fft_free(s->c);
  ecm__fft_free(s->lam);
  free(s->amp);
  ecm__fft_free(s->w);
  free(s->s);
  free(s->blk);
  free(s->ca);
  free(s->cb);
  free(s->fi);
  memset(s, 0, sizeof *s);
}

static ecm_status ecm__sim_scratch_alloc(const sim_ctx *c, sim_scratch *s) {
  memset(s, 0, sizeof *s);
  size_t elt = c->blur ? 2 : 1;
  s->c = ecm__fft_alloc(c->H * sizeof(double));
  s->lam = ecm__fft_alloc(c->H * sizeof(double));
  s->amp = malloc(c->L * sizeof(float));
  s->w = ecm__fft_alloc(2 * c->L * sizeof(float));
  s->s = c->domains ? malloc(2 * c->L * sizeof(float)) : NULL;
  s->blk = malloc(ECM__SIM_BLOCK * c->N * elt * sizeof(float));
  int ok = s->c && s->lam && s->amp && s->w && (s->s || !c->domains) && s->blk;
  if (c->blur) {
    s->ca = malloc(2 * c->C * sizeof(float));
    s->cb = malloc(2 * c->C * sizeof(float));
    s->fi = malloc(c->C * sizeof(float));
    ok = ok && s->ca && s->cb && s->fi;
  }
  if (!ok) {
    ecm__sim_scratch_free(s);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate simulator scratch (L = %zu)", c->L);
  }
  return ECM_OK;
}

/* Amplitudes sqrt(lambda_j / L) of the circulant embedding of c_k = exp(-(k/tau)^beta). */
static void ecm__sim_amplitudes(const sim_ctx *c, sim_scratch *s, double tau_f, double beta) {
  const size_t H = c->H, L = c->L;
  double lt = log(tau_f);
  size_t k = 1;
  s->c[0] = 1.0;
  for (; k < H; k++) {
    double x = beta * (c->lnk[k] - lt);
    if (x > ECM__SIM_EXP_CUTOFF) break;
    s->c[k] = exp(-exp(x));
  }
  for (; k < H; k++) s->c[k] = 0.0;
  /* lambda_j = DFT of the even sequence of length L = DCT-I of its first L/2 + 1 terms.
   * Cannot fail: the plan, precision and aligned out-of-place buffers match. */
  (void)ecm__fft_exec_d(c->pdct, s->c, s->lam);
  double l0 = s->lam[0]; /* >= c_0 = 1: all c_k >= 0 */
  for (size_t j = 0; j < H; j++) {
    double v = s->lam[j];
    if (v < 0) {
      double rel = -v / l0;
      if (rel > s->max_clip) s->max_clip = rel;
      v = 0;
    }
    float a = (float)sqrt(v / (double)L);
    s->amp[j] = a;
    if (j > 0 && j < L - j) s->amp[L - j] = a;
  }
  s->tau = tau_f;
  s->beta = beta;
  s->amp_valid = 1;
}

/* Aging: replace the internal-grid field w[0..2 Ns) by its values at the warped times,
 * w[2t], w[2t + 1] for t < N, in place (wpos[t] >= t, so no value is overwritten before it is
 * read). Linear interpolation of the complex field between grid samples k and k + 1, divided
 * by its standard deviation sqrt((1-u)^2 + u^2 + 2 u (1-u) rho), rho = exp(-(1/tau_g)^beta)
 * the correlation of neighbouring samples: each E_t stays a unit-variance circular complex
 * normal (the intensity's mean and contrast are exact); only correlations within one grid
 * step (<= 1/4 frame) are smoothed. */
static void ecm__sim_warp(const sim_ctx *c, float *w, double tau_g, double beta) {
  const double rho = exp(-exp(-beta * log(tau_g)));
  for (size_t t = 0; t < c->N; t++) {
    double p = c->wpos[t], k0 = floor(p);
    size_t k = (size_t)k0;
    if (k + 1 >= c->Ns) k = c->Ns - 2; /* p = last grid point (round-off guard) */
    double u = p - (double)k;
    double v = (1 - u) * (1 - u) + u * u + 2 * u * (1 - u) * rho;
    double n = v > 0 ? 1.0 / sqrt(v) : 1.0;
    float a = (float)((1 - u) * n), b = (float)(u * n);
    float re = a * w[2 * k] + b * w[2 * k + 2], im = a * w[2 * k + 1] + b * w[2 * k + 3];
    w[2 * t] = re;
    w[2 * t + 1] = im;
  }
}

/* The field E_t, t < N, of canvas site `site` (sample coordinates ys, xs) into s->w[0..2N). */
static void ecm__sim_field(const sim_ctx *c, sim_scratch *s, size_t site, int64_t ys, int64_t xs) {
  const size_t L = c->L;
  /* aging: tau in internal grid steps */
  double tf = c->aging ? c->tau_f[site] * c->os : c->tau_f[site], be = c->beta[site];
  if (!s->amp_valid || tf != s->tau || be != s->beta) ecm__sim_amplitudes(c, s, tf, be);
  ecm__sim_rng r;
  ecm__sim_rng_seed(&r, c->p->seed, ECM__SIM_STREAM_FIELD, (uint64_t)ys, (uint64_t)xs);
  float *w = s->w;
  const float *amp = s->amp;
  ecm__sim_cnormals(&r, w, L);
  if (c->domains) {
    uint64_t id = c->label[site];
    if (!s->s_valid || s->s_id != id) {
      ecm__sim_rng rs;
      ecm__sim_rng_seed(&rs, c->p->seed, ECM__SIM_STREAM_DOMAIN_FIELD, id, 0);
      ecm__sim_cnormals(&rs, s->s, L);
      s->s_id = id;
      s->s_valid = 1;
    }
    const float *sh = s->s, a1 = c->sq1f, a2 = c->sqf;
    for (size_t j = 0; j < L; j++) {
      w[2 * j] = amp[j] * (a1 * w[2 * j] + a2 * sh[2 * j]);
      w[2 * j + 1] = amp[j] * (a1 * w[2 * j + 1] + a2 * sh[2 * j + 1]);
    }
  } else {
    for (size_t j = 0; j < L; j++) {
      w[2 * j] *= amp[j];
      w[2 * j + 1] *= amp[j];
    }
  }
  /* E_t = sum_j sqrt(lambda_j / L) Z_j exp(+2 pi i j t / L): a backward transform. */
  (void)ecm__fft_exec_f(c->pc2c, w, w);
  if (c->aging) ecm__sim_warp(c, w, tf, be);
}

/* The static field of crystal site (ys, xs): one circular complex normal, the same in every
 * frame; crystal_brightness (|Z|^2 + b) / (1 + b) is its intensity (mean crystal_brightness,
 * the same contrast A as the sample). */
static void ecm__sim_crystal_field(uint64_t seed, int64_t ys, int64_t xs, float z[2]) {
  ecm__sim_rng r;
  ecm__sim_rng_seed(&r, seed, ECM__SIM_STREAM_CRYSTAL_FIELD, (uint64_t)ys, (uint64_t)xs);
  ecm__sim_cnormals(&r, z, 1);
}

/* ---- stage 1: truth maps on the canvas ---------------------------------------------------- */

/* Mark the sample sites within crystal_radius_px of each crystal centre as crystal: region
 * 3, tau infinite (never relaxes), beta undefined. Serial: a few discs. */
static void ecm__sim_stamp_crystals(sim_ctx *c) {
  const ecm_sim_params *p = c->p;
  const double r = p->crystal_radius_px, r2 = r * r;
  const int64_t rr = (int64_t)floor(r);
  for (size_t k = 0; k < p->crystal_count; k++) {
    int64_t Yc = (int64_t)c->cry_y[k] + c->oy, Xc = (int64_t)c->cry_x[k] + c->ox;
    for (int64_t dy = -rr; dy <= rr; dy++)
      for (int64_t dx = -rr; dx <= rr; dx++) {
        int64_t Y = Yc + dy, X = Xc + dx;
        if ((double)(dy * dy + dx * dx) > r2 || Y < 0 || X < 0 || Y >= (int64_t)c->cny ||
            X >= (int64_t)c->cnx)
          continue;
        size_t i = (size_t)Y * c->cnx + (size_t)X;
        if (!c->region[i]) continue; /* crystals are inside the sample */
        c->region[i] = ECM__SIM_REGION_CRYSTAL;
        c->tau_f[i] = INFINITY;
        c->beta[i] = NAN;
      }
  }
}

static ecm_status ecm__sim_maps(sim_ctx *c, int nth) {
  const ecm_sim_params *p = c->p;
  const size_t C = c->C;
  double *g1 = malloc(C * sizeof *g1), *g2 = malloc(C * sizeof *g2);
  if (!g1 || !g2) {
    free(g1);
    free(g2);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate the truth-map fields");
  }
  ecm_status st = ECM_OK;
  if (p->tau_sigma > 0)
    st = ecm__sim_grf(p->seed, ECM__SIM_STREAM_G1, p->map_corr_px, -c->oy, -c->ox, c->cny, c->cnx,
                      nth, g1);
  else
    memset(g1, 0, C * sizeof *g1);
  if (st == ECM_OK && p->beta_max > p->beta_min)
    st = ecm__sim_grf(p->seed, ECM__SIM_STREAM_G2, p->map_corr_px, -c->oy, -c->ox, c->cny, c->cnx,
                      nth, g2);
  else
    memset(g2, 0, C * sizeof *g2);
  if (st != ECM_OK) {
    free(g1);
    free(g2);
    return st;
  }
  double tau_med_f = p->tau_median_s / c->dt;
#pragma omp parallel for num_threads(nth) schedule(static)
  for (size_t Y = 0; Y < c->cny; Y++)
    for (size_t X = 0; X < c->cnx; X++) {
      size_t i = Y * c->cnx + X;
      double ys = (double)((int64_t)Y - c->oy), xs = (double)((int64_t)X - c->ox);
      int reg = ecm__sim_region(p, ys, xs);
      c->region[i] = (uint8_t)reg;
      if (reg == 0) {
        c->tau_f[i] = NAN;
        c->beta[i] = NAN;
      } else {
        double t = tau_med_f * exp(p->tau_sigma * g1[i]);
        if (reg == 2) t /= p->surface_speedup;
        c->tau_f[i] = t;
        /* Gaussian copula: Phi(G2) is uniform on (0, 1) */
        double u = p->beta_max > p->beta_min ? 0.5 * erfc(-g2[i] / sqrt(2.0)) : 0.0;
        c->beta[i] = p->beta_min + (p->beta_max - p->beta_min) * u;
      }
      if (c->domains) c->label[i] = ecm__sim_domain_label(p->seed, p->domain_size_px, ys, xs);
    }
  free(g1);
  free(g2);
  if (c->crystals) ecm__sim_stamp_crystals(c);
  return ECM_OK;
}

/* 1 / m(r) for the blur: m(r) = (1 - f) sum_{a in sample} h_a^2
 * + f sum_D (sum_{a in D, sample} h_a)^2, the variance of the blurred field when all sites
 * share one spectrum (exact for uniform tau and beta). */
static ecm_status ecm__sim_blur_norm(sim_ctx *c, int nth) {
  const size_t rb = c->rb, nk = 2 * rb + 1, K = nk * nk;
  const double f = c->domains ? (double)c->sqf * (double)c->sqf : 0.0;
  uint64_t *lab = NULL;
  double *sum = NULL;
  if (c->domains) {
    lab = malloc((size_t)nth * K * sizeof *lab);
    sum = malloc((size_t)nth * K * sizeof *sum);
    if (!lab || !sum) {
      free(lab);
      free(sum);
      return ecm__status_set(ECM_ENOMEM, "cannot allocate blur normalisation scratch");
    }
  }
#pragma omp parallel num_threads(nth)
  {
    int tid = ecm__sim_tid();
    uint64_t *ml = lab ? lab + (size_t)tid * K : NULL;
    double *ms = sum ? sum + (size_t)tid * K : NULL;
#pragma omp for schedule(static)
    for (size_t Y = 0; Y < c->cny; Y++)
      for (size_t X = 0; X < c->cnx; X++) {
        size_t i = Y * c->cnx + X;
        c->minv[i] = 1.0f;
        if (!c->region[i] || Y < rb || X < rb || Y + rb >= c->cny || X + rb >= c->cnx) continue;
        double own = 0;
        size_t nd = 0;
        for (size_t a = 0; a < nk; a++)
          for (size_t b = 0; b < nk; b++) {
            size_t j = (Y + a - rb) * c->cnx + (X + b - rb);
            if (!c->region[j]) continue;
            double h = (double)c->hb[a] * (double)c->hb[b];
            own += h * h;
            if (!ml) continue;
            size_t q = 0;
            while (q < nd && ml[q] != c->label[j]) q++;
            if (q == nd) {
              ml[nd] = c->label[j];
              ms[nd++] = 0;
            }
            ms[q] += h;
          }
        double m = (1.0 - f) * own, shared = 0;
        for (size_t q = 0; q < nd; q++) shared += ms[q] * ms[q];
        m += f * shared;
        if (!ml) m = own;
        c->minv[i] = m > 0 ? (float)(1.0 / m) : 1.0f;
      }
  }
  free(lab);
  free(sum);
  return ECM_OK;
}

/* ---- drift -------------------------------------------------------------------------------- */

static void ecm__sim_shifts(const ecm_sim_params *p, double *sx, double *sy) {
  ecm__sim_rng r;
  ecm__sim_rng_seed(&r, p->seed, ECM__SIM_STREAM_DRIFT, 0, 0);
  double wx = 0, wy = 0;
  for (size_t t = 0; t < p->nt; t++) {
    if (t > 0 && p->drift_jitter_px > 0) {
      wx += p->drift_jitter_px * ecm__sim_normal(&r);
      wy += p->drift_jitter_px * ecm__sim_normal(&r);
    }
    /* drift * t / (nt - 1): exact for integer drifts that nt - 1 divides */
    sx[t] = p->drift_x_px * (double)t / (double)(p->nt - 1) + wx;
    sy[t] = p->drift_y_px * (double)t / (double)(p->nt - 1) + wy;
  }
}

/* ---- memory accounting -------------------------------------------------------------------- */

static ecm_status ecm__sim_acc(size_t *total, size_t a, size_t b, size_t c) {
  size_t v;
  ECM__TRY(ecm_size_mul3(a, b, c, &v));
  if (v > SIZE_MAX - *total)
    return ecm__status_set(ECM_EOVERFLOW, "simulator memory estimate overflows");
  *total += v;
  return ECM_OK;
}

/* ---- results ------------------------------------------------------------------------------ */

void ecm_sim_result_free(ecm_sim_result *r) {
  if (!r) return;
  ecm_stack_free(r->stack);
  ecm_stack_free(r->tau_s);
  ecm_stack_free(r->beta);
  ecm_stack_free(r->contrast);
  ecm_stack_free(r->region);
  free(r->shift_x);
  free(r->shift_y);
  free(r->crystal_x);
  free(r->crystal_y);
  free(r);
}

static void ecm__sim_ctx_free(sim_ctx *c) {
  free(c->tau_f);
  free(c->beta);
  free(c->region);
  free(c->label);
  free(c->minv);
  free(c->hb);
  free(c->lnk);
  free(c->wpos);
  ecm__fft_plan_release(c->pc2c);
  ecm__fft_plan_release(c->pdct);
}

/* ---- the driver ---------------------------------------------------------------------------- */

ecm_status ecm_sim_darkfield(const ecm_sim_params *p, const ecm_run *run, ecm_sim_result **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_sim_darkfield: NULL output");
  *out = NULL;
  ECM__TRY(ecm_sim_check_params(p));
  ecm_init();
  ecm_run defrun = ecm_run_default();
  if (!run) run = &defrun;
  ECM__TRY(ecm__run_report(run, 0.0, "simulating"));
  const int nth = ecm__run_threads(run);

  sim_ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.N = p->nt;
  c.dt = p->frame_interval_s;
  c.b = 1.0 / sqrt(p->contrast) - 1.0;
  c.inv1b = 1.0 / (1.0 + c.b);
  c.drift = p->drift_x_px != 0 || p->drift_y_px != 0 || p->drift_jitter_px > 0;
  c.blur = p->speckle_px > 0;
  c.domains = p->domain_size_px > 0 && p->shared_fraction > 0;
  c.crystals = p->crystal_count > 0;
  c.sq1f = (float)sqrt(1.0 - p->shared_fraction);
  c.sqf = (float)sqrt(p->shared_fraction);
  c.aging = p->aging_factor != 1.0;
  if (c.aging) {
    /* s(t) = int_0^t a^(-u/(N-1)) du = (N-1) (1 - a^(-t/(N-1))) / ln a; the grid step
     * 1/os <= min(1, 1/a) / 4 = a quarter of the smallest ds/dt */
    const double la = log(p->aging_factor), n1 = (double)(c.N - 1);
    c.os = ECM__SIM_AGING_OVERSAMPLE * fmax(1.0, p->aging_factor);
    c.wpos = malloc(c.N * sizeof *c.wpos);
    if (!c.wpos) return ecm__status_set(ECM_ENOMEM, "cannot allocate the aging time warp");
    for (size_t t = 0; t < c.N; t++) c.wpos[t] = c.os * n1 * -expm1(-la * (double)t / n1) / la;
    const double last = c.wpos[c.N - 1];
    if (!(last < (double)(SIZE_MAX / 16))) {
      free(c.wpos);
      return ecm__status_set(ECM_EOVERFLOW, "aging needs %g internal samples", last);
    }
    c.Ns = (size_t)floor(last) + 2;
    ecm_status sg = ecm__fft_good_size_even(2 * c.Ns, &c.L);
    if (sg != ECM_OK) {
      free(c.wpos);
      return sg;
    }
  } else {
    ECM__TRY(ecm__fft_good_size_even(2 * c.N, &c.L));
  }
  c.H = c.L / 2 + 1;

  ecm_sim_result *res = calloc(1, sizeof *res);
  if (!res) {
    free(c.wpos);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate a simulation result");
  }
  res->embed_len = c.L;
  ecm_status st = ECM_OK;
  sim_scratch *scr = NULL;
  float *target = NULL; /* canvas buffer when drift or blur is on */
  const size_t ny = p->ny, nx = p->nx, nt = p->nt;

  res->shift_x = malloc(nt * sizeof(double));
  res->shift_y = malloc(nt * sizeof(double));
  if (!res->shift_x || !res->shift_y) {
    st = ecm__status_set(ECM_ENOMEM, "cannot allocate the drift arrays");
    goto fail;
  }
  ecm__sim_shifts(p, res->shift_x, res->shift_y);
  c.sx = res->shift_x;
  c.sy = res->shift_y;
  if (c.crystals) {
    res->crystal_x = malloc(p->crystal_count * sizeof(double));
    res->crystal_y = malloc(p->crystal_count * sizeof(double));
    if (!res->crystal_x || !res->crystal_y) {
      st = ecm__status_set(ECM_ENOMEM, "cannot allocate the crystal centres");
      goto fail;
    }
    ecm__sim_crystal_centres(p, c.sx, c.sy, res->crystal_y, res->crystal_x);
    res->crystal_count = p->crystal_count;
    c.cry_x = res->crystal_x;
    c.cry_y = res->crystal_y;
  }

  /* Canvas: every sample site a frame samples (with a margin for bilinear interpolation
   * when drifting), plus the blur kernel's reach. */
  if (c.blur) {
    double sigma = p->speckle_px / ECM__SIM_FWHM_PER_SIGMA;
    c.rb = (size_t)ceil(ECM__SIM_KERNEL_NSIGMA * sigma);
  }
  {
    double ylo = 0, yhi = (double)ny - 1, xlo = 0, xhi = (double)nx - 1;
    if (c.drift) {
      double mny = 0, mxy = 0, mnx = 0, mxx = 0;
      for (size_t t = 0; t < nt; t++) {
        mny = fmin(mny, -c.sy[t]);
        mxy = fmax(mxy, -c.sy[t]);
        mnx = fmin(mnx, -c.sx[t]);
        mxx = fmax(mxx, -c.sx[t]);
      }
      /* one site for the interpolation, one more against rounding of y - shift */
      ylo = floor(mny) - 1;
      yhi = floor((double)ny - 1 + mxy) + 2;
      xlo = floor(mnx) - 1;
      xhi = floor((double)nx - 1 + mxx) + 2;
    }
    ylo -= (double)c.rb;
    xlo -= (double)c.rb;
    yhi += (double)c.rb;
    xhi += (double)c.rb;
    double cny = yhi - ylo + 1, cnx = xhi - xlo + 1;
    if (cny > (double)ECM_MAX_DIM || cnx > (double)ECM_MAX_DIM) {
      st = ecm__status_set(ECM_EOVERFLOW, "drift and blur need a %.0f x %.0f canvas", cny, cnx);
      goto fail;
    }
    c.cny = (size_t)cny;
    c.cnx = (size_t)cnx;
    c.oy = (int64_t)-ylo;
    c.ox = (int64_t)-xlo;
  }
  if ((st = ecm_size_mul(c.cny, c.cnx, &c.C)) != ECM_OK) goto fail;

  /* Memory: everything large, before allocating any of it. */
  {
    size_t total = 0;
    size_t elt = c.blur ? 2 : 1;
    if ((st = ecm__sim_acc(&total, nt, ny * nx, sizeof(float))) != ECM_OK) goto fail;
    if ((st = ecm__sim_acc(&total, 4, ny * nx, sizeof(float))) != ECM_OK) goto fail;
    /* canvas maps: tau, beta, region, labels, blur normalisation; labels again for xi */
    if ((st = ecm__sim_acc(&total, c.C, 8 + 8 + 1 + (c.domains ? 8 : 0) + (c.blur ? 4 : 0), 1)) !=
        ECM_OK)
      goto fail;
    if (c.domains && (st = ecm__sim_acc(&total, ny * nx, 9, 1)) != ECM_OK) goto fail;
    if (c.blur || c.drift)
      if ((st = ecm__sim_acc(&total, nt, c.C, elt * sizeof(float))) != ECM_OK) goto fail;
    size_t per = 2 * c.H * 8 + c.L * 4 + 2 * c.L * 4 * (c.domains ? 2 : 1) +
                 ECM__SIM_BLOCK * c.N * elt * 4 + (c.blur ? 20 * c.C : 0);
    if ((st = ecm__sim_acc(&total, (size_t)nth, per, 1)) != ECM_OK) goto fail;
    if (c.aging && (st = ecm__sim_acc(&total, nt, sizeof(double), 1)) != ECM_OK) goto fail;
    /* transient: the two latent fields and the filter's padded noise and row pass */
    if (p->map_corr_px > 0) {
      size_t rg = (size_t)ceil(ECM__SIM_KERNEL_NSIGMA * p->map_corr_px / sqrt(2.0));
      if ((st = ecm__sim_acc(&total, c.cny + 2 * rg, c.cnx + 2 * rg + c.cnx, 8)) != ECM_OK)
        goto fail;
    }
    if ((st = ecm__sim_acc(&total, c.C, 2, 8)) != ECM_OK) goto fail;
    if ((st = ecm__run_reserve(run, total, "the simulation")) != ECM_OK) goto fail;
  }

  /* FFT plans: ESTIMATE, so that a seed gives bit-identical data in every run. */
  {
    ecm__fft_spec sc = ecm__fft_spec_1d(ECM__FFT_C2C, ECM__FFT_F32, c.L, ECM__FFT_BACKWARD);
    sc.inplace = 1;
    ecm__fft_spec sd = ecm__fft_spec_1d(ECM__FFT_DCT1, ECM__FFT_F64, c.H, 0);
    if ((st = ecm__fft_plan_get(&sc, &c.pc2c)) != ECM_OK) goto fail;
    if ((st = ecm__fft_plan_get(&sd, &c.pdct)) != ECM_OK) goto fail;
  }

  /* Output and truth stacks. */
  if ((st = ecm_stack_alloc(nt, ny, nx, &res->stack)) != ECM_OK) goto fail;
  if ((st = ecm_stack_alloc(1, ny, nx, &res->tau_s)) != ECM_OK) goto fail;
  if ((st = ecm_stack_alloc(1, ny, nx, &res->beta)) != ECM_OK) goto fail;
  if ((st = ecm_stack_alloc(1, ny, nx, &res->contrast)) != ECM_OK) goto fail;
  if ((st = ecm_stack_alloc(1, ny, nx, &res->region)) != ECM_OK) goto fail;

  c.tau_f = malloc(c.C * sizeof *c.tau_f);
  c.beta = malloc(c.C * sizeof *c.beta);
  c.region = malloc(c.C);
  c.lnk = malloc(c.H * sizeof *c.lnk);
  if (c.domains) c.label = malloc(c.C * sizeof *c.label);
  if (c.blur) {
    c.minv = malloc(c.C * sizeof *c.minv);
    c.hb = malloc((2 * c.rb + 1) * sizeof *c.hb);
  }
  if (!c.tau_f || !c.beta || !c.region || !c.lnk || (c.domains && !c.label) ||
      (c.blur && (!c.minv || !c.hb))) {
    st = ecm__status_set(ECM_ENOMEM, "cannot allocate a %zu x %zu simulation canvas", c.cny, c.cnx);
    goto fail;
  }
  c.lnk[0] = 0;
  for (size_t k = 1; k < c.H; k++) c.lnk[k] = log((double)k);
  if (c.blur) {
    /* real Gaussian of the given FWHM, normalised so that the 2D kernel has sum h^2 = 1 */
    double sigma = p->speckle_px / ECM__SIM_FWHM_PER_SIGMA, ss = 0;
    double *hd = malloc((2 * c.rb + 1) * sizeof *hd);
    if (!hd) {
      st = ecm__status_set(ECM_ENOMEM, "cannot allocate the blur kernel");
      goto fail;
    }
    for (size_t a = 0; a <= 2 * c.rb; a++) {
      double d = (double)a - (double)c.rb;
      hd[a] = exp(-d * d / (2 * sigma * sigma));
      ss += hd[a] * hd[a];
    }
    for (size_t a = 0; a <= 2 * c.rb; a++) c.hb[a] = (float)(hd[a] / sqrt(ss));
    free(hd);
  }

  /* Stage 1: maps. */
  if ((st = ecm__sim_maps(&c, nth)) != ECM_OK) goto fail;
  if (c.blur && (st = ecm__sim_blur_norm(&c, nth)) != ECM_OK) goto fail;
  double w_fields = 1.0, w_frames = c.blur ? 0.5 : (c.drift ? 0.1 : 0.0);
  double w_counts = p->dose > 0 ? 0.3 : 0.0, w_all = 0.02 + w_fields + w_frames + w_counts;
  double at = 0.02 / w_all;
  if ((st = ecm__run_report(run, at, "simulating: maps")) != ECM_OK) goto fail;

  /* Scratch and the canvas buffer. */
  scr = calloc((size_t)nth, sizeof *scr);
  if (!scr) {
    st = ecm__status_set(ECM_ENOMEM, "cannot allocate per-thread scratch");
    goto fail;
  }
  for (int t = 0; t < nth; t++)
    if ((st = ecm__sim_scratch_alloc(&c, &scr[t])) != ECM_OK) goto fail;
  size_t elt = c.blur ? 2 : 1;
  if (c.blur || c.drift) {
    target = malloc(nt * c.C * elt * sizeof(float));
    if (!target) {
      st = ecm__status_set(ECM_ENOMEM, "cannot allocate the %zu x %zu x %zu simulation canvas", nt,
                           c.cny, c.cnx);
      goto fail;
    }
  }
  float *dst = target ? target : res->stack->data;

  /* Stage 2: per-pixel synthesis, blocks of up to ECM__SIM_BLOCK sites along a row. */
  {
    const size_t bpr = (c.cnx + ECM__SIM_BLOCK - 1) / ECM__SIM_BLOCK, nblk = c.cny * bpr;
    const size_t N = c.N, C = c.C;
    const float vac = (float)p->vacuum_level, bb = (float)c.b, i1b = (float)c.inv1b;
    sim_prog g;
    ecm__sim_prog_init(&g, run, "simulating: fields", at, w_fields / w_all, nblk);
    double max_clip = 0;
#pragma omp parallel num_threads(nth) reduction(max : max_clip)
    {
      sim_scratch *s = &scr[ecm__sim_tid()];
#pragma omp for schedule(dynamic, 1)
      for (size_t blk = 0; blk < nblk; blk++) {
        if (ecm__sim_prog_stopped(&g)) continue;
        size_t Y = blk / bpr, X0 = (blk % bpr) * ECM__SIM_BLOCK;
        size_t nb = c.cnx - X0 < ECM__SIM_BLOCK ? c.cnx - X0 : ECM__SIM_BLOCK;
        size_t site0 = Y * c.cnx + X0;
        for (size_t b = 0; b < nb; b++) {
          size_t site = site0 + b;
          if (!c.region[site]) {
            for (size_t t = 0; t < N; t++) {
              if (c.blur) {
                s->blk[2 * (t * ECM__SIM_BLOCK + b)] = 0.0f;
                s->blk[2 * (t * ECM__SIM_BLOCK + b) + 1] = 0.0f;
              } else {
                s->blk[t * ECM__SIM_BLOCK + b] = vac;
              }
            }
            continue;
          }
          if (c.region[site] == ECM__SIM_REGION_CRYSTAL) {
            float z[2];
            ecm__sim_crystal_field(p->seed, (int64_t)Y - c.oy, (int64_t)(X0 + b) - c.ox, z);
            float v = (float)(p->crystal_brightness *
                              ((double)z[0] * z[0] + (double)z[1] * z[1] + c.b) * c.inv1b);
            for (size_t t = 0; t < N; t++) {
              if (c.blur) {
                s->blk[2 * (t * ECM__SIM_BLOCK + b)] = z[0];
                s->blk[2 * (t * ECM__SIM_BLOCK + b) + 1] = z[1];
              } else {
                s->blk[t * ECM__SIM_BLOCK + b] = v;
              }
            }
            continue;
          }
          ecm__sim_field(&c, s, site, (int64_t)Y - c.oy, (int64_t)(X0 + b) - c.ox);
          const float *w = s->w;
          if (c.blur) {
            for (size_t t = 0; t < N; t++) {
              s->blk[2 * (t * ECM__SIM_BLOCK + b)] = w[2 * t];
              s->blk[2 * (t * ECM__SIM_BLOCK + b) + 1] = w[2 * t + 1];
            }
          } else {
            for (size_t t = 0; t < N; t++)
              s->blk[t * ECM__SIM_BLOCK + b] =
                  (w[2 * t] * w[2 * t] + w[2 * t + 1] * w[2 * t + 1] + bb) * i1b;
          }
        }
        for (size_t t = 0; t < N; t++)
          memcpy(dst + (t * C + site0) * elt, s->blk + t * ECM__SIM_BLOCK * elt,
                 nb * elt * sizeof(float));
        ecm__sim_prog_tick(&g);
      }
      max_clip = s->max_clip;
    }
    if (g.cancel) {
      st = ECM_ECANCELED;
      goto fail;
    }
    res->max_clipped_eigen = max_clip;
    at += w_fields / w_all;
  }

  /* Stage 3: per frame, blur the complex field and/or sample the drifting window. */
  if (c.blur || c.drift) {
    sim_prog g;
    ecm__sim_prog_init(&g, run, "simulating: frames", at, w_frames / w_all, nt);
    const size_t cnx = c.cnx, cny = c.cny, rb = c.rb, nk = 2 * rb + 1;
    const float vac = (float)p->vacuum_level, bb = (float)c.b, i1b = (float)c.inv1b;
    const float cgain = (float)p->crystal_brightness;
#pragma omp parallel num_threads(nth)
    {
      sim_scratch *s = &scr[ecm__sim_tid()];
#pragma omp for schedule(dynamic, 1)
      for (size_t t = 0; t < nt; t++) {
        if (ecm__sim_prog_stopped(&g)) continue;
        const float *icanv;
        if (c.blur) {
          const float *src = target + t * c.C * 2;
          /* rows pass on the inner columns, then columns pass on the inner rows */
          for (size_t Y = 0; Y < cny; Y++)
            for (size_t X = rb; X + rb < cnx; X++) {
              float re = 0, im = 0;
              const float *q = src + 2 * (Y * cnx + X - rb);
              for (size_t a = 0; a < nk; a++) {
                re += c.hb[a] * q[2 * a];
                im += c.hb[a] * q[2 * a + 1];
              }
              s->ca[2 * (Y * cnx + X)] = re;
              s->ca[2 * (Y * cnx + X) + 1] = im;
            }
          for (size_t Y = rb; Y + rb < cny; Y++)
            for (size_t X = rb; X + rb < cnx; X++) {
              size_t i = Y * cnx + X;
              if (!c.region[i]) {
                s->fi[i] = vac;
                continue;
              }
              float re = 0, im = 0;
              for (size_t a = 0; a < nk; a++) {
                size_t j = (Y + a - rb) * cnx + X;
                re += c.hb[a] * s->ca[2 * j];
                im += c.hb[a] * s->ca[2 * j + 1];
              }
              s->fi[i] = ((re * re + im * im) * c.minv[i] + bb) * i1b;
              if (c.region[i] == ECM__SIM_REGION_CRYSTAL) s->fi[i] *= cgain;
            }
          icanv = s->fi;
        } else {
          icanv = target + t * c.C;
        }
        float *of = res->stack->data + t * ny * nx;
        if (!c.drift) {
          for (size_t y = 0; y < ny; y++)
            memcpy(of + y * nx, icanv + ((size_t)c.oy + y) * cnx + (size_t)c.ox,
                   nx * sizeof(float));
        } else {
          /* frame pixel (y, x) shows the sample at (y - sy, x - sx): bilinear in intensity */
          for (size_t y = 0; y < ny; y++) {
            double Yc = (double)y + (double)c.oy - c.sy[t];
            double y0 = floor(Yc);
            float fy = (float)(Yc - y0);
            size_t iy = (size_t)y0;
            for (size_t x = 0; x < nx; x++) {
              double Xc = (double)x + (double)c.ox - c.sx[t];
              double x0 = floor(Xc);
              float fx = (float)(Xc - x0);
              size_t i = iy * cnx + (size_t)x0;
              float v = (1 - fy) * ((1 - fx) * icanv[i] + fx * icanv[i + 1]) +
                        fy * ((1 - fx) * icanv[i + cnx] + fx * icanv[i + cnx + 1]);
              of[y * nx + x] = v;
            }
          }
        }
        ecm__sim_prog_tick(&g);
      }
    }
    if (g.cancel) {
      st = ECM_ECANCELED;
      goto fail;
    }
    at += w_frames / w_all;
    free(target);
    target = NULL;
  }

  /* Stage 4: counting noise, one stream per output pixel, blocks along rows. */
  if (p->dose > 0) {
    const size_t bpr = (nx + ECM__SIM_BLOCK - 1) / ECM__SIM_BLOCK, nblk = ny * bpr;
    sim_prog g;
    ecm__sim_prog_init(&g, run, "simulating: counts", at, w_counts / w_all, nblk);
    float *data = res->stack->data;
    const double dose = p->dose;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
    for (size_t blk = 0; blk < nblk; blk++) {
      if (ecm__sim_prog_stopped(&g)) continue;
      size_t y = blk / bpr, x0 = (blk % bpr) * ECM__SIM_BLOCK;
      size_t nb = nx - x0 < ECM__SIM_BLOCK ? nx - x0 : ECM__SIM_BLOCK;
      ecm__sim_rng r[ECM__SIM_BLOCK];
      for (size_t b = 0; b < nb; b++)
        ecm__sim_rng_seed(&r[b], p->seed, ECM__SIM_STREAM_POISSON, (uint64_t)y, (uint64_t)(x0 + b));
      for (size_t t = 0; t < nt; t++) {
        float *row = data + (t * ny + y) * nx + x0;
        for (size_t b = 0; b < nb; b++)
          row[b] = (float)ecm__sim_poisson(&r[b], dose * (double)row[b]);
      }
      ecm__sim_prog_tick(&g);
    }
    if (g.cancel) {
      st = ECM_ECANCELED;
      goto fail;
    }
  }

  /* Truth maps in frame 0's field of view. */
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      size_t i = ((size_t)c.oy + y) * c.cnx + (size_t)c.ox + x, o = y * nx + x;
      int reg = c.region[i];
      res->region->data[o] = (float)reg;
      /* crystals: tau_f = +inf, beta NaN (set in stage 1) */
      res->tau_s->data[o] = reg ? (float)(c.tau_f[i] * c.dt) : NAN;
      res->beta->data[o] = reg ? (float)c.beta[i] : NAN;
      res->contrast->data[o] = reg ? (float)p->contrast : NAN;
    }

  /* Expected dynamic correlation length. */
  res->xi_expected_px = 0.0;
  if (c.domains) {
    double kmax_d = p->xi_fit_max_px > 0 ? p->xi_fit_max_px : 3.0 * p->domain_size_px;
    size_t half = (ny < nx ? ny : nx) / 2;
    size_t kmax = (size_t)floor(kmax_d);
    if (kmax > half) kmax = half;
    if (kmax > ECM__SIM_XI_MAX_RINGS) kmax = ECM__SIM_XI_MAX_RINGS;
    res->xi_expected_px = NAN;
    if (kmax >= 3) {
      uint64_t *lab = malloc(ny * nx * sizeof *lab);
      uint8_t *use = malloc(ny * nx);
      double *ps = malloc(kmax * sizeof *ps);
      if (!lab || !use || !ps) {
        free(lab);
        free(use);
        free(ps);
        st = ecm__status_set(ECM_ENOMEM, "cannot allocate the xi estimate");
        goto fail;
      }
      for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
          size_t i = ((size_t)c.oy + y) * c.cnx + (size_t)c.ox + x;
          lab[y * nx + x] = c.label[i];
          use[y * nx + x] = c.region[i] == 1 || c.region[i] == 2; /* not vacuum, crystals */
        }
      st = ecm__sim_psame(lab, use, ny, nx, kmax, nth, ps, NULL);
      if (st == ECM_OK) res->xi_expected_px = 2.0 * ecm__sim_fit_exp(ps, kmax);
      free(lab);
      free(use);
      free(ps);
      if (st != ECM_OK) goto fail;
    }
  }

  /* Calibration. */
  {
    ecm_calib cal;
    ecm_calib_init(&cal);
    cal.pixel_width = cal.pixel_height = p->pixel_size_nm;
    snprintf(cal.space_unit, sizeof cal.space_unit, "nm");
    res->tau_s->calib = res->beta->calib = res->contrast->calib = res->region->calib = cal;
    if ((st = ecm_calib_set_dt(&cal, p->frame_interval_s)) != ECM_OK) goto fail;
    res->stack->calib = cal;
  }
  if ((st = ecm__run_report(run, 1.0, "simulating")) != ECM_OK) goto fail;

  for (int t = 0; t < nth; t++) ecm__sim_scratch_free(&scr[t]);
  free(scr);
  ecm__sim_ctx_free(&c);
  *out = res;
  return ECM_OK;

fail:
  if (scr) {
    for (int t = 0; t < nth; t++) ecm__sim_scratch_free(&scr[t]);
    free(scr);
  }
  free(target);
  ecm__sim_ctx_free(&c);
  ecm_sim_result_free(res);
  return st;
}
