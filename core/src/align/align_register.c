/* align: the single-frame kernels — window, extraction, phase correlation, integer peak and
 * the upsampled-DFT subpixel refinement (Guizar-Sicairos, Thurman & Fienup, Opt. Lett. 33,
 * 156 (2008)). Reentrant: everything mutable lives in the caller's scratch. */
#include "align/align_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "status/status_internal.h"

static const double ECM__ALIGN_TWO_PI = 6.283185307179586476925286766559;

/* ---- windows ------------------------------------------------------------------------ */

double ecm__align_window_at(ecm_align_window win, double alpha, size_t n, double pos) {
  double u = (pos + 0.5) / (double)n;
  if (!(u > 0 && u < 1)) return 0.0;
  if (win == ECM_ALIGN_WINDOW_NONE) return 1.0;
  if (win == ECM_ALIGN_WINDOW_HANN) alpha = 1.0;
  double e = u < 0.5 ? u : 1.0 - u; /* distance to the nearer end, in (0, 0.5] */
  return e < alpha / 2 ? 0.5 * (1.0 - cos(ECM__ALIGN_TWO_PI * e / alpha)) : 1.0;
}

void ecm__align_window_1d(ecm_align_window win, double alpha, size_t n, float *out) {
  for (size_t k = 0; k < n; k++) out[k] = (float)ecm__align_window_at(win, alpha, n, (double)k);
}

/* ---- ROI edge taper ------------------------------------------------------------------ */

void ecm__align_mask_taper(const uint8_t *inside, size_t h, size_t w, float *out) {
  const float big = 1e30f, diag = 1.41421356f;
  float dmax = 0;
  for (size_t i = 0; i < h * w; i++) out[i] = inside[i] ? big : 0.0f;
  /* chamfer distance (1, sqrt 2) to the nearest pixel outside the ROI; the region's border
   * is not an edge (the window tapers it) */
  for (size_t y = 0; y < h; y++)
    for (size_t x = 0; x < w; x++) {
      float *d = &out[y * w + x];
      if (*d == 0) continue;
      if (x > 0) *d = fminf(*d, out[y * w + x - 1] + 1);
      if (y > 0) {
        *d = fminf(*d, out[(y - 1) * w + x] + 1);
        if (x > 0) *d = fminf(*d, out[(y - 1) * w + x - 1] + diag);
        if (x + 1 < w) *d = fminf(*d, out[(y - 1) * w + x + 1] + diag);
      }
    }
  for (size_t y = h; y-- > 0;)
    for (size_t x = w; x-- > 0;) {
      float *d = &out[y * w + x];
      if (*d == 0) continue;
      if (x + 1 < w) *d = fminf(*d, out[y * w + x + 1] + 1);
      if (y + 1 < h) {
        *d = fminf(*d, out[(y + 1) * w + x] + 1);
        if (x + 1 < w) *d = fminf(*d, out[(y + 1) * w + x + 1] + diag);
        if (x > 0) *d = fminf(*d, out[(y + 1) * w + x - 1] + diag);
      }
      if (*d<big && * d> dmax) dmax = *d;
    }
  double T = ECM__ALIGN_MASK_TAPER_PX;
  if (T > dmax / 2) T = dmax / 2;
  for (size_t i = 0; i < h * w; i++) {
    float d = out[i];
    if (d == 0) continue;
    double u = (d - 0.5) / T;
    out[i] = (T < 1 || u >= 1) ? 1.0f : (float)(0.5 * (1.0 - cos(0.5 * ECM__ALIGN_TWO_PI * u)));
  }
}

/* ---- context ------------------------------------------------------------------------ */

static ecm_status ecm__align_add(size_t *acc, size_t a, size_t b) {
  size_t ab;
  ECM__TRY(ecm_size_mul(a, b, &ab));
  if (*acc > SIZE_MAX - ab) return ecm__status_set(ECM_EOVERFLOW, "align: scratch size overflows");
  *acc += ab;
  return ECM_OK;
}

static size_t ecm__align_nu(unsigned up) {
  return up > 1 ? (size_t)ceil(1.5 * (double)up) : 1;
}

