/* surface: parameters, the temporal mean image, Otsu's threshold, the sample mask (largest
 * component, filled holes), its edge and the exact Euclidean distance transform. */
#include "ecm/surface.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/run_internal.h"
#include "status/status_internal.h"
#include "surface/surface_internal.h"

/* Frames per parallel chunk of the mean image (progress granularity only). */
#define ECM__SURFACE_CHUNK 32
/* Relative difference of pixel width and height above which pixels count as non-square. */
#define ECM__SURFACE_SQUARE_TOL 1e-6

ecm_surface_params ecm_surface_default_params(void) {
  ecm_surface_params p;
  memset(&p, 0, sizeof p);
  p.threshold_mode = ECM_SURFACE_THRESHOLD_OTSU;
  p.threshold = 0.0;
  p.otsu_bins = 256;
  p.keep_largest = 1;
  p.fill_holes = 1;
  p.surface_width_px = 3.0;
  p.bulk_gap_px = 0.0;
  p.bin_width_px = 1.0;
  p.max_distance_px = 0.0;
  p.plateau_px = 0.0;
  p.min_bin_count = 5;
  return p;
}

ecm_status ecm_surface_check_params(const ecm_surface_params *p) {
  if (!p) return ecm__status_set(ECM_EINVAL, "surface: NULL parameters");
  if (p->threshold_mode != ECM_SURFACE_THRESHOLD_OTSU &&
      p->threshold_mode != ECM_SURFACE_THRESHOLD_VALUE)
    return ecm__status_set(
        ECM_EINVAL, "surface: threshold_mode = %d must be %d (Otsu) or %d (value)",
        (int)p->threshold_mode, (int)ECM_SURFACE_THRESHOLD_OTSU, (int)ECM_SURFACE_THRESHOLD_VALUE);
  if (p->threshold_mode == ECM_SURFACE_THRESHOLD_VALUE && !isfinite(p->threshold))
    return ecm__status_set(ECM_EINVAL, "surface: threshold = %g must be finite", p->threshold);
  if (p->otsu_bins < 2 || p->otsu_bins > 65536)
    return ecm__status_set(ECM_EINVAL, "surface: otsu_bins = %zu must be in [2, 65536]",
                           p->otsu_bins);
  if (!(p->surface_width_px > 0 && p->surface_width_px <= 1e6))
    return ecm__status_set(ECM_EINVAL, "surface: surface_width_px = %g must be in (0, 1e6] px",
                           p->surface_width_px);
  if (!(p->bulk_gap_px >= 0 && p->bulk_gap_px <= 1e6))
    return ecm__status_set(ECM_EINVAL, "surface: bulk_gap_px = %g must be in [0, 1e6] px",
                           p->bulk_gap_px);
  if (!(p->bin_width_px >= 0.01 && p->bin_width_px <= 1e6))
    return ecm__status_set(ECM_EINVAL, "surface: bin_width_px = %g must be in [0.01, 1e6] px",
                           p->bin_width_px);
  if (!(p->max_distance_px >= 0 && p->max_distance_px <= 1e9))
    return ecm__status_set(ECM_EINVAL, "surface: max_distance_px = %g must be in [0, 1e9] px",
                           p->max_distance_px);
  if (!(p->plateau_px >= 0 && p->plateau_px <= 1e9))
    return ecm__status_set(ECM_EINVAL, "surface: plateau_px = %g must be in [0, 1e9] px",
                           p->plateau_px);
  if (p->min_bin_count < 1)
    return ecm__status_set(ECM_EINVAL, "surface: min_bin_count must be >= 1");
  return ECM_OK;
}

/* ---- mean image --------------------------------------------------------------------- */

