/* g4(Δt, Δr): LITERAL (ring-averaged Eq. 3) and CONVENTIONAL (pairwise) variants by FFT.
 *
 * LITERAL: for a batch of rings, every frame is transformed once (2D r2c of the masked frame,
 * zero-padded to >= ny + R by >= nx + R so the circular convolution equals the linear one),
 * multiplied by each ring's (real, symmetric) kernel spectrum and transformed back; dividing
 * by the ring's in-ROI weight W = M * K gives Ī. X(t, r) = I(t,r) Ī(t,r) is stored per pixel
 * for all frames and the numerator sum_t sum_r X(t,r) X(t+Δt,r) for every lag comes from the
 * summed power spectra of the pixels' time series (1D r2c, zero-padded to >= N + max Δt).
 * CONVENTIONAL: per lag, sum over t of |FFT(M Q_t)|^2, one inverse transform gives the
 * displacement autocorrelation; rings sum it over their offsets. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ecm/g4.h"
#include "fft/fft_internal.h"
#include "g4/g4_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

/* Cap of the stored X(t, r) of one ring batch when the run sets no budget, bytes. */
#define ECM__G4_X_CAP ((size_t)1 << 30)
/* Frames per thread block (LITERAL): X is stored pixel-major (a pixel's time series is
 * contiguous), so a block's values are gathered per thread and written 8 doubles (one
 * cache line) per pixel and ring instead of one scattered double per frame. */
#define ECM__G4_TB 8

const char *ecm_g4_variant_name(ecm_g4_variant v) {
  return v == ECM_G4_CONVENTIONAL ? "conventional" : "literal";
}

ecm_g4_params ecm_g4_default_params(void) {
  ecm_g4_params p;
  p.variant = ECM_G4_LITERAL;
  p.dt = NULL;
  p.n_dt = 0;
  p.max_r = 8;
  return p;
}

void ecm_g4_result_free(ecm_g4_result *r) {
  if (!r) return;
  free(r->dt);
  free(r->g4);
  free(r->weight);
  free(r);
}

static ecm_status check(const ecm_view *s, const ecm_g4_params *p) {
  if (!s || !p || !s->data) return ecm__status_set(ECM_EINVAL, "g4: NULL argument");
  if (p->variant != ECM_G4_LITERAL && p->variant != ECM_G4_CONVENTIONAL)
    return ecm__status_set(ECM_EINVAL, "g4: unknown variant %d", (int)p->variant);
  if (!p->dt || p->n_dt == 0) return ecm__status_set(ECM_EINVAL, "g4: no lags (n_dt >= 1)");
  if (p->max_r > ECM_G4_MAX_R)
    return ecm__status_set(ECM_EINVAL, "g4: max_r %zu above %d px", p->max_r, ECM_G4_MAX_R);
  if (s->nt < 2 || s->ny < 1 || s->nx < 1)
    return ecm__status_set(ECM_EINVAL, "g4: need at least 2 frames");
  if (s->nt > ECM_MAX_DIM || s->ny > ECM_MAX_DIM || s->nx > ECM_MAX_DIM)
    return ecm__status_set(ECM_EOVERFLOW, "g4: stack too large");
  for (size_t i = 0; i < p->n_dt; i++)
    if (p->dt[i] >= s->nt)
      return ecm__status_set(ECM_EINVAL, "g4: lag %zu frames must be below N = %zu", p->dt[i],
                             s->nt);
  return ECM_OK;
}

typedef struct geom {
  size_t N, ny, nx, R, py, px, pxh, nspec; /* pxh = px/2 + 1, nspec = py * pxh */
  size_t maxdt, L, Lh;                     /* time FFT length (LITERAL) */
} geom;