ecm_status ecm__align_ctx_bytes(size_t h, size_t w, size_t margin, unsigned up, size_t *ctx_bytes,
                                size_t *scratch_bytes) {
  size_t py, px;
  if (margin > ECM_MAX_DIM || h > ECM_MAX_DIM || w > ECM_MAX_DIM)
    return ecm__status_set(ECM_EOVERFLOW, "align: region too large");
  ECM__TRY(ecm_fft_good_size(h + 2 * margin, &py));
  ECM__TRY(ecm_fft_good_size(w + 2 * margin, &px));
  const size_t pxh = px / 2 + 1, nu = ecm__align_nu(up), nup = (nu + 7) / 8 * 8;
  size_t nspec, c = 0, s = 0;
  ECM__TRY(ecm_size_mul(py, pxh, &nspec));
  ECM__TRY(ecm__align_add(&c, h * 2, w * sizeof(float)));                         /* wm, taper */
  ECM__TRY(ecm__align_add(&c, h + 2 * margin, (w + 2 * margin) * sizeof(float))); /* wbig */
  ECM__TRY(ecm__align_add(&c, 2 * pxh, nup * sizeof(float)));
  ECM__TRY(ecm__align_add(&c, 2 * py, nup * sizeof(float)));
  ECM__TRY(ecm__align_add(&c, 2 * (px + py), sizeof(float)));
  ECM__TRY(ecm__align_add(&s, py, px * 2 * sizeof(float)));  /* buf, corr */
  ECM__TRY(ecm__align_add(&s, nspec, 6 * sizeof(float)));    /* spec, cross, cin */
  ECM__TRY(ecm__align_add(&s, py, 2 * nup * sizeof(float))); /* tr, ti */
  ECM__TRY(ecm__align_add(&s, nu, nup * sizeof(float)));     /* acc */
  ECM__TRY(ecm__align_add(&s, pxh, 2 * sizeof(float)));      /* arow */
  ECM__TRY(ecm__align_add(&s, h + 1, w * sizeof(float)));    /* wbuf, wxf */
  ECM__TRY(ecm__align_add(&s, h, sizeof(float)));            /* wyf */
  *ctx_bytes = c;
  *scratch_bytes = s;
  return ECM_OK;
}

void ecm__align_ctx_free(ecm__align_ctx *c) {
  if (!c) return;
  free(c->wm);
  free(c->taper);
  free(c->wbig);
  free(c->bxr);
  free(c->bxi);
  free(c->byr);
  free(c->byi);
  free(c->twx);
  free(c->twy);
  ecm__fft_plan_release(c->r2c);
  ecm__fft_plan_release(c->c2r);
  memset(c, 0, sizeof *c);
}

static void ecm__align_twiddles(size_t n, float *tw) {
  for (size_t m = 0; m < n; m++) {
    double a = ECM__ALIGN_TWO_PI * (double)m / (double)n;
    tw[2 * m] = (float)cos(a);
    tw[2 * m + 1] = (float)sin(a);
  }
}

/* Weight of sample k of n with raised-cosine tapers of width T at both ends. */
static double ecm__align_edge_taper(size_t k, size_t n, double T) {
  double e = fmin((double)k + 0.5, (double)n - (double)k - 0.5);
  return e < T ? 0.5 * (1.0 - cos(0.5 * ECM__ALIGN_TWO_PI * e / T)) : 1.0;
}

