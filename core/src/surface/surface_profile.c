/* surface: tau versus distance from the edge, the surface and bulk regions, the bulk/surface
 * ratio and the surface-layer thickness (halfway crossing of the ln tau profile). */
#include "ecm/surface.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status/status_internal.h"

/* Most profile bins accepted (a smaller bin width is treated as a mistake). */
#define ECM__SURFACE_MAX_BINS ((size_t)1 << 22)

void ecm_surface_result_free(ecm_surface_result *r) {
  if (!r) return;
  free(r->bins);
  free(r);
}

/* Statistics of one region from its values (may be none). */
static ecm_status region_stats(const double *v, size_t n, ecm_surface_region *r) {
  r->n_used = n;
  r->has_lognormal = 0;
  memset(&r->tau, 0, sizeof r->tau);
  memset(&r->lognormal, 0, sizeof r->lognormal);
  if (n == 0) return ECM_OK;
  ECM__TRY(ecm_stats_summary(v, n, &r->tau));
  if (n >= 2) {
    ECM__TRY(ecm_stats_lognormal_fit(v, n, &r->lognormal));
    r->has_lognormal = 1;
  }
  return ECM_OK;
}

/* Fill one bin from its n values v[] (tau) and distances dd[]. */
static ecm_status bin_stats(const double *v, const double *dd, size_t n, ecm_surface_bin *b) {
  b->n = n;
  b->d_mean = b->mean = b->median = b->sd = b->sem = NAN;
  b->gmean = b->ln_mean = b->ln_sem = NAN;
  if (n == 0) return ECM_OK;
  ecm_summary s;
  ECM__TRY(ecm_stats_summary(v, n, &s));
  double sd = 0, sl = 0, sl2 = 0;
  for (size_t i = 0; i < n; i++) {
    sd += dd[i];
    sl += log(v[i]);
  }
  const double lm = sl / (double)n;
  for (size_t i = 0; i < n; i++) sl2 += (log(v[i]) - lm) * (log(v[i]) - lm);
  b->d_mean = sd / (double)n;
  b->mean = s.mean;
  b->median = s.median;
  b->sd = s.sd; /* NaN when n = 1 */
  b->sem = n > 1 ? s.sd / sqrt((double)n) : NAN;
  b->ln_mean = lm;
  b->gmean = exp(lm);
  b->ln_sem = n > 1 ? sqrt(sl2 / (double)(n - 1)) / sqrt((double)n) : NAN;
  return ECM_OK;
}

/* Halfway crossing of the ln tau profile (see ecm/surface.h); leaves thickness_ok 0 when
 * there is no crossing, no contrast or no plateau. sig_b is the standard error of L_bulk. */
static void thickness(ecm_surface_result *r, size_t min_count, double sig_b) {
  r->thickness_ok = 0;
  r->thickness_px = r->thickness_err_px = r->thickness_err_stat_px = NAN;
  r->thickness = r->thickness_err = NAN;
  r->ln_tau_surface = NAN;
  size_t i0 = r->nbins;
  for (size_t i = 0; i < r->nbins; i++)
    if (r->bins[i].n >= min_count && isfinite(r->bins[i].ln_mean)) {
      i0 = i;
      break;
    }
  if (i0 == r->nbins) return;
  const double ls = r->bins[i0].ln_mean, lb = r->ln_tau_bulk;
  r->ln_tau_surface = ls;
  if (!isfinite(lb) || !(ls != lb)) return;
  const double h = 0.5 * (ls + lb), sign = ls > h ? 1.0 : -1.0;
  size_t a = i0;
  for (size_t b = i0 + 1; b < r->nbins; b++) {
    const ecm_surface_bin *bb = &r->bins[b];
    if (bb->n < min_count || !isfinite(bb->ln_mean)) continue;
    if ((bb->ln_mean - h) * sign > 0) {
      a = b;
      continue;
    }
    const ecm_surface_bin *ba = &r->bins[a];
    const double la = ba->ln_mean, lbb = bb->ln_mean, dl = lbb - la;
    const double sp = bb->d_mean - ba->d_mean;
    r->thickness_px = ba->d_mean + (h - la) / dl * sp;
    /* first-order propagation, the inputs taken as independent */
    const double sa = isfinite(ba->ln_sem) ? ba->ln_sem : 0.0;
    const double sb = isfinite(bb->ln_sem) ? bb->ln_sem : 0.0;
    const double ss = isfinite(r->bins[i0].ln_sem) ? r->bins[i0].ln_sem : 0.0;
    const double sh2 = 0.25 * (ss * ss + sig_b * sig_b);
    const double ga = sp * (h - lbb) / (dl * dl), gb = -sp * (h - la) / (dl * dl), gh = sp / dl;
    r->thickness_err_stat_px = sqrt(ga * ga * sa * sa + gb * gb * sb * sb + gh * gh * sh2);
    r->thickness_err_px =
        sqrt(r->thickness_err_stat_px * r->thickness_err_stat_px + sp * sp / 12.0);
    r->thickness = r->thickness_px * r->unit_per_px;
    r->thickness_err = r->thickness_err_px * r->unit_per_px;
    r->thickness_ok = 1;
    return;
  }
}