ecm_status ecm_surface_mean_image(const ecm_view *stack, const ecm_run *run, float *mean,
                                  size_t cap) {
  if (!stack || !stack->data || !mean)
    return ecm__status_set(ECM_EINVAL, "surface mean image: NULL argument");
  if (stack->nt == 0 || stack->ny == 0 || stack->nx == 0)
    return ecm__status_set(ECM_EINVAL, "surface mean image: empty view (%zux%zux%zu)", stack->nt,
                           stack->ny, stack->nx);
  const size_t ny = stack->ny, nx = stack->nx, nt = stack->nt;
  size_t n, bytes;
  ECM__TRY(ecm_size_mul(ny, nx, &n));
  if (cap < n)
    return ecm__status_set(ECM_ESIZE, "surface mean image: output holds %zu values, need %zu", cap,
                           n);
  ECM__TRY(ecm_size_mul(n, sizeof(double), &bytes));
  ECM__TRY(ecm__run_reserve(run, bytes, "the mean image"));
  double *sum = calloc(n, sizeof *sum);
  if (!sum)
    return ecm__status_set(ECM_ENOMEM, "surface mean image: cannot allocate %zu bytes", bytes);
  const int nth = ecm__run_threads(run);
  (void)nth; /* used by OpenMP only */
  ecm_status st = ecm__run_report(run, 0.0, "surface: mean");
  for (size_t t0 = 0; st == ECM_OK && t0 < nt; t0 += ECM__SURFACE_CHUNK) {
    const size_t t1 = nt - t0 > ECM__SURFACE_CHUNK ? t0 + ECM__SURFACE_CHUNK : nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
    for (size_t y = 0; y < ny; y++)
      for (size_t t = t0; t < t1; t++)
        for (size_t x = 0; x < nx; x++) sum[y * nx + x] += (double)ecm_view_at(stack, t, y, x);
    st = ecm__run_report(run, (double)t1 / (double)nt, "surface: mean");
  }
  if (st == ECM_OK)
    for (size_t i = 0; i < n; i++) {
      const double m = sum[i] / (double)nt; /* NaN or inf once any frame is not finite */
      mean[i] = isfinite(m) ? (float)m : NAN;
    }
  free(sum);
  return st;
}

/* ---- Otsu ----------------------------------------------------------------------------- */

ecm_status ecm_surface_otsu(const float *img, size_t n, size_t nbins, double *threshold) {
  if (!img || !threshold) return ecm__status_set(ECM_EINVAL, "Otsu: NULL argument");
  if (nbins < 2 || nbins > 65536)
    return ecm__status_set(ECM_EINVAL, "Otsu: nbins = %zu must be in [2, 65536]", nbins);
  double lo = INFINITY, hi = -INFINITY;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(img[i])) {
      if (img[i] < lo) lo = img[i];
      if (img[i] > hi) hi = img[i];
      m++;
    }
  if (m == 0) return ecm__status_set(ECM_ENODATA, "Otsu: no finite pixel");
  if (!(hi > lo))
    return ecm__status_set(ECM_ENODATA,
                           "Otsu: every finite pixel equals %g: nothing to separate (no edge)", lo);
  double *h = calloc(nbins, sizeof *h);
  if (!h) return ecm__status_set(ECM_ENOMEM, "Otsu: cannot allocate %zu bins", nbins);
  const double w = (hi - lo) / (double)nbins;
  for (size_t i = 0; i < n; i++)
    if (isfinite(img[i])) {
      size_t b = (size_t)(((double)img[i] - lo) / w);
      if (b >= nbins) b = nbins - 1;
      h[b] += 1.0;
    }
  double tot = 0;
  for (size_t b = 0; b < nbins; b++) tot += h[b] * (lo + ((double)b + 0.5) * w);
  /* between-class variance w0 w1 (mu0 - mu1)^2 for the split after bin k; a plateau of
   * equal maxima (empty bins between the classes) gives its middle */
  double c0 = 0, s0 = 0, best = -1;
  size_t kfirst = 0, klast = 0;
  for (size_t k = 0; k + 1 < nbins; k++) {
    c0 += h[k];
    s0 += h[k] * (lo + ((double)k + 0.5) * w);
    const double c1 = (double)m - c0;
    if (c0 <= 0 || c1 <= 0) continue;
    const double d = s0 / c0 - (tot - s0) / c1;
    const double v = c0 * c1 * d * d;
    if (v > best) {
      best = v;
      kfirst = klast = k;
    } else if (v == best) {
      klast = k;
    }
  }
  free(h);
  *threshold = lo + (0.5 * (double)(kfirst + klast) + 1.0) * w;
  return ECM_OK;
}

/* ---- distance transform --------------------------------------------------------------- */

/* Lower envelope of the parabolas f[q] + (i - q)^2 over one line of n samples:
 * out[i] = min_q f[q] + (i - q)^2. v (n) and z (n + 1) are scratch. f must be finite
 * (ECM__SURFACE_FAR stands for "no background"), so z[0] = -inf stops the back-tracking. */