ecm_status ecm__align_ctx_init(ecm__align_ctx *c, size_t h, size_t w, size_t margin,
                               const ecm_align_params *p) {
  memset(c, 0, sizeof *c);
  c->h = h;
  c->w = w;
  c->margin = margin;
  c->hb = h + 2 * margin;
  c->wb = w + 2 * margin;
  ECM__TRY(ecm_fft_good_size(c->hb, &c->py));
  ECM__TRY(ecm_fft_good_size(c->wb, &c->px));
  c->pxh = c->px / 2 + 1;
  ECM__TRY(ecm_size_mul(c->py, c->pxh, &c->nspec));
  c->win = p->window;
  c->alpha = p->tukey_alpha;
  c->up = p->upsample;
  c->eps = p->regularization;
  c->nu = ecm__align_nu(c->up);
  c->nup = (c->nu + 7) / 8 * 8;
  c->off = c->nu / 2;

  /* search radii: at most half the padded transform, and less than the region (no margin)
   * or the margin (the template must not wrap around the search area) */
  size_t ry = (c->py - 1) / 2, rx = (c->px - 1) / 2;
  const size_t my = margin ? margin : h - 1, mx = margin ? margin : w - 1;
  if (ry > my) ry = my;
  if (rx > mx) rx = mx;
  c->lim_y = ry;
  c->lim_x = rx;
  if (p->max_shift_px > 0) {
    double m = floor(p->max_shift_px);
    if (m < (double)ry) {
      c->lim_y = (size_t)m;
      c->limited_y = 1;
    }
    if (m < (double)rx) {
      c->lim_x = (size_t)m;
      c->limited_x = 1;
    }
  }

  c->wm = malloc(h * w * sizeof(float));
  c->bxr = malloc(c->pxh * c->nup * sizeof(float));
  c->bxi = malloc(c->pxh * c->nup * sizeof(float));
  c->byr = malloc(c->py * c->nup * sizeof(float));
  c->byi = malloc(c->py * c->nup * sizeof(float));
  c->twx = malloc(2 * c->px * sizeof(float));
  c->twy = malloc(2 * c->py * sizeof(float));
  if (margin) c->wbig = malloc(c->hb * c->wb * sizeof(float));
  if (!c->wm || !c->bxr || !c->bxi || !c->byr || !c->byi || !c->twx || !c->twy ||
      (margin && !c->wbig)) {
    ecm__align_ctx_free(c);
    return ecm__status_set(ECM_ENOMEM, "align: cannot allocate the correlation tables");
  }
  ecm__align_twiddles(c->px, c->twx);
  ecm__align_twiddles(c->py, c->twy);
  if (margin) {
    /* the search area of pass 1: flat, with short tapers at its outer edges */
    const double T = fmin(ECM__ALIGN_MASK_TAPER_PX + 2.0, 0.5 * (double)margin);
    for (size_t y = 0; y < c->hb; y++)
      for (size_t x = 0; x < c->wb; x++)
        c->wbig[y * c->wb + x] =
            (float)(ecm__align_edge_taper(y, c->hb, T) * ecm__align_edge_taper(x, c->wb, T));
  }
  /* Upsampled-DFT kernels. Along x the half spectrum stands for the full one: kx and -kx
   * pair up (weight 2) except kx = 0 and, for even px, the Nyquist column (weight 1); the
   * real part of the sum is then the full inverse DFT at any (fractional) position. Along y
   * the frequencies are signed (ky' = ky - py for ky > py/2), the minimal-frequency
   * trigonometric interpolant. Padding columns j >= nu carry zeros. */
  const double U = (double)c->up;
  for (size_t kx = 0; kx < c->pxh; kx++) {
    double wgt = (kx == 0 || (c->px % 2 == 0 && kx == c->px / 2)) ? 1.0 : 2.0;
    for (size_t j = 0; j < c->nup; j++) {
      double a =
          ECM__ALIGN_TWO_PI * (double)kx * ((double)j - (double)c->off) / (U * (double)c->px);
      c->bxr[kx * c->nup + j] = j < c->nu ? (float)(wgt * cos(a)) : 0.0f;
      c->bxi[kx * c->nup + j] = j < c->nu ? (float)(wgt * sin(a)) : 0.0f;
    }
  }
  for (size_t ky = 0; ky < c->py; ky++) {
    double ks = ky <= c->py / 2 ? (double)ky : (double)ky - (double)c->py;
    if (c->py % 2 == 0 && ky == c->py / 2) ks = -(double)ky;
    for (size_t i = 0; i < c->nup; i++) {
      double a = ECM__ALIGN_TWO_PI * ks * ((double)i - (double)c->off) / (U * (double)c->py);
      c->byr[ky * c->nup + i] = i < c->nu ? (float)cos(a) : 0.0f;
      c->byi[ky * c->nup + i] = i < c->nu ? (float)sin(a) : 0.0f;
    }
  }

  ecm__fft_spec s = ecm__fft_spec_2d(ECM__FFT_R2C, ECM__FFT_F32, c->py, c->px, ECM__FFT_FORWARD);
  ecm_status st = ecm__fft_plan_get(&s, &c->r2c);
  if (st == ECM_OK) {
    s = ecm__fft_spec_2d(ECM__FFT_C2R, ECM__FFT_F32, c->py, c->px, ECM__FFT_BACKWARD);
    st = ecm__fft_plan_get(&s, &c->c2r);
  }
  if (st != ECM_OK) ecm__align_ctx_free(c);
  return st;
}

/* ---- scratch ------------------------------------------------------------------------ */