static ecm_status make_geom(const ecm_view *s, const ecm_g4_params *p, geom *g) {
  memset(g, 0, sizeof *g);
  g->N = s->nt;
  g->ny = s->ny;
  g->nx = s->nx;
  g->R = p->max_r;
  ECM__TRY(ecm__fft_good_size_even(s->ny + p->max_r, &g->py));
  ECM__TRY(ecm__fft_good_size_even(s->nx + p->max_r, &g->px));
  g->pxh = g->px / 2 + 1;
  ECM__TRY(ecm_size_mul(g->py, g->pxh, &g->nspec));
  for (size_t i = 0; i < p->n_dt; i++)
    if (p->dt[i] > g->maxdt) g->maxdt = p->dt[i];
  ECM__TRY(ecm__fft_good_size_even(g->N + g->maxdt, &g->L));
  g->Lh = g->L / 2 + 1;
  return ECM_OK;
}

/* Rings held in memory at once (LITERAL) under the budget / cap. */
static size_t batch_rings(const geom *g, size_t nroi, const ecm_run *run) {
  size_t cap = run && run->memory_budget ? run->memory_budget / 2 : ECM__G4_X_CAP;
  size_t per = g->N * (nroi ? nroi : 1) * sizeof(double);
  size_t nb = per ? cap / per : 1;
  if (nb < 1) nb = 1;
  if (nb > g->R + 1) nb = g->R + 1;
  return nb;
}

ecm_status ecm_g4_memory(const ecm_view *s, const ecm_g4_params *p, int threads, size_t *bytes) {
  ECM__TRY(check(s, p));
  geom g;
  ECM__TRY(make_geom(s, p, &g));
  if (threads < 1) threads = 1;
  size_t npix = g.ny * g.nx, pad = g.py * g.px, per_thread, shared, tmp;
  if (p->variant == ECM_G4_LITERAL) {
    size_t nb = batch_rings(&g, npix, NULL);
    ECM__TRY(ecm_size_mul3(g.N, npix, nb * sizeof(double), &shared));
    shared += (g.R + 1) * (g.nspec + npix + 2 * g.N) * sizeof(double);
    per_thread =
        (pad + 2 * g.nspec + 2 * g.L + nb * g.Lh + ECM__G4_TB * nb * npix) * sizeof(double);
  } else {
    shared = (2 * g.nspec + 4 * npix) * sizeof(double);
    per_thread = (pad + 3 * g.nspec + 2 * npix) * sizeof(double);
  }
  ECM__TRY(ecm_size_mul(per_thread, (size_t)threads, &tmp));
  *bytes = shared + tmp;
  return ECM_OK;
}

/* Shared progress / cancel / failure state of a parallel region. */
typedef struct prog {
  const ecm_run *run;
  size_t done, total;
  int cancel, failed;
} prog;

static void prog_step(prog *pr) {
  size_t now;
#pragma omp atomic capture
  now = ++pr->done;
#ifdef _OPENMP
  if (omp_get_thread_num() == 0)
#endif
  {
    if (ecm__run_report(pr->run, (double)now / (double)(pr->total ? pr->total : 1), "g4") !=
        ECM_OK) {
#pragma omp atomic write
      pr->cancel = 1;
    }
  }
}

static int prog_stop(prog *pr) {
  int s;
#pragma omp atomic read
  s = pr->cancel;
  int f;
#pragma omp atomic read
  f = pr->failed;
  return s || f;
}

static void prog_fail(prog *pr) {
#pragma omp atomic write
  pr->failed = 1;
}

/* Masked frame t into a zeroed padded buffer; 0 when a non-finite value is inside the mask. */
static int load_frame(const ecm_view *s, const uint8_t *in, const geom *g, size_t t, double *buf) {
  memset(buf, 0, g->py * g->px * sizeof *buf);
  for (size_t y = 0; y < g->ny; y++)
    for (size_t x = 0; x < g->nx; x++) {
      if (in && !in[y * g->nx + x]) continue;
      double v = ecm_view_at(s, t, y, x);
      if (!isfinite(v)) return 0;
      buf[y * g->px + x] = v;
    }
  return 1;
}