static void edt_1d(const double *f, size_t n, double *out, size_t *v, double *z) {
  size_t k = 0;
  v[0] = 0;
  z[0] = -INFINITY;
  z[1] = INFINITY;
  for (size_t q = 1; q < n; q++) {
    const double dq = (double)q;
    double dv = (double)v[k];
    double s = ((f[q] + dq * dq) - (f[v[k]] + dv * dv)) / (2.0 * dq - 2.0 * dv);
    while (s <= z[k]) {
      k--;
      dv = (double)v[k];
      s = ((f[q] + dq * dq) - (f[v[k]] + dv * dv)) / (2.0 * dq - 2.0 * dv);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INFINITY;
  }
  k = 0;
  for (size_t q = 0; q < n; q++) {
    while (z[k + 1] < (double)q) k++;
    const double dd = (double)q - (double)v[k];
    out[q] = dd * dd + f[v[k]];
  }
}

ecm_status ecm__surface_edt_sq(const uint8_t *fg, size_t ny, size_t nx, double *d2) {
  const size_t len = ny > nx ? ny : nx;
  double *f = calloc(len, sizeof *f), *o = calloc(len, sizeof *o);
  double *z = malloc((len + 1) * sizeof *z);
  size_t *v = malloc(len * sizeof *v);
  if (!f || !o || !z || !v) {
    free(f);
    free(o);
    free(z);
    free(v);
    return ecm__status_set(ECM_ENOMEM, "distance transform: cannot allocate scratch of %zu", len);
  }
  /* columns */
  for (size_t x = 0; x < nx; x++) {
    for (size_t y = 0; y < ny; y++) f[y] = fg[y * nx + x] ? ECM__SURFACE_FAR : 0.0;
    edt_1d(f, ny, o, v, z);
    for (size_t y = 0; y < ny; y++) d2[y * nx + x] = o[y];
  }
  /* rows */
  for (size_t y = 0; y < ny; y++) {
    memcpy(f, d2 + y * nx, nx * sizeof *f);
    edt_1d(f, nx, d2 + y * nx, v, z);
  }
  free(f);
  free(o);
  free(z);
  free(v);
  return ECM_OK;
}

/* ---- connected components --------------------------------------------------------- */

/* Label the 8-connected components of a[] != 0 (labels 1..); returns the count and the
 * label of the largest (first in raster order on ties). queue holds n indices. */
static size_t label_components(const uint8_t *a, size_t ny, size_t nx, uint32_t *lab, size_t *queue,
                               uint32_t *largest) {
  const size_t n = ny * nx;
  memset(lab, 0, n * sizeof *lab);
  uint32_t next = 0;
  size_t best = 0;
  *largest = 0;
  for (size_t s = 0; s < n; s++) {
    if (!a[s] || lab[s]) continue;
    next++;
    size_t head = 0, tail = 0, size = 0;
    lab[s] = next;
    queue[tail++] = s;
    while (head < tail) {
      const size_t i = queue[head++];
      size++;
      const size_t y = i / nx, x = i % nx;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          if ((dy == 0 && dx == 0) || (dy < 0 && y == 0) || (dx < 0 && x == 0) ||
              (dy > 0 && y + 1 == ny) || (dx > 0 && x + 1 == nx))
            continue;
          const size_t j = (size_t)((ptrdiff_t)i + dy * (ptrdiff_t)nx + dx);
          if (a[j] && !lab[j]) {
            lab[j] = next;
            queue[tail++] = j;
          }
        }
    }
    if (size > best) {
      best = size;
      *largest = next;
    }
  }
  return next;
}

/* Make non-sample pixels that no 4-connected non-sample path links to the image border
 * sample. Returns the number filled. */
static size_t fill_holes(uint8_t *a, size_t ny, size_t nx, uint8_t *seen, size_t *queue) {
  const size_t n = ny * nx;
  memset(seen, 0, n);
  size_t head = 0, tail = 0;
  for (size_t i = 0; i < n; i++) {
    const size_t y = i / nx, x = i % nx;
    if (!a[i] && (y == 0 || x == 0 || y + 1 == ny || x + 1 == nx)) {
      seen[i] = 1;
      queue[tail++] = i;
    }
  }
  while (head < tail) {
    const size_t i = queue[head++];
    const size_t y = i / nx, x = i % nx;
    size_t nb[4], k = 0;
    if (y > 0) nb[k++] = i - nx;
    if (y + 1 < ny) nb[k++] = i + nx;
    if (x > 0) nb[k++] = i - 1;
    if (x + 1 < nx) nb[k++] = i + 1;
    for (size_t j = 0; j < k; j++)
      if (!a[nb[j]] && !seen[nb[j]]) {
        seen[nb[j]] = 1;
        queue[tail++] = nb[j];
      }
  }
  size_t filled = 0;
  for (size_t i = 0; i < n; i++)
    if (!a[i] && !seen[i]) {
      a[i] = 1;
      filled++;
    }
  return filled;
}