void ecm__align_scratch_free(ecm__align_scratch *s) {
  if (!s) return;
  ecm__fft_free(s->buf);
  ecm__fft_free(s->spec);
  free(s->cross);
  ecm__fft_free(s->cin);
  ecm__fft_free(s->corr);
  free(s->tr);
  free(s->ti);
  free(s->acc);
  free(s->arow);
  free(s->wbuf);
  free(s->wyf);
  free(s->wxf);
  memset(s, 0, sizeof *s);
}

ecm_status ecm__align_scratch_alloc(const ecm__align_ctx *c, ecm__align_scratch *s) {
  memset(s, 0, sizeof *s);
  const size_t nreal = c->py * c->px, ncpx = 2 * c->nspec;
  s->buf = ecm__fft_alloc(nreal * sizeof(float));
  s->spec = ecm__fft_alloc(ncpx * sizeof(float));
  s->cross = malloc(ncpx * sizeof(float));
  s->cin = ecm__fft_alloc(ncpx * sizeof(float));
  s->corr = ecm__fft_alloc(nreal * sizeof(float));
  s->tr = malloc(c->py * c->nup * sizeof(float));
  s->ti = malloc(c->py * c->nup * sizeof(float));
  s->acc = malloc(c->nu * c->nup * sizeof(float));
  s->arow = malloc(2 * c->pxh * sizeof(float));
  s->wbuf = malloc(c->h * c->w * sizeof(float));
  s->wyf = malloc(c->h * sizeof(float));
  s->wxf = malloc(c->w * sizeof(float));
  if (!s->buf || !s->spec || !s->cross || !s->cin || !s->corr || !s->tr || !s->ti || !s->acc ||
      !s->arow || !s->wbuf || !s->wyf || !s->wxf) {
    ecm__align_scratch_free(s);
    return ecm__status_set(ECM_ENOMEM, "align: cannot allocate per-thread scratch");
  }
  return ECM_OK;
}

/* ---- extraction --------------------------------------------------------------------- */

/* Columns [*xa, *xb) of the region whose frame column x0 + x lies inside [0, nx). */
static void ecm__align_span(long x0, size_t w, size_t nx, size_t *xa, size_t *xb) {
  long a = x0 < 0 ? -x0 : 0, b = (long)nx - x0;
  if (b > (long)w) b = (long)w;
  if (b < a) b = a;
  *xa = (size_t)a;
  *xb = (size_t)b;
}

/* Weights moved by (fy, fx): window at the moved position times the ROI taper
 * interpolated bilinearly (0 outside the region). */
static const float *ecm__align_weights(const ecm__align_ctx *c, ecm__align_scratch *s, double fy,
                                       double fx) {
  if (fy == 0 && fx == 0) return c->wm;
  const size_t h = c->h, w = c->w;
  for (size_t y = 0; y < h; y++)
    s->wyf[y] = (float)ecm__align_window_at(c->win, c->alpha, h, (double)y + fy);
  for (size_t x = 0; x < w; x++)
    s->wxf[x] = (float)ecm__align_window_at(c->win, c->alpha, w, (double)x + fx);
  for (size_t y = 0; y < h; y++)
    for (size_t x = 0; x < w; x++) s->wbuf[y * w + x] = s->wyf[y] * s->wxf[x];
  if (c->taper) {
    const double ay = fy - floor(fy), ax = fx - floor(fx);
    const long oy = (long)floor(fy), ox = (long)floor(fx);
    for (size_t y = 0; y < h; y++) {
      const long y0 = (long)y + oy;
      for (size_t x = 0; x < w; x++) {
        const long x0 = (long)x + ox;
        double v = 0;
        for (int a = 0; a < 2; a++) {
          const long yy = y0 + a;
          const double wy_ = a ? ay : 1 - ay;
          if (wy_ == 0 || yy < 0 || yy >= (long)h) continue;
          for (int b = 0; b < 2; b++) {
            const long xx = x0 + b;
            const double wx_ = b ? ax : 1 - ax;
            if (wx_ == 0 || xx < 0 || xx >= (long)w) continue;
            v += wy_ * wx_ * c->taper[(size_t)yy * w + (size_t)xx];
          }
        }
        s->wbuf[y * w + x] *= (float)v;
      }
    }
  }
  return s->wbuf;
}