/* Real spectrum (the ring kernel is symmetric) of ring k's kernel into spec[nspec]. */
static ecm_status ring_spectrum(const geom *g, size_t k, const ecm__fft_plan *fwd, double *buf,
                                double *cplx, double *spec) {
  memset(buf, 0, g->py * g->px * sizeof *buf);
  long R = (long)g->R;
  for (long dy = -R; dy <= R; dy++)
    for (long dx = -R; dx <= R; dx++)
      if (ecm__g4_ring(dy, dx) == (long)k) {
        size_t iy = (size_t)((dy + (long)g->py) % (long)g->py);
        size_t ix = (size_t)((dx + (long)g->px) % (long)g->px);
        buf[iy * g->px + ix] = 1.0;
      }
  ECM__TRY(ecm__fft_exec_d(fwd, buf, cplx));
  for (size_t i = 0; i < g->nspec; i++) spec[i] = cplx[2 * i];
  return ECM_OK;
}

/* ---------------------------------------------------------------- LITERAL ---------- */

static ecm_status literal(const ecm_view *s, const uint8_t *in, const geom *g,
                          const ecm_g4_params *p, const ecm_run *run, int threads,
                          const ecm__fft_plan *fwd, const ecm__fft_plan *inv, ecm_g4_result *res) {
  size_t npix = g->ny * g->nx, nr = g->R + 1, pad = g->py * g->px;
  double invpad = 1.0 / (double)pad;
  /* ROI pixel list. */
  size_t nroi = 0;
  size_t *roi = malloc(npix * sizeof *roi);
  double *kspec = malloc(nr * g->nspec * sizeof *kspec);
  double *winv = calloc(nr * npix, sizeof *winv); /* 1/W inside S(k), else 0 */
  double *sI = calloc(nr * g->N, sizeof *sI), *sB = calloc(nr * g->N, sizeof *sB);
  double *buf = ecm__fft_alloc(pad * sizeof(double));
  double *cplx = ecm__fft_alloc(2 * g->nspec * sizeof(double));
  ecm_status st = ECM_OK;
  double *X = NULL;
  const ecm__fft_plan *tf = NULL, *ti = NULL;
  if (!roi || !kspec || !winv || !sI || !sB || !buf || !cplx) {
    st = ecm__status_set(ECM_ENOMEM, "g4: out of memory");
    goto out;
  }
  for (size_t q = 0; q < npix; q++)
    if (!in || in[q]) roi[nroi++] = q;
  /* Kernel spectra and in-ROI ring weights W = M * K. */
  for (size_t k = 0; k < nr && st == ECM_OK; k++) {
    st = ring_spectrum(g, k, fwd, buf, cplx, kspec + k * g->nspec);
    if (st != ECM_OK) break;
    memset(buf, 0, pad * sizeof *buf);
    for (size_t j = 0; j < nroi; j++) buf[(roi[j] / g->nx) * g->px + roi[j] % g->nx] = 1.0;
    if ((st = ecm__fft_exec_d(fwd, buf, cplx)) != ECM_OK) break;
    for (size_t i = 0; i < g->nspec; i++) {
      cplx[2 * i] *= kspec[k * g->nspec + i];
      cplx[2 * i + 1] *= kspec[k * g->nspec + i];
    }
    if ((st = ecm__fft_exec_d(inv, cplx, buf)) != ECM_OK) break;
    double wsum = 0;
    for (size_t j = 0; j < nroi; j++) {
      double w = floor(buf[(roi[j] / g->nx) * g->px + roi[j] % g->nx] * invpad + 0.5);
      if (w > 0) {
        winv[k * npix + roi[j]] = 1.0 / w;
        wsum += 1;
      }
    }
    res->weight[k] = wsum;
  }
  if (st != ECM_OK) goto out;
  ecm__fft_spec ts = ecm__fft_spec_1d(ECM__FFT_R2C, ECM__FFT_F64, g->L, 0);
  ts.effort = ECM__FFT_MEASURE; /* run once per ROI pixel and ring */
  if ((st = ecm__fft_plan_get(&ts, &tf)) != ECM_OK) goto out;
  ts = ecm__fft_spec_1d(ECM__FFT_C2R, ECM__FFT_F64, g->L, 0);
  ts.effort = ECM__FFT_MEASURE;
  if ((st = ecm__fft_plan_get(&ts, &ti)) != ECM_OK) goto out;

  size_t nb = batch_rings(g, nroi, run);
  size_t xbytes;
  if ((st = ecm_size_mul3(g->N, nroi, nb * sizeof(double), &xbytes)) != ECM_OK) goto out;
  if ((st = ecm__run_reserve(run, xbytes, "g4 ring-product series")) != ECM_OK) goto out;
  X = malloc(xbytes);
  if (!X) {
    st = ecm__status_set(ECM_ENOMEM, "g4: cannot allocate %zu bytes", xbytes);
    goto out;
  }
  size_t nbatch = (nr + nb - 1) / nb;
  prog pr = {run, 0, nbatch * (g->N + nroi), 0, 0};
  double *power = calloc(nb * g->Lh, sizeof *power);
  if (!power) {
    st = ecm__status_set(ECM_ENOMEM, "g4: out of memory");
    goto out;
  }
  for (size_t k0 = 0; k0 < nr && !pr.cancel && !pr.failed; k0 += nb) {
    size_t kb = nr - k0 < nb ? nr - k0 : nb;
    /* Ring 0 is the single offset (0, 0): its kernel is a delta and Ī = I exactly, so it
     * needs no transform (a batch of ring 0 alone needs none at all). */
    int only0 = k0 == 0 && kb == 1;
    memset(power, 0, nb * g->Lh * sizeof *power);
#pragma omp parallel num_threads(threads)
    {
      double *fb = ecm__fft_alloc(pad * sizeof(double));
      double *fs = ecm__fft_alloc(2 * g->nspec * sizeof(double));
      double *ws = ecm__fft_alloc(2 * g->nspec * sizeof(double));
      double *ob = ecm__fft_alloc(pad * sizeof(double));
      double *ts_in = ecm__fft_alloc(g->L * sizeof(double));
      double *ts_out = ecm__fft_alloc(2 * g->Lh * sizeof(double));
      double *pw = calloc(kb * g->Lh, sizeof *pw);
      double *xb = malloc(ECM__G4_TB * kb * nroi * sizeof *xb); /* [b][tt][j] */
      if (!fb || !fs || !ws || !ob || !ts_in || !ts_out || !pw || !xb) prog_fail(&pr);
#pragma omp barrier
      /* Frames: Ī for every ring of the batch, X = I Ī, per-frame sums over S(k). */
      size_t nblk = (g->N + ECM__G4_TB - 1) / ECM__G4_TB;
#pragma omp for schedule(dynamic, 1)
      for (size_t tb = 0; tb < nblk; tb++) {
        size_t t0 = tb * ECM__G4_TB, tn = g->N - t0 < ECM__G4_TB ? g->N - t0 : ECM__G4_TB;
        int ok = 1;
        for (size_t t = t0; t < t0 + tn && ok; t++) {
          if (prog_stop(&pr)) {
            ok = 0;
            break;
          }
          if (!load_frame(s, in, g, t, fb) || (!only0 && ecm__fft_exec_d(fwd, fb, fs) != ECM_OK)) {
            prog_fail(&pr);
            ok = 0;
            break;
          }
          for (size_t b = 0; b < kb; b++) {
            size_t k = k0 + b;
            const double *src = fb;
            double scale = 1.0;
            if (k > 0) {
              const double *ks = kspec + k * g->nspec;
              for (size_t i = 0; i < g->nspec; i++) {
                ws[2 * i] = fs[2 * i] * ks[i];
                ws[2 * i + 1] = fs[2 * i + 1] * ks[i];
              }
              if (ecm__fft_exec_d(inv, ws, ob) != ECM_OK) {
                prog_fail(&pr);
                ok = 0;
                break;
              }
              src = ob;
              scale = invpad;
            }
            const double *wi = winv + k * npix;
            double si = 0, sb = 0;
            double *xk = xb + (b * ECM__G4_TB + (t - t0)) * nroi;
            for (size_t j = 0; j < nroi; j++) {
              size_t q = roi[j], o = (q / g->nx) * g->px + q % g->nx;
              double w = wi[q], x = 0;
              if (w > 0) {
                double ibar = src[o] * scale * w, iv = fb[o];
                si += iv;
                sb += ibar;
                x = iv * ibar;
              }
              xk[j] = x;
            }
            sI[k * g->N + t] = si;
            sB[k * g->N + t] = sb;
          }
          prog_step(&pr);
        }
        if (!ok) continue;
        /* Transpose the block into the pixel-major X. */
        for (size_t b = 0; b < kb; b++) {
          const double *src0 = xb + b * ECM__G4_TB * nroi;
          double *xk = X + b * nroi * g->N + t0;
          for (size_t j = 0; j < nroi; j++)
            for (size_t tt = 0; tt < tn; tt++) xk[j * g->N + tt] = src0[tt * nroi + j];
        }
      }
      /* Pixels: summed power spectra of the zero-padded time series of X. */
#pragma omp for schedule(dynamic, 16)
      for (size_t jb = 0; jb < nroi * kb; jb++) {
        if (prog_stop(&pr)) continue;
        size_t b = jb / nroi, j = jb % nroi;
        memcpy(ts_in, X + (b * nroi + j) * g->N, g->N * sizeof(double));
        memset(ts_in + g->N, 0, (g->L - g->N) * sizeof(double));
        if (ecm__fft_exec_d(tf, ts_in, ts_out) != ECM_OK) {
          prog_fail(&pr);
          continue;
        }
        double *pb = pw + b * g->Lh;
        for (size_t i = 0; i < g->Lh; i++)
          pb[i] += ts_out[2 * i] * ts_out[2 * i] + ts_out[2 * i + 1] * ts_out[2 * i + 1];
        if (j % 64 == 0) prog_step(&pr);
      }
#pragma omp critical(ecm_g4_reduce)
      {
        if (pw)
          for (size_t i = 0; i < kb * g->Lh; i++) power[i] += pw[i];
      }
      free(pw);
      free(xb);
      ecm__fft_free(fb);
      ecm__fft_free(fs);
      ecm__fft_free(ws);
      ecm__fft_free(ob);
      ecm__fft_free(ts_in);
      ecm__fft_free(ts_out);
    }
    if (pr.failed || pr.cancel) break;
    /* Per ring: autocorrelation of the summed power, then g4 for every lag. */
    double *cin = ecm__fft_alloc(2 * g->Lh * sizeof(double));
    double *cout = ecm__fft_alloc(g->L * sizeof(double));
    if (!cin || !cout) {
      ecm__fft_free(cin);
      ecm__fft_free(cout);
      st = ecm__status_set(ECM_ENOMEM, "g4: out of memory");
      break;
    }
    for (size_t b = 0; b < kb && st == ECM_OK; b++) {
      size_t k = k0 + b;
      for (size_t i = 0; i < g->Lh; i++) {
        cin[2 * i] = power[b * g->Lh + i];
        cin[2 * i + 1] = 0;
      }
      if ((st = ecm__fft_exec_d(ti, cin, cout)) != ECM_OK) break;
      const double *si = sI + k * g->N, *sb = sB + k * g->N;
      double nS = res->weight[k];
      for (size_t i = 0; i < p->n_dt; i++) {
        size_t dt = p->dt[i], n = g->N - dt;
        double a0 = 0, a1 = 0, b0 = 0, b1 = 0;
        for (size_t t = 0; t < n; t++) {
          a0 += si[t];
          a1 += si[t + dt];
          b0 += sb[t];
          b1 += sb[t + dt];
        }
        double cnt = (double)n * nS;
        double num = cout[dt] / (double)g->L / cnt;
        double den = (a0 / cnt) * (a1 / cnt) * (b0 / cnt) * (b1 / cnt);
        res->g4[i * nr + k] = nS > 0 && den != 0 ? num / den : NAN;
      }
    }
    ecm__fft_free(cin);
    ecm__fft_free(cout);
  }
  free(power);
  if (st == ECM_OK && pr.failed)
    st = ecm__status_set(ECM_EINVAL,
                         "g4: a non-finite value inside the mask (or FFT scratch failed)");
  if (st == ECM_OK && pr.cancel) st = ecm__status_set(ECM_ECANCELED, "g4 cancelled");
out:
  ecm__fft_plan_release(tf);
  ecm__fft_plan_release(ti);
  free(X);
  free(roi);
  free(kspec);
  free(winv);
  free(sI);
  free(sB);
  ecm__fft_free(buf);
  ecm__fft_free(cplx);
  return st;
}

