/* align: applying shifts (whole pixels, bilinear, Fourier phase ramp), the common crop, and
 * cropping masks and views identically. */
#include "ecm/align.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "align/align_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

static const double ECM__ALIGN_TWOPI = 6.283185307179586476925286766559;

static double ecm__align_finite(double v) {
  return isfinite(v) ? v : 0.0;
}

/* Whole-pixel rounding used everywhere: nearest integer, halves upwards. */
static long ecm__align_round(double v) {
  return (long)floor(ecm__align_finite(v) + 0.5);
}

/* ---- crop ------------------------------------------------------------------------------ */

static ecm_status ecm__align_axis(const double *s, size_t nt, size_t n, int whole, size_t *lo,
                                  size_t *len, const char *axis) {
  double smax = -INFINITY, smin = INFINITY;
  for (size_t t = 0; t < nt; t++) {
    double v = whole ? (double)ecm__align_round(s[t]) : ecm__align_finite(s[t]);
    if (v > smax) smax = v;
    if (v < smin) smin = v;
  }
  /* output coordinate u is valid when u - s[t] lies in [0, n - 1] for every t */
  double a = ceil(smax - ECM__ALIGN_SNAP), b = floor((double)n - 1 + smin + ECM__ALIGN_SNAP);
  if (a < 0) a = 0;
  if (b > (double)n - 1) b = (double)n - 1;
  if (!(b >= a))
    return ecm__status_set(ECM_ENODATA,
                           "align: the drift along %s (%.2f to %.2f px) leaves no pixel common "
                           "to all frames of %zu px",
                           axis, smin, smax, n);
  *lo = (size_t)a;
  *len = (size_t)(b - a) + 1;
  return ECM_OK;
}

ecm_status ecm_align_crop_box(const double *shift_x, const double *shift_y, size_t nt, size_t ny,
                              size_t nx, ecm_align_apply_mode mode, ecm_align_box *box) {
  if (!shift_x || !shift_y || !box || nt == 0 || ny == 0 || nx == 0)
    return ecm__status_set(ECM_EINVAL, "ecm_align_crop_box: NULL or empty argument");
  if (mode != ECM_ALIGN_APPLY_WHOLE && mode != ECM_ALIGN_APPLY_BILINEAR &&
      mode != ECM_ALIGN_APPLY_FOURIER)
    return ecm__status_set(ECM_EINVAL, "align: unknown apply mode %d", (int)mode);
  const int whole = mode == ECM_ALIGN_APPLY_WHOLE;
  ecm_align_box b;
  ECM__TRY(ecm__align_axis(shift_x, nt, nx, whole, &b.x0, &b.nx, "x"));
  ECM__TRY(ecm__align_axis(shift_y, nt, ny, whole, &b.y0, &b.ny, "y"));
  *box = b;
  return ECM_OK;
}

ecm_status ecm_align_crop_mask(const ecm_mask *m, const ecm_align_box *box, ecm_mask **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_align_crop_mask: NULL output");
  *out = NULL;
  if (!m || !box) return ecm__status_set(ECM_EINVAL, "ecm_align_crop_mask: NULL argument");
  if (box->nx == 0 || box->ny == 0 || box->x0 >= m->nx || box->nx > m->nx - box->x0 ||
      box->y0 >= m->ny || box->ny > m->ny - box->y0)
    return ecm__status_set(ECM_ESIZE, "crop x[%zu,+%zu) y[%zu,+%zu) does not fit a %zu x %zu mask",
                           box->x0, box->nx, box->y0, box->ny, m->nx, m->ny);
  ECM__TRY(ecm_mask_alloc(box->ny, box->nx, out));
  for (size_t y = 0; y < box->ny; y++)
    memcpy((*out)->inside + y * box->nx, m->inside + (box->y0 + y) * m->nx + box->x0, box->nx);
  return ECM_OK;
}

ecm_status ecm_align_crop_view(const ecm_view *in, const ecm_align_box *box, ecm_view *out) {
  if (!in || !box || !out) return ecm__status_set(ECM_EINVAL, "ecm_align_crop_view: NULL argument");
  return ecm_view_sub(in, 0, in->nt, box->y0, box->ny, box->x0, box->nx, out);
}