/* Weighted, mean-subtracted patch of wh x ww: patch pixel (y, x) is image pixel
 * (fy0 + y, fx0 + x), weighs wt[y * ww + x] and goes to buffer pixel (by0 + y, bx0 + x). */
static inline int ecm__align_extract_impl(const ecm__align_ctx *c, ecm__align_scratch *s,
                                          const ecm__align_image *img, const float *wt, size_t wh,
                                          size_t ww, long fy0, long fx0, size_t by0, size_t bx0,
                                          const ptrdiff_t sx) {
  const size_t px = c->px;
  float *buf = s->buf;
  size_t xa, xb;
  ecm__align_span(fx0, ww, img->nx, &xa, &xb);
  if (xa >= xb) return 0; /* the patch lies beside the image */
  /* pass 1: weighted moments about a pivot (the first finite pixel of the middle row, so
   * that float row sums do not cancel) and the range */
  float pivot = 0.0f;
  {
    const long fy = fy0 + (long)(wh / 2);
    if (fy >= 0 && fy < (long)img->ny)
      for (size_t x = xa; x < xb; x++) {
        const float f = img->data[fy * img->sy + (fx0 + (long)x) * sx];
        if (fabsf(f) <= FLT_MAX) {
          pivot = f;
          break;
        }
      }
  }
  double sw = 0, sg = 0, sgg = 0;
  float lo = INFINITY, hi = -INFINITY;
  for (size_t y = 0; y < wh; y++) {
    const long fy = fy0 + (long)y;
    if (fy < 0 || fy >= (long)img->ny) continue;
    /* the row from its first column inside the image (no pointer before the data) */
    const float *row = img->data + fy * img->sy + (fx0 + (long)xa) * sx;
    const float *wr = wt + y * ww;
    float rw = 0, rg = 0, rgg = 0, rlo = INFINITY, rhi = -INFINITY;
    for (size_t x = xa; x < xb; x++) {
      const float m = wr[x], f = row[(ptrdiff_t)(x - xa) * sx];
      const int ok = m != 0.0f && fabsf(f) <= FLT_MAX;
      const float mm = ok ? m : 0.0f, g = ok ? f - pivot : 0.0f;
      rw += mm;
      rg += mm * g;
      rgg += mm * g * g;
      rlo = (ok && f < rlo) ? f : rlo;
      rhi = (ok && f > rhi) ? f : rhi;
    }
    sw += rw;
    sg += rg;
    sgg += rgg;
    lo = rlo < lo ? rlo : lo;
    hi = rhi > hi ? rhi : hi;
  }
  if (!(sw > 0) || !(hi > lo)) return 0;
  const double mg = sg / sw, var = sgg / sw - mg * mg, range = (double)hi - lo;
  /* unit weighted RMS: float spectra stay in range, and a running reference weighs every
   * frame alike whatever its brightness */
  const double scale =
      (var > 1e-12 * range * range && isfinite(var)) ? 1.0 / sqrt(var) : 1.0 / range;
  if (!isfinite(scale) || !(scale > 0)) return 0;
  const float sc = (float)scale, mu = (float)(pivot + mg);
  memset(buf, 0, c->py * px * sizeof(float));
  for (size_t y = 0; y < wh; y++) {
    const long fy = fy0 + (long)y;
    if (fy < 0 || fy >= (long)img->ny) continue;
    const float *row = img->data + fy * img->sy + (fx0 + (long)xa) * sx;
    const float *wr = wt + y * ww;
    float *dst = buf + (by0 + y) * px + bx0;
    for (size_t x = xa; x < xb; x++) {
      const float m = wr[x], f = row[(ptrdiff_t)(x - xa) * sx];
      const int ok = m != 0.0f && fabsf(f) <= FLT_MAX;
      dst[x] = ok ? sc * m * (f - mu) : 0.0f;
    }
  }
  return 1;
}

/* The kernel with a constant unit column stride (the common case) vectorises. */
static int ecm__align_extract_core(const ecm__align_ctx *c, ecm__align_scratch *s,
                                   const ecm__align_image *img, const float *wt, size_t wh,
                                   size_t ww, long fy0, long fx0, size_t by0, size_t bx0) {
  if (img->sx == 1) return ecm__align_extract_impl(c, s, img, wt, wh, ww, fy0, fx0, by0, bx0, 1);
  return ecm__align_extract_impl(c, s, img, wt, wh, ww, fy0, fx0, by0, bx0, img->sx);
}