/* ---- geometry ------------------------------------------------------------------------- */

void ecm_surface_geom_free(ecm_surface_geom *g) {
  if (!g) return;
  free(g->sample);
  free(g->edge);
  free(g->dist_px);
  free(g->dist);
  free(g);
}

/* Build the geometry from a binary sample map `a` (ny*nx, ownership passes to the result
 * on success, freed on failure). */
static ecm_status build_geom(uint8_t *a, size_t ny, size_t nx, double threshold,
                             const ecm_calib *calib, const ecm_surface_params *p,
                             ecm_surface_geom **out) {
  ecm_status st = ECM_OK;
  size_t n = ny * nx; /* checked by the callers */
  ecm_surface_geom *g = calloc(1, sizeof *g);
  uint32_t *lab = NULL;
  size_t *queue = NULL;
  double *d2 = NULL;
  if (!g) {
    free(a);
    return ecm__status_set(ECM_ENOMEM, "surface: cannot allocate the geometry");
  }
  g->ny = ny;
  g->nx = nx;
  g->threshold = threshold;
  g->sample = a;
  size_t b1, b4, b8;
  if ((st = ecm_size_mul(n, sizeof(float), &b4)) != ECM_OK ||
      (st = ecm_size_mul(n, sizeof(uint32_t), &b1)) != ECM_OK ||
      (st = ecm_size_mul(n, sizeof(double) > sizeof(size_t) ? sizeof(double) : sizeof(size_t),
                         &b8)) != ECM_OK)
    goto fail;
  g->edge = calloc(n, 1);
  g->dist_px = malloc(b4);
  g->dist = malloc(b4);
  lab = malloc(b1);
  queue = malloc(b8);
  d2 = malloc(b8);
  if (!g->edge || !g->dist_px || !g->dist || !lab || !queue || !d2) {
    st = ecm__status_set(ECM_ENOMEM, "surface: cannot allocate maps of %zux%zu", ny, nx);
    goto fail;
  }

  uint32_t largest = 0;
  g->n_components = label_components(a, ny, nx, lab, queue, &largest);
  if (g->n_components == 0) {
    st = ecm__status_set(ECM_ENODATA, "surface: no sample pixel (%zux%zu image)", ny, nx);
    goto fail;
  }
  if (p->keep_largest && g->n_components > 1)
    for (size_t i = 0; i < n; i++) a[i] = a[i] && lab[i] == largest;
  if (p->fill_holes) g->n_filled = fill_holes(a, ny, nx, g->edge, queue);

  g->n_sample = 0;
  for (size_t i = 0; i < n; i++) g->n_sample += a[i] != 0;
  if (g->n_sample == n) {
    st = ecm__status_set(ECM_ENODATA,
                         "surface: every pixel of the %zux%zu image is sample: no edge "
                         "(the image border is not an edge)",
                         ny, nx);
    goto fail;
  }

  /* edge pixels: a 4-neighbour inside the image is not sample */
  memset(g->edge, 0, n);
  g->n_edge = 0;
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      const size_t i = y * nx + x;
      if (!a[i]) continue;
      const int e = (y > 0 && !a[i - nx]) || (y + 1 < ny && !a[i + nx]) || (x > 0 && !a[i - 1]) ||
                    (x + 1 < nx && !a[i + 1]);
      g->edge[i] = (uint8_t)e;
      g->n_edge += (size_t)e;
    }

  /* distances: to the nearest non-sample pixel centre, less half a pixel */
  if ((st = ecm__surface_edt_sq(a, ny, nx, d2)) != ECM_OK) goto fail;
  g->unit_per_px = 1.0;
  snprintf(g->space_unit, sizeof g->space_unit, "pixel");
  if (calib && ecm_calib_has_space(calib)) {
    const double pw = calib->pixel_width, ph = calib->pixel_height;
    if (fabs(pw - ph) <= ECM__SURFACE_SQUARE_TOL * (pw > ph ? pw : ph)) {
      g->unit_per_px = pw;
      snprintf(g->space_unit, sizeof g->space_unit, "%s", calib->space_unit);
    } else {
      g->nonsquare = 1;
    }
  }
  g->max_dist_px = 0;
  for (size_t i = 0; i < n; i++) {
    if (!a[i]) {
      g->dist_px[i] = g->dist[i] = NAN;
      continue;
    }
    const double d = sqrt(d2[i]) - 0.5;
    g->dist_px[i] = (float)d;
    g->dist[i] = (float)(d * g->unit_per_px);
    if (d > g->max_dist_px) g->max_dist_px = d;
  }
  free(lab);
  free(queue);
  free(d2);
  *out = g;
  return ECM_OK;

