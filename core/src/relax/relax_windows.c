/* Time-windowed relaxation maps: first/second half, sliding windows, beta-tau scatter.
 * Every map is the public ecm_relax_map of a frame-range sub-view. See ecm/relax.h
 * ("time-windowed maps") and docs/map.md ("Time evolution"). */
#include "ecm/relax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stack/run_internal.h"
#include "status/status_internal.h"

/* ---- progress of one sub-run inside a larger one ---------------------------------------- */

/* The inner ecm_relax_map reports its own fraction in [0, 1]; the caller sees
 * offset + scale * fraction under the outer stage label. Cancellation passes straight through:
 * the outer callback's return value is the inner one's. */
typedef struct sub_progress {
  const ecm_run *outer;
  double offset, scale;
  const char *stage;
} sub_progress;

static int sub_progress_fn(void *user, double fraction, const char *stage) {
  (void)stage;
  const sub_progress *s = user;
  return s->outer->progress(s->outer->user, s->offset + s->scale * fraction, s->stage);
}

/* The run for one sub-call: same threads, scaled progress, and the budget that is left after
 * `held` bytes the caller keeps meanwhile (0 stays "no limit"). */
static ecm_run sub_run(const ecm_run *run, sub_progress *sp, size_t held) {
  ecm_run r = run ? *run : ecm_run_default();
  if (run && run->progress) {
    r.progress = sub_progress_fn;
    r.user = sp;
  }
  if (r.memory_budget) r.memory_budget = held < r.memory_budget ? r.memory_budget - held : 1;
  return r;
}

/* Bytes an ecm_relax_maps of npix pixels and nbins bins holds (its arrays). */
static size_t maps_bytes(const ecm_relax_maps *m) {
  size_t npix = m->ny * m->nx;
  return npix * (7 * sizeof(float) + 1 + m->nbins * sizeof(float)) +
         m->nbins * (sizeof(double) + sizeof(size_t)) + sizeof *m;
}

/* ---- small statistics ------------------------------------------------------------------- */