int ecm__align_extract(const ecm__align_ctx *c, ecm__align_scratch *s, const ecm__align_image *img,
                       long y0, long x0, double fy, double fx) {
  const float *wm = ecm__align_weights(c, s, fy, fx);
  return ecm__align_extract_core(c, s, img, wm, c->h, c->w, y0, x0, c->margin, c->margin);
}

int ecm__align_extract_wide(const ecm__align_ctx *c, ecm__align_scratch *s,
                            const ecm__align_image *img, long y0, long x0) {
  if (!c->margin) return ecm__align_extract(c, s, img, y0, x0, 0, 0);
  const long m = (long)c->margin;
  return ecm__align_extract_core(c, s, img, c->wbig, c->hb, c->wb, y0 - m, x0 - m, 0, 0);
}

/* ---- registration ------------------------------------------------------------------- */

/* Upsampled DFT of the cross-power spectrum around the integer peak (iy, ix): fills
 * s->acc[i * nup + j] with the correlation at (iy + (i - off)/U, ix + (j - off)/U), times
 * py * px. Two matrix products: x first (py x pxh by pxh x nu), then y (nu x py by py x nu). */
static void ecm__align_upsampled(const ecm__align_ctx *c, ecm__align_scratch *s, long iy, long ix) {
  const size_t py = c->py, px = c->px, pxh = c->pxh, nup = c->nup, nu = c->nu;
  const size_t xm = (size_t)(((ix % (long)px) + (long)px) % (long)px);
  const size_t ym = (size_t)(((iy % (long)py) + (long)py) % (long)py);
  float *restrict ar = s->arow;
  for (size_t ky = 0; ky < py; ky++) {
    const float *R = s->cross + 2 * ky * pxh;
    /* the integer part of the x position as a phase on the row */
    for (size_t kx = 0; kx < pxh; kx++) {
      const float *t = c->twx + 2 * ((kx * xm) % px);
      ar[2 * kx] = R[2 * kx] * t[0] - R[2 * kx + 1] * t[1];
      ar[2 * kx + 1] = R[2 * kx] * t[1] + R[2 * kx + 1] * t[0];
    }
    float *restrict tr = s->tr + ky * nup, *restrict ti = s->ti + ky * nup;
    for (size_t j = 0; j < nup; j++) tr[j] = ti[j] = 0.0f;
    for (size_t kx = 0; kx < pxh; kx++) {
      const float a = ar[2 * kx], b = ar[2 * kx + 1];
      if (a == 0.0f && b == 0.0f) continue;
      const float *restrict br = c->bxr + kx * nup, *restrict bi = c->bxi + kx * nup;
      for (size_t j = 0; j < nup; j++) {
        tr[j] += a * br[j] - b * bi[j];
        ti[j] += a * bi[j] + b * br[j];
      }
    }
    /* the integer part of the y position */
    const float *t = c->twy + 2 * ((ky * ym) % py);
    const float t0 = t[0], t1 = t[1];
    for (size_t j = 0; j < nup; j++) {
      float r = tr[j], q = ti[j];
      tr[j] = r * t0 - q * t1;
      ti[j] = r * t1 + q * t0;
    }
  }
  float *restrict acc = s->acc;
  for (size_t i = 0; i < nu * nup; i++) acc[i] = 0.0f;
  for (size_t ky = 0; ky < py; ky++) {
    const float *restrict tr = s->tr + ky * nup, *restrict ti = s->ti + ky * nup;
    const float *byr = c->byr + ky * nup, *byi = c->byi + ky * nup;
    for (size_t i = 0; i < nu; i++) {
      const float br = byr[i], bi = byi[i];
      float *restrict row = acc + i * nup;
      for (size_t j = 0; j < nup; j++) row[j] += tr[j] * br - ti[j] * bi;
    }
  }
}