fail:
  free(lab);
  free(queue);
  free(d2);
  ecm_surface_geom_free(g);
  return st;
}

static ecm_status check_dims(size_t ny, size_t nx, size_t *n) {
  if (ny == 0 || nx == 0)
    return ecm__status_set(ECM_EINVAL, "surface: empty image (%zux%zu)", ny, nx);
  if (ny > ECM_MAX_DIM || nx > ECM_MAX_DIM)
    return ecm__status_set(ECM_EOVERFLOW, "surface: image %zux%zu exceeds the largest dimension",
                           ny, nx);
  /* the queue and the distance scratch hold n 8-byte values */
  size_t b;
  ECM__TRY(ecm_size_mul(ny, nx, n));
  return ecm_size_mul(*n, 8, &b);
}

ecm_status ecm_surface_find(const ecm_view *image, const ecm_surface_params *p, const ecm_run *run,
                            ecm_surface_geom **out) {
  if (out) *out = NULL;
  if (!image || !image->data || !out)
    return ecm__status_set(ECM_EINVAL, "surface find: NULL argument");
  ecm_surface_params dp = ecm_surface_default_params();
  if (!p) p = &dp;
  ECM__TRY(ecm_surface_check_params(p));
  if (image->nt == 0) return ecm__status_set(ECM_EINVAL, "surface find: no frame");
  size_t n;
  ECM__TRY(check_dims(image->ny, image->nx, &n));
  const size_t ny = image->ny, nx = image->nx;
  float *mean = malloc(n * sizeof *mean);
  if (!mean) return ecm__status_set(ECM_ENOMEM, "surface find: cannot allocate the mean image");
  ecm_status st = ECM_OK;
  if (image->nt > 1) {
    st = ecm_surface_mean_image(image, run, mean, n);
  } else {
    for (size_t y = 0; y < ny; y++)
      for (size_t x = 0; x < nx; x++) mean[y * nx + x] = ecm_view_at(image, 0, y, x);
  }
  double thr = p->threshold;
  if (st == ECM_OK && p->threshold_mode == ECM_SURFACE_THRESHOLD_OTSU)
    st = ecm_surface_otsu(mean, n, p->otsu_bins, &thr);
  if (st != ECM_OK) {
    free(mean);
    return st;
  }
  uint8_t *a = malloc(n);
  if (!a) {
    free(mean);
    return ecm__status_set(ECM_ENOMEM, "surface find: cannot allocate the mask");
  }
  size_t above = 0;
  for (size_t i = 0; i < n; i++) {
    a[i] = isfinite(mean[i]) && (double)mean[i] > thr;
    above += a[i];
  }
  free(mean);
  if (above == 0) {
    free(a);
    return ecm__status_set(ECM_ENODATA, "surface find: no pixel above the threshold %g", thr);
  }
  return build_geom(a, ny, nx, thr, &image->calib, p, out);
}

ecm_status ecm_surface_from_mask(const ecm_mask *sample, const ecm_calib *calib,
                                 const ecm_surface_params *p, ecm_surface_geom **out) {
  if (out) *out = NULL;
  if (!sample || !sample->inside || !out)
    return ecm__status_set(ECM_EINVAL, "surface from mask: NULL argument");
  ecm_surface_params dp = ecm_surface_default_params();
  if (!p) p = &dp;
  ECM__TRY(ecm_surface_check_params(p));
  size_t n;
  ECM__TRY(check_dims(sample->ny, sample->nx, &n));
  uint8_t *a = malloc(n);
  if (!a) return ecm__status_set(ECM_ENOMEM, "surface from mask: cannot allocate the mask");
  for (size_t i = 0; i < n; i++) a[i] = sample->inside[i] != 0;
  return build_geom(a, sample->ny, sample->nx, NAN, calib, p, out);
}