/* ----------------------------------------------------------- CONVENTIONAL ---------- */

/* sum over ring k of the displacement map a (padded layout, circular offsets). */
static double ring_sum(const geom *g, const double *a, size_t k) {
  long R = (long)g->R;
  double s = 0;
  for (long dy = -R; dy <= R; dy++)
    for (long dx = -R; dx <= R; dx++)
      if (ecm__g4_ring(dy, dx) == (long)k) {
        size_t iy = (size_t)((dy + (long)g->py) % (long)g->py);
        size_t ix = (size_t)((dx + (long)g->px) % (long)g->px);
        s += a[iy * g->px + ix];
      }
  return s;
}

/* out = circular cross-correlation sum_r a(r) b(r + d) (padded arrays; a, b overwritten). */
static ecm_status xcorr(const geom *g, const ecm__fft_plan *fwd, const ecm__fft_plan *inv,
                        double *a, double *b, double *ca, double *cb, double *out) {
  ECM__TRY(ecm__fft_exec_d(fwd, a, ca));
  ECM__TRY(ecm__fft_exec_d(fwd, b, cb));
  double sc = 1.0 / (double)(g->py * g->px);
  for (size_t i = 0; i < g->nspec; i++) {
    double ar = ca[2 * i], ai = ca[2 * i + 1], br = cb[2 * i], bi = cb[2 * i + 1];
    ca[2 * i] = (ar * br + ai * bi) * sc; /* conj(A) B */
    ca[2 * i + 1] = (ar * bi - ai * br) * sc;
  }
  return ecm__fft_exec_d(inv, ca, out);
}