ecm_status ecm__align_register(const ecm__align_ctx *c, ecm__align_scratch *s, const float *ref,
                               const float *spec, long ylo, long yhi, long xlo, long xhi,
                               float *white, ecm__align_peak *out) {
  memset(out, 0, sizeof *out);
  const size_t n = c->nspec, py = c->py, px = c->px, pxh = c->pxh;
  /* Regularised normalised cross-power spectrum R = C / (|C| + eps <|C|>), C = F conj(X):
   * its inverse transform peaks at the shift that brings the frame onto the reference.
   * eps = 0 is pure phase correlation; eps > 0 lowers the weight of frequencies that carry
   * little power in either image (noise, window leakage). The mean (k = 0) carries no
   * position and is dropped. Both spectra come from regions scaled to unit RMS, so float
   * products cannot overflow. |C| is parked in corr until the inverse transform. */
  float *restrict cr_ = s->cross, *restrict mag = s->corr;
  double msum = 0;
  for (size_t ky = 0; ky < py; ky++) {
    float rs = 0;
    for (size_t kx = 0; kx < pxh; kx++) {
      const size_t k = ky * pxh + kx;
      const float fr = ref[2 * k], fi = ref[2 * k + 1], xr = spec[2 * k], xi = spec[2 * k + 1];
      const float cr = fr * xr + fi * xi, ci = fi * xr - fr * xi;
      float m = sqrtf(cr * cr + ci * ci);
      if (!(m <= FLT_MAX)) m = 0.0f; /* NaN or Inf: the bin is dropped */
      cr_[2 * k] = cr;
      cr_[2 * k + 1] = ci;
      mag[k] = m;
      rs += m;
    }
    msum += rs;
  }
  msum -= mag[0];
  mag[0] = 0.0f;
  if (white) {
    /* the (nearly) phase-only surface C / (|C| + 0.01 <|C|>) of the peak significance test:
     * every frequency that carries power weighs about the same, so that without common
     * content the surface is close to white Gaussian noise (docs/align.md, "Weak peaks") */
    const float fl = n > 1 ? (float)(ECM__ALIGN_PSR_EPS * msum / (double)(n - 1)) : 0.0f;
    for (size_t k = 0; k < n; k++) {
      const float m = mag[k], inv = m > 0 ? 1.0f / (m + fl) : 0.0f;
      s->cin[2 * k] = cr_[2 * k] * inv;
      s->cin[2 * k + 1] = cr_[2 * k + 1] * inv;
    }
    ecm_status ws = ecm__fft_exec_f(c->c2r, s->cin, white);
    if (ws != ECM_OK) return ws;
  }
  const float floor_ = n > 1 ? (float)(c->eps * msum / (double)(n - 1)) : 0.0f;
  const int even = px % 2 == 0;
  double norm = 0;
  for (size_t ky = 0; ky < py; ky++) {
    float rs = 0;
    for (size_t kx = 0; kx < pxh; kx++) {
      const size_t k = ky * pxh + kx;
      const float m = mag[k];
      float rr = 0.0f, ri = 0.0f;
      if (m > 0) {
        const float inv = 1.0f / (m + floor_);
        rr = cr_[2 * k] * inv;
        ri = cr_[2 * k + 1] * inv;
        /* weight of the bin in the full (Hermitian) spectrum */
        rs += ((kx == 0 || (even && kx == px / 2)) ? 1.0f : 2.0f) * (m * inv);
      }
      cr_[2 * k] = s->cin[2 * k] = rr;
      cr_[2 * k + 1] = s->cin[2 * k + 1] = ri;
    }
    norm += rs;
  }
  if (!(norm > 0) || !isfinite(norm)) return ECM_OK;
  ecm_status st = ecm__fft_exec_f(c->c2r, s->cin, s->corr);
  if (st != ECM_OK) return st;

  /* integer peak within the search range (|range| < half the transform, so one wrap);
   * ties go to the first in scan order */
  long by = 0, bx = 0;
  float best = -INFINITY;
  for (long yy = ylo; yy <= yhi; yy++) {
    const float *row = s->corr + (size_t)(yy < 0 ? yy + (long)py : yy) * px;
    for (long xx = xlo; xx <= xhi; xx++) {
      const float v = row[xx < 0 ? xx + (long)px : xx];
      if (v > best) {
        best = v;
        by = yy;
        bx = xx;
      }
    }
  }
  if (!isfinite(best)) return ECM_OK;
  s->norm = norm;
  const double pk = best / norm;
  if (!isfinite(pk)) return ECM_OK;
  out->found = 1;
  out->iy = by;
  out->ix = bx;
  out->dy = (double)by;
  out->dx = (double)bx;
  out->peak = pk < 0 ? 0 : (pk > 1 ? 1 : pk);
  return ECM_OK;
}