/* ---- applying ---------------------------------------------------------------------------- */

typedef struct apply_job {
  const ecm_view *in;
  const double *sx, *sy;
  ecm_align_apply_mode mode;
  ecm_align_box box;
  ecm_stack *out;
  const ecm__fft_plan *r2c, *c2r;
} apply_job;

/* Copy with a whole-pixel shift (also the zero-shift case of every mode). */
static void ecm__apply_whole(const apply_job *j, size_t t, long ny_, long nx_) {
  const ecm_view *v = j->in;
  const ecm_align_box *b = &j->box;
  float *dst = ecm_stack_frame(j->out, t);
  const size_t ys = (size_t)((long)b->y0 - ny_), xs = (size_t)((long)b->x0 - nx_);
  for (size_t y = 0; y < b->ny; y++) {
    const float *src =
        v->data + (ptrdiff_t)t * v->st + (ptrdiff_t)(ys + y) * v->sy + (ptrdiff_t)xs * v->sx;
    float *d = dst + y * b->nx;
    if (v->sx == 1) {
      memcpy(d, src, b->nx * sizeof(float));
    } else {
      for (size_t x = 0; x < b->nx; x++) d[x] = src[(ptrdiff_t)x * v->sx];
    }
  }
}

/* Integer part and fraction of o = box origin - shift, with fractions within the snap
 * tolerance of 0 or 1 made exact (so whole shifts copy exactly). */
static void ecm__apply_split(double o, long *i, double *f) {
  double fl = floor(o);
  double fr = o - fl;
  if (fr < ECM__ALIGN_SNAP) fr = 0;
  if (fr > 1 - ECM__ALIGN_SNAP) {
    fr = 0;
    fl += 1;
  }
  *i = (long)fl;
  *f = fr;
}

static void ecm__apply_bilinear(const apply_job *j, size_t t) {
  const ecm_view *v = j->in;
  const ecm_align_box *b = &j->box;
  long iy, ix;
  double fy, fx;
  ecm__apply_split((double)b->y0 - ecm__align_finite(j->sy[t]), &iy, &fy);
  ecm__apply_split((double)b->x0 - ecm__align_finite(j->sx[t]), &ix, &fx);
  if (fy == 0 && fx == 0) {
    ecm__apply_whole(j, t, (long)b->y0 - iy, (long)b->x0 - ix);
    return;
  }
  const double wx0 = 1 - fx, wx1 = fx, wy0 = 1 - fy, wy1 = fy;
  const ptrdiff_t sxs = v->sx;
  float *dst = ecm_stack_frame(j->out, t);
  const float *f0 = v->data + (ptrdiff_t)t * v->st;
  for (size_t y = 0; y < b->ny; y++) {
    const float *r0 = f0 + (ptrdiff_t)((size_t)iy + y) * v->sy + (ptrdiff_t)ix * sxs;
    float *d = dst + y * b->nx;
    for (size_t x = 0; x < b->nx; x++) {
      const ptrdiff_t o = (ptrdiff_t)x * sxs;
      /* zero weights are skipped so that a NaN neighbour does not leak in */
      double v0 = fx > 0 ? wx0 * r0[o] + wx1 * r0[o + sxs] : r0[o];
      if (fy > 0) { /* row iy + y + 1 is inside the frame then (crop box) */
        const float *r1 = r0 + v->sy;
        double v1 = fx > 0 ? wx0 * r1[o] + wx1 * r1[o + sxs] : r1[o];
        v0 = wy0 * v0 + wy1 * v1;
      }
      d[x] = (float)v0;
    }
  }
}

/* Phase factor of a translation by s px at signed frequency k of an n-point axis; the
 * Nyquist term of an even axis gets the symmetric (real) factor cos(pi s), which keeps the
 * spectrum Hermitian so that the shifted frame is real. */
static void ecm__apply_phase(size_t k, size_t n, double s, double *re, double *im) {
  if (n % 2 == 0 && k == n / 2) {
    *re = cos(0.5 * ECM__ALIGN_TWOPI * s);
    *im = 0;
    return;
  }
  double ks = k <= n / 2 ? (double)k : (double)k - (double)n;
  double a = -ECM__ALIGN_TWOPI * ks * s / (double)n;
  *re = cos(a);
  *im = sin(a);
}