static ecm_status conventional(const ecm_view *s, const uint8_t *in, const geom *g,
                               const ecm_g4_params *p, const ecm_run *run, int threads,
                               const ecm__fft_plan *fwd, const ecm__fft_plan *inv,
                               ecm_g4_result *res) {
  size_t npix = g->ny * g->nx, nr = g->R + 1, pad = g->py * g->px;
  double *power = calloc(g->nspec, sizeof *power);
  double *S0 = calloc(npix, sizeof *S0), *S1 = calloc(npix, sizeof *S1);
  double *a = ecm__fft_alloc(pad * sizeof(double)), *b = ecm__fft_alloc(pad * sizeof(double));
  double *o = ecm__fft_alloc(pad * sizeof(double));
  double *ca = ecm__fft_alloc(2 * g->nspec * sizeof(double));
  double *cb = ecm__fft_alloc(2 * g->nspec * sizeof(double));
  double *pairs = calloc(nr, sizeof *pairs);
  ecm_status st = ECM_OK;
  if (!power || !S0 || !S1 || !a || !b || !o || !ca || !cb || !pairs) {
    st = ecm__status_set(ECM_ENOMEM, "g4: out of memory");
    goto out;
  }
  /* Pair counts per ring: autocorrelation of the mask. */
  memset(a, 0, pad * sizeof *a);
  memset(b, 0, pad * sizeof *b);
  for (size_t y = 0; y < g->ny; y++)
    for (size_t x = 0; x < g->nx; x++)
      if (!in || in[y * g->nx + x]) a[y * g->px + x] = b[y * g->px + x] = 1.0;
  if ((st = xcorr(g, fwd, inv, a, b, ca, cb, o)) != ECM_OK) goto out;
  for (size_t k = 0; k < nr; k++) {
    pairs[k] = floor(ring_sum(g, o, k) + 0.5);
    res->weight[k] = pairs[k];
  }
  prog pr = {run, 0, 0, 0, 0};
  for (size_t i = 0; i < p->n_dt; i++) pr.total += g->N - p->dt[i];
  for (size_t i = 0; i < p->n_dt && !pr.cancel && !pr.failed; i++) {
    size_t dt = p->dt[i], n = g->N - dt;
    memset(power, 0, g->nspec * sizeof *power);
    memset(S0, 0, npix * sizeof *S0);
    memset(S1, 0, npix * sizeof *S1);
#pragma omp parallel num_threads(threads)
    {
      double *f0 = ecm__fft_alloc(pad * sizeof(double));
      double *f1 = ecm__fft_alloc(pad * sizeof(double));
      double *fc = ecm__fft_alloc(2 * g->nspec * sizeof(double));
      double *pw = calloc(g->nspec, sizeof *pw);
      double *s0 = calloc(npix, sizeof *s0), *s1 = calloc(npix, sizeof *s1);
      if (!f0 || !f1 || !fc || !pw || !s0 || !s1) prog_fail(&pr);
#pragma omp barrier
#pragma omp for schedule(dynamic, 2)
      for (size_t t = 0; t < n; t++) {
        if (prog_stop(&pr)) continue;
        if (!load_frame(s, in, g, t, f0) || !load_frame(s, in, g, t + dt, f1)) {
          prog_fail(&pr);
          continue;
        }
        for (size_t y = 0; y < g->ny; y++)
          for (size_t x = 0; x < g->nx; x++) {
            size_t o2 = y * g->px + x;
            s0[y * g->nx + x] += f0[o2];
            s1[y * g->nx + x] += f1[o2];
            f0[o2] *= f1[o2];
          }
        if (ecm__fft_exec_d(fwd, f0, fc) != ECM_OK) {
          prog_fail(&pr);
          continue;
        }
        for (size_t q = 0; q < g->nspec; q++)
          pw[q] += fc[2 * q] * fc[2 * q] + fc[2 * q + 1] * fc[2 * q + 1];
        prog_step(&pr);
      }
#pragma omp critical(ecm_g4_reduce_c)
      {
        if (pw && s0 && s1) {
          for (size_t q = 0; q < g->nspec; q++) power[q] += pw[q];
          for (size_t q = 0; q < npix; q++) {
            S0[q] += s0[q];
            S1[q] += s1[q];
          }
        }
      }
      ecm__fft_free(f0);
      ecm__fft_free(f1);
      ecm__fft_free(fc);
      free(pw);
      free(s0);
      free(s1);
    }
    if (pr.failed || pr.cancel) break;
    /* Numerator: autocorrelation of the masked products summed over t. */
    double sc = 1.0 / (double)pad;
    for (size_t q = 0; q < g->nspec; q++) {
      ca[2 * q] = power[q] * sc;
      ca[2 * q + 1] = 0;
    }
    if ((st = ecm__fft_exec_d(inv, ca, o)) != ECM_OK) break;
    double num[ECM_G4_MAX_R + 1], m0[ECM_G4_MAX_R + 1], m1[ECM_G4_MAX_R + 1];
    for (size_t k = 0; k < nr; k++) num[k] = ring_sum(g, o, k);
    /* Pair means of S0 and S1: cross-correlation with the mask. */
    for (int pass = 0; pass < 2 && st == ECM_OK; pass++) {
      const double *Sx = pass ? S1 : S0;
      memset(a, 0, pad * sizeof *a);
      memset(b, 0, pad * sizeof *b);
      for (size_t y = 0; y < g->ny; y++)
        for (size_t x = 0; x < g->nx; x++)
          if (!in || in[y * g->nx + x]) {
            a[y * g->px + x] = Sx[y * g->nx + x];
            b[y * g->px + x] = 1.0;
          }
      if ((st = xcorr(g, fwd, inv, a, b, ca, cb, o)) != ECM_OK) break;
      for (size_t k = 0; k < nr; k++) (pass ? m1 : m0)[k] = ring_sum(g, o, k);
    }
    if (st != ECM_OK) break;
    for (size_t k = 0; k < nr; k++) {
      double cnt = (double)n * pairs[k];
      double e0 = m0[k] / cnt, e1 = m1[k] / cnt;
      double den = e0 * e1 * e0 * e1;
      res->g4[i * nr + k] = pairs[k] > 0 && den != 0 ? (num[k] / cnt) / den : NAN;
    }
  }
  if (st == ECM_OK && pr.failed)
    st = ecm__status_set(ECM_EINVAL,
                         "g4: a non-finite value inside the mask (or FFT scratch failed)");
  if (st == ECM_OK && pr.cancel) st = ecm__status_set(ECM_ECANCELED, "g4 cancelled");
out:
  free(power);
  free(S0);
  free(S1);
  free(pairs);
  ecm__fft_free(a);
  ecm__fft_free(b);
  ecm__fft_free(o);
  ecm__fft_free(ca);
  ecm__fft_free(cb);
  return st;
}