/* Pearson correlation of x[n], y[n]; NaN when n < 3 or either is constant. */
static double pearson(const double *x, const double *y, size_t n) {
  if (n < 3) return NAN;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= (double)n;
  my /= (double)n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; i++) {
    double a = x[i] - mx, b = y[i] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* Sample standard deviation (n - 1) and mean of x[n]; sd NaN when n < 2. */
static double sd_mean(const double *x, size_t n, double *mean) {
  double m = 0, s = 0;
  for (size_t i = 0; i < n; i++) m += x[i];
  m = n ? m / (double)n : NAN;
  for (size_t i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  if (mean) *mean = m;
  return n > 1 ? sqrt(s / (double)(n - 1)) : NAN;
}

typedef struct ranked {
  double v;
  size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
  return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of x[n] (n >= 1), sorting x in place. */
static double median_sorted(double *x, size_t n) {
  qsort(x, n, sizeof *x, cmp_double);
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* rank[i] = 1-based rank of x[i] among x[n], ties sharing their mean rank. tmp[n] scratch. */
static void ranks(const double *x, size_t n, ranked *tmp, double *rank) {
  for (size_t i = 0; i < n; i++) {
    tmp[i].v = x[i];
    tmp[i].i = i;
  }
  qsort(tmp, n, sizeof *tmp, cmp_ranked);
  for (size_t a = 0; a < n;) {
    size_t b = a + 1;
    while (b < n && tmp[b].v == tmp[a].v) b++;
    double r = 0.5 * (double)(a + 1 + b); /* mean of ranks a+1 .. b */
    for (size_t k = a; k < b; k++) rank[tmp[k].i] = r;
    a = b;
  }
}

/* ---- comparison of two maps ------------------------------------------------------------- */

static int usable(const ecm_relax_maps *m, size_t i) {
  return m->status[i] == ECM_RELAX_CONVERGED && isfinite(m->tau[i]) && m->tau[i] > 0 &&
         isfinite(m->beta[i]);
}

ecm_status ecm_relax_compare(const ecm_relax_maps *a, const ecm_relax_maps *b,
                             const uint8_t *region, ecm_relax_compare_stats *out) {
  if (!a || !b || !out) return ecm__status_set(ECM_EINVAL, "ecm_relax_compare: NULL argument");
  if (a->ny != b->ny || a->nx != b->nx)
    return ecm__status_set(ECM_ESIZE, "compare: maps of %zu x %zu and %zu x %zu pixels", a->nx,
                           a->ny, b->nx, b->ny);
  size_t npix = a->ny * a->nx;
  memset(out, 0, sizeof *out);
  /* Seven columns of npix doubles: ln tau1, ln tau2, beta1, beta2, d, rank scratch and the
   * expected variances of d. */
  double *buf = malloc(npix ? 7 * npix * sizeof *buf : 1);
  ranked *tmp = malloc(npix ? npix * sizeof *tmp : 1);
  if (!buf || !tmp) {
    free(buf);
    free(tmp);
    return ecm__status_set(ECM_ENOMEM, "compare: cannot allocate for %zu pixels", npix);
  }
  double *l1 = buf, *l2 = buf + npix, *b1 = buf + 2 * npix, *b2 = buf + 3 * npix,
         *d = buf + 4 * npix, *r2 = buf + 5 * npix, *ev = buf + 6 * npix;
  size_t n = 0, ne = 0;
  for (size_t i = 0; i < npix; i++) {
    if (region && !region[i]) continue;
    if (!usable(a, i) || !usable(b, i)) continue;
    l1[n] = log(a->tau[i]);
    l2[n] = log(b->tau[i]);
    b1[n] = a->beta[i];
    b2[n] = b->beta[i];
    d[n] = l2[n] - l1[n];
    double e1 = a->tau_err[i] / a->tau[i], e2 = b->tau_err[i] / b->tau[i];
    if (isfinite(e1) && isfinite(e2)) ev[ne++] = e1 * e1 + e2 * e2;
    n++;
  }
  out->n_both = n;
  out->pearson_lntau = pearson(l1, l2, n);
  out->pearson_beta = pearson(b1, b2, n);
  out->pearson_null_sd = n > 1 ? 1.0 / sqrt((double)(n - 1)) : NAN;
  double r = out->pearson_lntau;
  if (n > 3 && isfinite(r) && fabs(r) < 1) {
    double z = atanh(r), se = 1.0 / sqrt((double)(n - 3));
    out->pearson_lo = tanh(z - 1.96 * se);
    out->pearson_hi = tanh(z + 1.96 * se);
  } else {
    out->pearson_lo = out->pearson_hi = NAN;
  }
  out->lnratio_sd = sd_mean(d, n, NULL);
  out->lnratio_sd_expected = ne ? sqrt(median_sorted(ev, ne)) : NAN;
  double mu1, mu2;
  out->lntau_sd[0] = sd_mean(l1, n, &mu1);
  out->lntau_sd[1] = sd_mean(l2, n, &mu2);
  out->tau_med[0] = exp(mu1);
  out->tau_med[1] = exp(mu2);
  if (n >= 3) { /* Spearman: Pearson of the ranks (b1 and r2 reused as rank columns) */
    ranks(l1, n, tmp, b1);
    ranks(l2, n, tmp, r2);
    out->spearman_tau = pearson(b1, r2, n);
  } else {
    out->spearman_tau = NAN;
  }
  if (n) { /* median ratio: exp is monotone, so the median of exp(d) is exp of d's middle */
    qsort(d, n, sizeof *d, cmp_double);
    out->ratio_median = n % 2 ? exp(d[n / 2]) : 0.5 * (exp(d[n / 2 - 1]) + exp(d[n / 2]));
    double md = median_sorted(d, n);
    for (size_t i = 0; i < n; i++) d[i] = fabs(d[i] - md);
    out->lnratio_sd_robust = 1.4826 * median_sorted(d, n);
  } else {
    out->ratio_median = out->lnratio_sd_robust = NAN;
  }
  free(buf);
  free(tmp);
  return ECM_OK;
}

/* ---- halves ----------------------------------------------------------------------------- */

void ecm_relax_halves_free(ecm_relax_halves *h) {
  if (!h) return;
  ecm_relax_maps_free(h->half[0]);
  ecm_relax_maps_free(h->half[1]);
  free(h);
}

ecm_status ecm_relax_split(const ecm_view *stack, const ecm_mask *mask, const ecm_relax_params *p,
                           const ecm_run *run, ecm_relax_halves **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_relax_split: NULL argument");
  *out = NULL;
  if (!stack || !p) return ecm__status_set(ECM_EINVAL, "ecm_relax_split: NULL argument");
  if (stack->nt < 6)
    return ecm__status_set(
        ECM_ENODATA, "split: %zu frames; each half needs at least 3 (6 frames in all)", stack->nt);
  ecm_relax_halves *h = calloc(1, sizeof *h);
  if (!h) return ecm__status_set(ECM_ENOMEM, "split: cannot allocate the result");
  h->nt = stack->nt / 2;
  h->first[0] = 0;
  h->first[1] = h->nt;
  ecm_status rc = ECM_OK;
  size_t held = 0;
  for (int k = 0; k < 2 && rc == ECM_OK; k++) {
    ecm_view sub;
    rc = ecm_view_sub(stack, h->first[k], h->nt, 0, stack->ny, 0, stack->nx, &sub);
    if (rc != ECM_OK) break;
    sub_progress sp = {run, 0.5 * k, 0.5, "split"};
    ecm_run r = sub_run(run, &sp, held);
    rc = ecm_relax_map(&sub, mask, p, &r, &h->half[k]);
    if (rc != ECM_OK) {
      rc = ecm__status_prefix(rc, "half %d (frames %zu-%zu)", k + 1, h->first[k] + 1,
                              h->first[k] + h->nt);
      break;
    }
    held += maps_bytes(h->half[k]);
  }
  if (rc == ECM_OK) rc = ecm_relax_compare(h->half[0], h->half[1], NULL, &h->stats);
  if (rc != ECM_OK) {
    /* ecm_relax_map may hand back maps together with a late ECM_ECANCELED: freed here too. */
    ecm_relax_halves_free(h);
    return rc;
  }
  *out = h;
  return ECM_OK;
}

/* ---- sliding windows -------------------------------------------------------------------- */

void ecm_relax_window_maps_free(ecm_relax_window_maps *w) {
  if (!w) return;
  free(w->tau);
  free(w->beta);
  free(w->A);
  free(w->status);
  free(w->first_frame);
  free(w->t_start);
  free(w->t_center);
  free(w->summary);
  free(w);
}

/* Summary of one window's maps; `scratch` holds ny*nx doubles. */
static void window_summary(const ecm_relax_maps *m, double *scratch, ecm_relax_window_summary *s) {
  size_t npix = m->ny * m->nx, nc = 0;
  double bsum = 0;
  memset(s, 0, sizeof *s);
  for (size_t i = 0; i < npix; i++) {
    s->count[m->status[i]]++;
    if (m->status[i] == ECM_RELAX_MASKED) continue;
    s->n_pixels++;
    if (m->status[i] != ECM_RELAX_CONVERGED) continue;
    scratch[nc++] = m->tau[i];
    bsum += m->beta[i];
  }
  s->n_converged = nc;
  s->converged_fraction = s->n_pixels ? (double)nc / (double)s->n_pixels : NAN;
  s->beta_mean = nc ? bsum / (double)nc : NAN;
  ecm_lognormal ln;
  if (nc >= 2 && ecm_stats_lognormal_fit(scratch, nc, &ln) == ECM_OK) {
    s->tau_med = ln.tau_med;
    s->tau_sigma = ln.sigma;
  } else {
    s->tau_med = nc == 1 ? scratch[0] : NAN;
    s->tau_sigma = NAN;
  }
}

ecm_status ecm_relax_windows(const ecm_view *stack, const ecm_mask *mask, const ecm_relax_params *p,
                             size_t length, size_t step, const ecm_run *run,
                             ecm_relax_window_maps **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_relax_windows: NULL argument");
  *out = NULL;
  if (!stack || !p) return ecm__status_set(ECM_EINVAL, "ecm_relax_windows: NULL argument");
  size_t n = stack->nt, ny = stack->ny, nx = stack->nx;
  if (n < 3) return ecm__status_set(ECM_ENODATA, "windows: %zu frames, need at least 3", n);
  if (length < 3)
    return ecm__status_set(ECM_EINVAL, "windows: window length %zu frames, must be >= 3", length);
  if (length > n)
    return ecm__status_set(
        ECM_EINVAL, "windows: window length %zu frames exceeds the series (%zu frames)", length, n);
  if (step == 0) return ecm__status_set(ECM_EINVAL, "windows: step must be >= 1 frame");
  ECM__TRY(ecm_mask_check(mask, ny, nx));
  size_t nw = (n - length) / step + 1, npix, cells, plane_bytes, bytes;
  ECM__TRY(ecm_size_mul(ny, nx, &npix));
  ECM__TRY(ecm_size_mul(nw, npix, &cells));
  ECM__TRY(ecm_size_mul(cells, 3 * sizeof(float) + 1, &plane_bytes));
  size_t per_window = sizeof(ecm_relax_window_summary) + 2 * sizeof(double) + sizeof(size_t);
  ECM__TRY(ecm_size_mul(nw, per_window, &bytes));
  if (bytes > SIZE_MAX - plane_bytes - npix * sizeof(double))
    return ecm__status_set(ECM_EOVERFLOW, "windows: %zu windows of %zu x %zu are too large", nw, nx,
                           ny);
  bytes += plane_bytes + npix * sizeof(double);
  ECM__TRY(ecm__run_reserve(run, bytes, "sliding-window maps"));

  ecm_relax_window_maps *w = calloc(1, sizeof *w);
  double *scratch = malloc(npix * sizeof *scratch);
  if (w) {
    w->tau = malloc(cells * sizeof(float));
    w->beta = malloc(cells * sizeof(float));
    w->A = malloc(cells * sizeof(float));
    w->status = malloc(cells);
    w->first_frame = malloc(nw * sizeof *w->first_frame);
    w->t_start = malloc(nw * sizeof *w->t_start);
    w->t_center = malloc(nw * sizeof *w->t_center);
    w->summary = malloc(nw * sizeof *w->summary);
  }
  if (!w || !scratch || !w->tau || !w->beta || !w->A || !w->status || !w->first_frame ||
      !w->t_start || !w->t_center || !w->summary) {
    ecm_relax_window_maps_free(w);
    free(scratch);
    return ecm__status_set(ECM_ENOMEM, "windows: cannot allocate %zu maps of %zu x %zu", nw, nx,
                           ny);
  }
  w->n_windows = nw;
  w->ny = ny;
  w->nx = nx;
  w->length = length;
  w->step = step;
  w->calib = stack->calib;
  double dt = ecm_calib_dt_seconds(&stack->calib); /* the rule ecm_relax_map uses */
  w->dt = dt > 0 ? dt : 1.0;
  strcpy(w->time_unit, dt > 0 ? "s" : "frame");

  ecm_status rc = ECM_OK;
  for (size_t k = 0; k < nw && rc == ECM_OK; k++) {
    size_t t0 = k * step;
    w->first_frame[k] = t0;
    w->t_start[k] = (double)t0 * w->dt;
    w->t_center[k] = ((double)t0 + 0.5 * (double)(length - 1)) * w->dt;
    ecm_view sub;
    rc = ecm_view_sub(stack, t0, length, 0, ny, 0, nx, &sub);
    if (rc != ECM_OK) break;
    sub_progress sp = {run, (double)k / (double)nw, 1.0 / (double)nw, "windows"};
    ecm_run r = sub_run(run, &sp, bytes);
    ecm_relax_maps *m = NULL;
    rc = ecm_relax_map(&sub, mask, p, &r, &m);
    if (rc != ECM_OK) {
      ecm_relax_maps_free(m); /* maps handed back with a late ECM_ECANCELED */
      rc = ecm__status_prefix(rc, "window %zu of %zu (frames %zu-%zu)", k + 1, nw, t0 + 1,
                              t0 + length);
      break;
    }
    size_t off = k * npix;
    memcpy(w->tau + off, m->tau, npix * sizeof(float));
    memcpy(w->beta + off, m->beta, npix * sizeof(float));
    memcpy(w->A + off, m->A, npix * sizeof(float));
    memcpy(w->status + off, m->status, npix);
    window_summary(m, scratch, &w->summary[k]);
    ecm_relax_maps_free(m);
  }
  free(scratch);
  if (rc == ECM_OK) rc = ecm__run_report(run, 1.0, "windows");
  if (rc != ECM_OK) {
    ecm_relax_window_maps_free(w);
    return rc;
  }
  *out = w;
  return ECM_OK;
}

ecm_view ecm_relax_window_view(const ecm_relax_window_maps *w, const float *plane) {
  ecm_view v = ecm_view_contiguous(plane, w->n_windows, w->ny, w->nx);
  v.calib = w->calib;
  double dt = ecm_calib_dt_seconds(&w->calib);
  if (dt > 0) {
    v.calib.frame_interval = (double)w->step * dt;
    strcpy(v.calib.time_unit, "s");
  } else {
    v.calib.frame_interval = (double)w->step;
    strcpy(v.calib.time_unit, "frame");
  }
  return v;
}

/* ---- beta-tau scatter ------------------------------------------------------------------- */

ecm_status ecm_relax_scatter(const ecm_relax_maps *m, const uint8_t *region, double *tau,
                             double *beta, size_t cap, size_t *n, double *r_lntau_beta) {
  if (!m || !n || (cap && (!tau || !beta)))
    return ecm__status_set(ECM_EINVAL, "ecm_relax_scatter: NULL argument");
  size_t npix = m->ny * m->nx, c = 0;
  double sl = 0, sb = 0;
  for (size_t i = 0; i < npix; i++) {
    if ((region && !region[i]) || !usable(m, i)) continue;
    sl += log(m->tau[i]);
    sb += m->beta[i];
    c++;
  }
  *n = c;
  if (r_lntau_beta) {
    *r_lntau_beta = NAN;
    if (c >= 3) {
      double ml = sl / (double)c, mb = sb / (double)c, sxy = 0, sxx = 0, syy = 0;
      for (size_t i = 0; i < npix; i++) {
        if ((region && !region[i]) || !usable(m, i)) continue;
        double a = log(m->tau[i]) - ml, b = m->beta[i] - mb;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
      }
      if (sxx > 0 && syy > 0) *r_lntau_beta = sxy / sqrt(sxx * syy);
    }
  }
  if (!tau && !beta && cap == 0) return ECM_OK;
  if (cap < c)
    return ecm__status_set(ECM_ESIZE, "scatter: %zu converged pixels, room for %zu", c, cap);
  size_t k = 0;
  for (size_t i = 0; i < npix; i++) {
    if ((region && !region[i]) || !usable(m, i)) continue;
    tau[k] = m->tau[i];
    beta[k] = m->beta[i];
    k++;
  }
  return ECM_OK;
}