static int ecm__apply_fourier(const apply_job *j, size_t t, float *buf, float *spec, double *ph) {
  const ecm_view *v = j->in;
  const ecm_align_box *b = &j->box;
  const size_t ny = v->ny, nx = v->nx, nxh = nx / 2 + 1;
  const double sy = ecm__align_finite(j->sy[t]), sx = ecm__align_finite(j->sx[t]);
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) buf[y * nx + x] = ecm_view_at(v, t, y, x);
  if (ecm__fft_exec_f(j->r2c, buf, spec) != ECM_OK) return 0;
  double *pxr = ph, *pxi = ph + nxh;
  for (size_t kx = 0; kx < nxh; kx++) ecm__apply_phase(kx, nx, sx, &pxr[kx], &pxi[kx]);
  const double scale = 1.0 / ((double)ny * (double)nx);
  for (size_t ky = 0; ky < ny; ky++) {
    double er, ei;
    ecm__apply_phase(ky, ny, sy, &er, &ei);
    float *row = spec + 2 * ky * nxh;
    for (size_t kx = 0; kx < nxh; kx++) {
      double pr = (er * pxr[kx] - ei * pxi[kx]) * scale, pi = (er * pxi[kx] + ei * pxr[kx]) * scale;
      double a = row[2 * kx], c = row[2 * kx + 1];
      row[2 * kx] = (float)(a * pr - c * pi);
      row[2 * kx + 1] = (float)(a * pi + c * pr);
    }
  }
  if (ecm__fft_exec_f(j->c2r, spec, buf) != ECM_OK) return 0;
  float *dst = ecm_stack_frame(j->out, t);
  for (size_t y = 0; y < b->ny; y++)
    memcpy(dst + y * b->nx, buf + (b->y0 + y) * nx + b->x0, b->nx * sizeof(float));
  return 1;
}

ecm_status ecm_align_apply_shifts(const ecm_view *in, const double *shift_x, const double *shift_y,
                                  ecm_align_apply_mode mode, const ecm_run *run, ecm_stack **out,
                                  ecm_align_box *crop) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_align_apply_shifts: NULL output");
  *out = NULL;
  if (!in || !in->data || !shift_x || !shift_y)
    return ecm__status_set(ECM_EINVAL, "ecm_align_apply_shifts: NULL argument");
  apply_job j;
  memset(&j, 0, sizeof j);
  j.in = in;
  j.sx = shift_x;
  j.sy = shift_y;
  j.mode = mode;
  ECM__TRY(ecm_align_crop_box(shift_x, shift_y, in->nt, in->ny, in->nx, mode, &j.box));

  const int fourier = mode == ECM_ALIGN_APPLY_FOURIER;
  int nth = ecm__run_threads(run);
  if ((size_t)nth > in->nt) nth = (int)in->nt;
  size_t nout, bytes, frame = 0, per = 0;
  ECM__TRY(ecm_size_mul3(in->nt, j.box.ny, j.box.nx, &nout));
  ECM__TRY(ecm_size_mul(nout, sizeof(float), &bytes));
  if (fourier) {
    ECM__TRY(ecm_size_mul(in->ny, in->nx + 2, &frame));
    ECM__TRY(ecm_size_mul(frame, 2 * sizeof(float), &per));
    per += (in->nx / 2 + 1) * 2 * sizeof(double);
    size_t all;
    ECM__TRY(ecm_size_mul(per, (size_t)nth, &all));
    if (bytes > SIZE_MAX - all)
      return ecm__status_set(ECM_EOVERFLOW, "align: memory size overflows");
    bytes += all;
  }
  ECM__TRY(ecm__run_reserve(run, bytes, "shifting the stack"));
  ECM__TRY(ecm_stack_alloc(in->nt, j.box.ny, j.box.nx, &j.out));
  j.out->calib = in->calib;

  ecm_status st = ECM_OK;
  float **bufs = NULL, **specs = NULL;
  double **phs = NULL;
  if (fourier) {
    ecm__fft_spec s =
        ecm__fft_spec_2d(ECM__FFT_R2C, ECM__FFT_F32, in->ny, in->nx, ECM__FFT_FORWARD);
    if ((st = ecm__fft_plan_get(&s, &j.r2c)) != ECM_OK) goto done;
    s = ecm__fft_spec_2d(ECM__FFT_C2R, ECM__FFT_F32, in->ny, in->nx, ECM__FFT_BACKWARD);
    if ((st = ecm__fft_plan_get(&s, &j.c2r)) != ECM_OK) goto done;
    bufs = calloc((size_t)nth, sizeof *bufs);
    specs = calloc((size_t)nth, sizeof *specs);
    phs = calloc((size_t)nth, sizeof *phs);
    if (!bufs || !specs || !phs) {
      st = ecm__status_set(ECM_ENOMEM, "align: cannot allocate Fourier-shift scratch");
      goto done;
    }
    for (int i = 0; i < nth; i++) {
      bufs[i] = ecm__fft_alloc(in->ny * in->nx * sizeof(float));
      specs[i] = ecm__fft_alloc(in->ny * (in->nx / 2 + 1) * 2 * sizeof(float));
      phs[i] = malloc((in->nx / 2 + 1) * 2 * sizeof(double));
      if (!bufs[i] || !specs[i] || !phs[i]) {
        st = ecm__status_set(ECM_ENOMEM, "align: cannot allocate Fourier-shift scratch");
        goto done;
      }
    }
  }

  if ((st = ecm__run_report(run, 0.0, "align: shifting")) != ECM_OK) goto done;
  for (size_t b0 = 0; b0 < in->nt; b0 += ECM__ALIGN_CHUNK) {
    const size_t b1 = in->nt - b0 > ECM__ALIGN_CHUNK ? b0 + ECM__ALIGN_CHUNK : in->nt;
    int fail = 0;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1) reduction(| : fail)