ecm_status ecm_g4_compute(const ecm_view *s, const ecm_mask *mask, const ecm_g4_params *p,
                          const ecm_run *run, ecm_g4_result **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "g4: NULL output");
  ECM__TRY(check(s, p));
  ECM__TRY(ecm_mask_check(mask, s->ny, s->nx));
  geom g;
  ECM__TRY(make_geom(s, p, &g));
  int threads = ecm__run_threads(run);
  size_t bytes;
  ECM__TRY(ecm_g4_memory(s, p, threads, &bytes));
  ECM__TRY(ecm__run_reserve(run, bytes, "g4 working memory"));
  ecm_g4_result *r = calloc(1, sizeof *r);
  if (!r) return ecm__status_set(ECM_ENOMEM, "g4: out of memory");
  r->variant = p->variant;
  r->n_dt = p->n_dt;
  r->n_r = g.R + 1;
  r->frames = g.N;
  r->roi_pixels = mask ? ecm_mask_count(mask) : g.ny * g.nx;
  r->dt = malloc(p->n_dt * sizeof *r->dt);
  r->g4 = malloc(p->n_dt * r->n_r * sizeof *r->g4);
  r->weight = calloc(r->n_r, sizeof *r->weight);
  if (!r->dt || !r->g4 || !r->weight) {
    ecm_g4_result_free(r);
    return ecm__status_set(ECM_ENOMEM, "g4: out of memory");
  }
  memcpy(r->dt, p->dt, p->n_dt * sizeof *r->dt);
  for (size_t i = 0; i < p->n_dt * r->n_r; i++) r->g4[i] = NAN;
  const ecm__fft_plan *fwd = NULL, *inv = NULL;
  /* The 2D plans run once or twice per frame and lag (10^5 times for a long series):
   * MEASURE plans, faster to execute; results may differ in the last bits between runs. */
  ecm__fft_spec sp = ecm__fft_spec_2d(ECM__FFT_R2C, ECM__FFT_F64, g.py, g.px, 0);
  sp.effort = ECM__FFT_MEASURE;
  ecm_status st = ecm__fft_plan_get(&sp, &fwd);
  if (st == ECM_OK) {
    sp = ecm__fft_spec_2d(ECM__FFT_C2R, ECM__FFT_F64, g.py, g.px, 0);
    sp.effort = ECM__FFT_MEASURE;
    st = ecm__fft_plan_get(&sp, &inv);
  }
  const uint8_t *in = mask ? mask->inside : NULL;
  if (st == ECM_OK)
    st = p->variant == ECM_G4_LITERAL ? literal(s, in, &g, p, run, threads, fwd, inv, r)
                                      : conventional(s, in, &g, p, run, threads, fwd, inv, r);
  ecm__fft_plan_release(fwd);
  ecm__fft_plan_release(inv);
  if (st == ECM_OK) st = ecm__run_report(run, 1.0, "g4");
  if (st != ECM_OK) {
    ecm_g4_result_free(r);
    return st;
  }
  *out = r;
  return ECM_OK;
}