double ecm__align_psr(const ecm__align_ctx *c, const float *surf, const ecm__align_peak *pk,
                      long ylo, long yhi, long xlo, long xhi, size_t *nsearch) {
  const long py = (long)c->py, px = (long)c->px;
  const size_t n = (size_t)(yhi - ylo + 1) * (size_t)(xhi - xlo + 1);
  *nsearch = n;
  if (!pk->found) return NAN;
  long hw = ECM__ALIGN_PSR_HALF;
  while (hw > 1 && 4 * (size_t)(2 * hw + 1) * (size_t)(2 * hw + 1) > n) hw--;
  /* the peak value: the largest within +-1 px of the estimate (a subpixel peak spreads over
   * its neighbours on the whitened surface) */
  double pv = -INFINITY;
  for (long a = -1; a <= 1; a++)
    for (long b = -1; b <= 1; b++) {
      const long yy = ((pk->iy + a) % py + py) % py, xx = ((pk->ix + b) % px + px) % px;
      const double v = surf[(size_t)yy * c->px + (size_t)xx];
      if (v > pv) pv = v;
    }
  if (!isfinite(pv)) return NAN;
  double sum = 0, sum2 = 0;
  size_t m = 0;
  for (long yy = ylo; yy <= yhi; yy++) {
    long dy = ((yy - pk->iy) % py + py) % py;
    if (dy > py / 2) dy -= py;
    const int near_y = labs(dy) <= hw;
    const float *row = surf + (size_t)(yy < 0 ? yy + py : yy) * c->px;
    for (long xx = xlo; xx <= xhi; xx++) {
      if (near_y) {
        long dx = ((xx - pk->ix) % px + px) % px;
        if (dx > px / 2) dx -= px;
        if (labs(dx) <= hw) continue;
      }
      /* the surface has zero mean (R(0) = 0): no cancellation in the sums */
      const double v = (double)row[xx < 0 ? xx + px : xx];
      if (!isfinite(v)) continue;
      sum += v;
      sum2 += v * v;
      m++;
    }
  }
  if (m < ECM__ALIGN_PSR_MIN_SIDELOBE) return NAN;
  const double mean = sum / (double)m, var = sum2 / (double)m - mean * mean;
  if (!(var > 0)) return pv > mean ? INFINITY : 0.0;
  return (pv - mean) / sqrt(var);
}

static double ecm__align_vertex(double a, double b, double c) {
  double den = a - 2 * b + c;
  if (!(den < 0)) return 0.0; /* not a maximum */
  double d = 0.5 * (a - c) / den;
  return d < -0.5 ? -0.5 : (d > 0.5 ? 0.5 : d);
}

void ecm__align_parabolic(const ecm__align_ctx *c, const ecm__align_scratch *s,
                          ecm__align_peak *pk) {
  if (!pk->found) return;
  const long py = (long)c->py, px = (long)c->px;
#define ECM__CORR(yy, xx) \
  s->corr[(size_t)((((yy) % py) + py) % py) * c->px + (size_t)((((xx) % px) + px) % px)]
  const double c0 = ECM__CORR(pk->iy, pk->ix);
  pk->dy = (double)pk->iy +
           ecm__align_vertex(ECM__CORR(pk->iy - 1, pk->ix), c0, ECM__CORR(pk->iy + 1, pk->ix));
  pk->dx = (double)pk->ix +
           ecm__align_vertex(ECM__CORR(pk->iy, pk->ix - 1), c0, ECM__CORR(pk->iy, pk->ix + 1));
#undef ECM__CORR
}

void ecm__align_refine(const ecm__align_ctx *c, ecm__align_scratch *s, ecm__align_peak *pk) {
  if (!pk->found || c->up <= 1) return;
  ecm__align_upsampled(c, s, pk->iy, pk->ix);
  size_t bi = c->off, bj = c->off;
  float b2 = -INFINITY;
  for (size_t i = 0; i < c->nu; i++)
    for (size_t j = 0; j < c->nu; j++) {
      float v = s->acc[i * c->nup + j];
      if (v > b2) {
        b2 = v;
        bi = i;
        bj = j;
      }
    }
  const double p = b2 / s->norm;
  if (!isfinite(p)) return; /* keep the integer estimate */
  pk->dy = (double)pk->iy + ((double)bi - (double)c->off) / (double)c->up;
  pk->dx = (double)pk->ix + ((double)bj - (double)c->off) / (double)c->up;
  pk->peak = p < 0 ? 0 : (p > 1 ? 1 : p);
}