ecm_status ecm_surface_analyze(const ecm_surface_geom *g, const float *tau, const uint8_t *status,
                               uint8_t good, size_t ny, size_t nx, const ecm_surface_params *p,
                               ecm_surface_result **out) {
  if (out) *out = NULL;
  if (!g || !g->sample || !g->dist_px || !tau || !out)
    return ecm__status_set(ECM_EINVAL, "surface analyze: NULL argument");
  ecm_surface_params dp = ecm_surface_default_params();
  if (!p) p = &dp;
  ECM__TRY(ecm_surface_check_params(p));
  if (ny != g->ny || nx != g->nx)
    return ecm__status_set(ECM_ESIZE, "surface analyze: tau map is %zux%zu, geometry %zux%zu", ny,
                           nx, g->ny, g->nx);
  size_t n;
  ECM__TRY(ecm_size_mul(ny, nx, &n));

  const double w = p->bin_width_px;
  double dmax = g->max_dist_px;
  if (p->max_distance_px > 0 && p->max_distance_px < dmax) dmax = p->max_distance_px;
  const double nb_d = floor(dmax / w) + 1.0;
  if (!(nb_d <= (double)ECM__SURFACE_MAX_BINS))
    return ecm__status_set(ECM_EINVAL,
                           "surface analyze: %.0f profile bins (bin width %g px up to %g px) "
                           "exceed %zu",
                           nb_d, w, dmax, ECM__SURFACE_MAX_BINS);
  const size_t nbins = (size_t)nb_d;

  /* usable pixels: values and distances, regions from both ends of one array */
  const double ds = p->surface_width_px, db = ds + p->bulk_gap_px;
  size_t nused = 0, nsurf_px = 0, nbulk_px = 0, ngap_px = 0;
  for (size_t i = 0; i < n; i++) {
    if (!g->sample[i]) continue;
    const double d = g->dist_px[i];
    if (d <= ds)
      nsurf_px++;
    else if (d > db)
      nbulk_px++;
    else
      ngap_px++;
    const double t = tau[i];
    if (isfinite(t) && t > 0 && (!status || status[i] == good)) nused++;
  }
  if (nused == 0)
    return ecm__status_set(ECM_ENODATA,
                           "surface analyze: none of the %zu sample pixels has a usable tau "
                           "(finite, > 0%s)",
                           g->n_sample, status ? ", good status" : "");

  ecm_status st = ECM_OK;
  size_t bytes;
  ecm_surface_result *r = calloc(1, sizeof *r);
  double *reg = NULL, *bv = NULL, *bd = NULL;
  size_t *cnt = NULL;
  if (!r) return ecm__status_set(ECM_ENOMEM, "surface analyze: cannot allocate the result");
  if ((st = ecm_size_mul(nbins, sizeof *r->bins, &bytes)) != ECM_OK) goto fail;
  r->bins = calloc(nbins, sizeof *r->bins);
  cnt = calloc(nbins + 1, sizeof *cnt);
  if ((st = ecm_size_mul(nused, sizeof(double), &bytes)) != ECM_OK) goto fail;
  reg = malloc(bytes);
  bv = malloc(bytes);
  bd = malloc(bytes);
  if (!r->bins || !cnt || !reg || !bv || !bd) {
    st = ecm__status_set(ECM_ENOMEM, "surface analyze: cannot allocate %zu bins, %zu values", nbins,
                         nused);
    goto fail;
  }
  r->nbins = nbins;
  r->bin_width_px = w;
  r->surface_width_px = ds;
  r->bulk_gap_px = p->bulk_gap_px;
  r->unit_per_px = g->unit_per_px;
  snprintf(r->space_unit, sizeof r->space_unit, "%s", g->space_unit);
  r->surface.n_pixels = nsurf_px;
  r->bulk.n_pixels = nbulk_px;
  r->n_gap = ngap_px;
  r->n_excluded = nsurf_px + nbulk_px + ngap_px - nused;

  /* regions (surface from the front, bulk from the back) and the bulk plateau */
  const double plateau = p->plateau_px > 0 ? p->plateau_px : 2.0 * ds;
  size_t ns = 0, nbk = 0, npl = 0;
  double spl = 0, spl2 = 0, sbk = 0, sbk2 = 0;
  for (size_t i = 0; i < n; i++) {
    const double t = tau[i];
    if (!g->sample[i] || !(isfinite(t) && t > 0) || (status && status[i] != good)) continue;
    const double d = g->dist_px[i], l = log(t);
    if (d <= ds) {
      reg[ns++] = t;
    } else if (d > db) {
      reg[nused - 1 - nbk++] = t;
      sbk += l;
      sbk2 += l * l;
    }
    if (d >= plateau) {
      spl += l;
      spl2 += l * l;
      npl++;
    }
    const size_t b = (size_t)floor(d / w);
    if (b < nbins) cnt[b + 1]++;
  }
  if ((st = region_stats(reg, ns, &r->surface)) != ECM_OK) goto fail;
  if ((st = region_stats(reg + (nused - nbk), nbk, &r->bulk)) != ECM_OK) goto fail;
  r->ratio = r->ratio_err = NAN;
  if (r->surface.has_lognormal && r->bulk.has_lognormal) {
    const ecm_lognormal *s = &r->surface.lognormal, *b = &r->bulk.lognormal;
    r->ratio = b->tau_med / s->tau_med;
    const double es = s->tau_med_err / s->tau_med, eb = b->tau_med_err / b->tau_med;
    r->ratio_err = r->ratio * sqrt(es * es + eb * eb);
  }

  /* bulk plateau: pixels with d >= plateau_px, else the bulk region */
  double sig_b = NAN;
  r->plateau_px = plateau;
  r->ln_tau_bulk = NAN;
  if (npl == 0) {
    npl = nbk;
    spl = sbk;
    spl2 = sbk2;
    r->plateau_px = db;
  }
  if (npl > 0) {
    const double m = spl / (double)npl;
    r->ln_tau_bulk = m;
    const double var = npl > 1 ? (spl2 - (double)npl * m * m) / (double)(npl - 1) : 0.0;
    sig_b = sqrt(var > 0 ? var : 0.0) / sqrt((double)npl);
  }

  /* profile: counting sort of the usable values by bin */
  for (size_t b = 0; b < nbins; b++) cnt[b + 1] += cnt[b];
  for (size_t i = 0; i < n; i++) {
    const double t = tau[i];
    if (!g->sample[i] || !(isfinite(t) && t > 0) || (status && status[i] != good)) continue;
    const double d = g->dist_px[i];
    const size_t b = (size_t)floor(d / w);
    if (b >= nbins) continue;
    bv[cnt[b]] = t;
    bd[cnt[b]] = d;
    cnt[b]++;
  }
  /* cnt[b] is now the end of bin b */
  for (size_t b = 0; b < nbins; b++) {
    const size_t lo = b == 0 ? 0 : cnt[b - 1];
    r->bins[b].d_lo = (double)b * w;
    r->bins[b].d_hi = (double)(b + 1) * w;
    if ((st = bin_stats(bv + lo, bd + lo, cnt[b] - lo, &r->bins[b])) != ECM_OK) goto fail;
  }
  thickness(r, p->min_bin_count, isfinite(sig_b) ? sig_b : 0.0);

  free(reg);
  free(bv);
  free(bd);
  free(cnt);
  *out = r;
  return ECM_OK;

fail:
  free(reg);
  free(bv);
  free(bd);
  free(cnt);
  ecm_surface_result_free(r);
  return st;
}