#endif
    for (size_t t = b0; t < b1; t++) {
      const double sy = ecm__align_finite(shift_y[t]), sx = ecm__align_finite(shift_x[t]);
      if (mode == ECM_ALIGN_APPLY_WHOLE || (sy == 0 && sx == 0)) {
        ecm__apply_whole(&j, t, ecm__align_round(sy), ecm__align_round(sx));
      } else if (mode == ECM_ALIGN_APPLY_BILINEAR) {
        ecm__apply_bilinear(&j, t);
      } else {
#ifdef _OPENMP
        const int tid = omp_get_thread_num();
#else
        const int tid = 0;
#endif
        if (!ecm__apply_fourier(&j, t, bufs[tid], specs[tid], phs[tid])) fail = 1;
      }
    }
    if (fail) {
      st = ecm__status_set(ECM_EINTERNAL, "align: FFT execution failed");
      goto done;
    }
    if ((st = ecm__run_report(run, (double)b1 / (double)in->nt, "align: shifting")) != ECM_OK)
      goto done;
  }

done:
  if (bufs)
    for (int i = 0; i < nth; i++) ecm__fft_free(bufs[i]);
  if (specs)
    for (int i = 0; i < nth; i++) ecm__fft_free(specs[i]);
  if (phs)
    for (int i = 0; i < nth; i++) free(phs[i]);
  free(bufs);
  free(specs);
  free(phs);
  ecm__fft_plan_release(j.r2c);
  ecm__fft_plan_release(j.c2r);
  if (st != ECM_OK) {
    ecm_stack_free(j.out);
    return st;
  }
  *out = j.out;
  if (crop) *crop = j.box;
  return ECM_OK;
}

ecm_status ecm_align_apply(const ecm_view *in, const ecm_align_result *r, const ecm_run *run,
                           ecm_stack **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_align_apply: NULL output");
  *out = NULL;
  if (!in || !r) return ecm__status_set(ECM_EINVAL, "ecm_align_apply: NULL argument");
  if (in->nt != r->nt || in->ny != r->ny || in->nx != r->nx)
    return ecm__status_set(ECM_ESIZE,
                           "align: shifts were estimated on %zu frames of %zu x %zu px, the "
                           "stack has %zu frames of %zu x %zu",
                           r->nt, r->nx, r->ny, in->nt, in->nx, in->ny);
  return ecm_align_apply_shifts(in, r->shift_x, r->shift_y, r->params.apply, run, out, NULL);
}
