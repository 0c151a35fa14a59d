/* align: parameters, names, results and the estimation driver (reference modes, blocks of
 * frames in parallel, the running reference's update, progress and cancellation). */
#include "ecm/align.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "align/align_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

static const double ECM__ALIGN_2PI = 6.283185307179586476925286766559;

static int ecm__align_tid(void) {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/* ---- parameters and names ------------------------------------------------------------ */

ecm_align_params ecm_align_default_params(void) {
  ecm_align_params p;
  memset(&p, 0, sizeof p);
  p.reference = ECM_ALIGN_REF_RUNNING;
  p.ref_frame = 0;
  p.ref_count = 10;
  p.running_block = 16;
  p.upsample = 20;
  p.regularization = 10.0;
  p.window = ECM_ALIGN_WINDOW_TUKEY;
  p.tukey_alpha = 0.5;
  p.max_shift_px = 0.0;
  p.apply = ECM_ALIGN_APPLY_WHOLE;
  p.psr_margin = 3.5;
  return p;
}

ecm_status ecm_align_check_params(const ecm_align_params *p) {
  if (!p) return ecm__status_set(ECM_EINVAL, "align: NULL parameters");
  if (p->reference != ECM_ALIGN_REF_FRAME && p->reference != ECM_ALIGN_REF_MEAN &&
      p->reference != ECM_ALIGN_REF_RUNNING)
    return ecm__status_set(ECM_EINVAL, "align: unknown reference mode %d", (int)p->reference);
  if (p->ref_count < 1)
    return ecm__status_set(ECM_EINVAL, "align: ref_count (frames averaged) must be >= 1");
  if (p->running_block < 1 || p->running_block > ECM__ALIGN_MAX_BLOCK)
    return ecm__status_set(ECM_EINVAL, "align: running_block must be in [1, %d], got %zu",
                           ECM__ALIGN_MAX_BLOCK, p->running_block);
  if (p->upsample < 1 || p->upsample > ECM__ALIGN_MAX_UPSAMPLE)
    return ecm__status_set(ECM_EINVAL, "align: upsample must be in [1, %u], got %u",
                           ECM__ALIGN_MAX_UPSAMPLE, p->upsample);
  if (!(p->regularization >= 0) || p->regularization > 1e6)
    return ecm__status_set(ECM_EINVAL, "align: regularization must be in [0, 1e6], got %g",
                           p->regularization);
  if (p->window != ECM_ALIGN_WINDOW_NONE && p->window != ECM_ALIGN_WINDOW_HANN &&
      p->window != ECM_ALIGN_WINDOW_TUKEY)
    return ecm__status_set(ECM_EINVAL, "align: unknown window %d", (int)p->window);
  if (p->window == ECM_ALIGN_WINDOW_TUKEY && !(p->tukey_alpha > 0 && p->tukey_alpha <= 1))
    return ecm__status_set(ECM_EINVAL, "align: tukey_alpha must be in (0, 1], got %g",
                           p->tukey_alpha);
  if (!(p->max_shift_px >= 0) || !isfinite(p->max_shift_px))
    return ecm__status_set(ECM_EINVAL, "align: max_shift_px must be >= 0 (0 = unlimited), got %g",
                           p->max_shift_px);
  if (p->apply != ECM_ALIGN_APPLY_WHOLE && p->apply != ECM_ALIGN_APPLY_BILINEAR &&
      p->apply != ECM_ALIGN_APPLY_FOURIER)
    return ecm__status_set(ECM_EINVAL, "align: unknown apply mode %d", (int)p->apply);
  if (!(p->psr_margin >= -100 && p->psr_margin <= 100))
    return ecm__status_set(ECM_EINVAL,
                           "align: psr_margin must be in [-100, 100] (<= -10 = no peak test), "
                           "got %g",
                           p->psr_margin);
  return ECM_OK;
}

static const char *const ecm__ref_names[] = {"frame", "mean", "running"};
static const char *const ecm__win_names[] = {"none", "hann", "tukey"};
static const char *const ecm__apply_names[] = {"whole", "bilinear", "fourier"};
static const char *const ecm__state_names[] = {"ok", "bad_frame", "at_limit", "weak_peak"};

const char *ecm_align_ref_name(ecm_align_ref r) {
  return (unsigned)r < 3 ? ecm__ref_names[r] : "?";
}
const char *ecm_align_window_name(ecm_align_window w) {
  return (unsigned)w < 3 ? ecm__win_names[w] : "?";
}
const char *ecm_align_apply_name(ecm_align_apply_mode m) {
  return (unsigned)m < 3 ? ecm__apply_names[m] : "?";
}
const char *ecm_align_state_name(ecm_align_state s) {
  return (unsigned)s < 4 ? ecm__state_names[s] : "?";
}

static ecm_status ecm__align_parse(const char *text, const char *const *names, int *out,
                                   const char *what) {
  if (!text || !out) return ecm__status_set(ECM_EINVAL, "align: NULL %s name", what);
  for (int i = 0; i < 3; i++)
    if (strcasecmp(text, names[i]) == 0) {
      *out = i;
      return ECM_OK;
    }
  return ecm__status_set(ECM_EINVAL, "unknown %s '%s' (expected %s, %s or %s)", what, text,
                         names[0], names[1], names[2]);
}

ecm_status ecm_align_ref_parse(const char *text, ecm_align_ref *out) {
  int v = 0;
  if (text && out && strcasecmp(text, "first") == 0) {
    *out = ECM_ALIGN_REF_FRAME;
    return ECM_OK;
  }
  ECM__TRY(ecm__align_parse(text, ecm__ref_names, &v, "reference"));
  *out = (ecm_align_ref)v;
  return ECM_OK;
}

ecm_status ecm_align_window_parse(const char *text, ecm_align_window *out) {
  int v = 0;
  ECM__TRY(ecm__align_parse(text, ecm__win_names, &v, "window"));
  *out = (ecm_align_window)v;
  return ECM_OK;
}

ecm_status ecm_align_apply_parse(const char *text, ecm_align_apply_mode *out) {
  int v = 0;
  ECM__TRY(ecm__align_parse(text, ecm__apply_names, &v, "apply mode"));
  *out = (ecm_align_apply_mode)v;
  return ECM_OK;
}

ecm_status ecm_align_params_json(const ecm_align_params *p, char *buf, size_t cap) {
  if (!p || !buf) return ecm__status_set(ECM_EINVAL, "ecm_align_params_json: NULL argument");
  int n = snprintf(buf, cap,
                   "{\"reference\": \"%s\", \"ref_frame\": %zu, \"ref_count\": %zu, "
                   "\"running_block\": %zu, \"upsample\": %u, \"regularization\": %.17g, "
                   "\"window\": \"%s\", "
                   "\"tukey_alpha\": %.17g, \"max_shift_px\": %.17g, \"apply\": \"%s\", "
                   "\"psr_margin\": %.17g}",
                   ecm_align_ref_name(p->reference), p->ref_frame, p->ref_count, p->running_block,
                   p->upsample, p->regularization, ecm_align_window_name(p->window), p->tukey_alpha,
                   p->max_shift_px, ecm_align_apply_name(p->apply), p->psr_margin);
  if (n < 0 || (size_t)n >= cap) {
    if (cap) buf[0] = '\0';
    return ecm__status_set(ECM_EOVERFLOW, "align parameters: JSON needs %d bytes, buffer has %zu",
                           n + 1, cap);
  }
  return ECM_OK;
}

/* ---- results ------------------------------------------------------------------------- */

void ecm_align_result_free(ecm_align_result *r) {
  if (!r) return;
  free(r->shift_x);
  free(r->shift_y);
  free(r->peak);
  free(r->psr);
  free(r->state);
  free(r);
}

static ecm_status ecm__align_result_alloc(size_t nt, ecm_align_result **out) {
  ecm_align_result *r = calloc(1, sizeof *r);
  if (!r) return ecm__status_set(ECM_ENOMEM, "align: cannot allocate the result");
  r->nt = nt;
  r->shift_x = calloc(nt, sizeof(double));
  r->shift_y = calloc(nt, sizeof(double));
  r->peak = calloc(nt, sizeof(double));
  r->psr = calloc(nt, sizeof(double));
  r->state = calloc(nt, 1);
  if (!r->shift_x || !r->shift_y || !r->peak || !r->psr || !r->state) {
    ecm_align_result_free(r);
    return ecm__status_set(ECM_ENOMEM, "align: cannot allocate per-frame results for %zu frames",
                           nt);
  }
  *out = r;
  return ECM_OK;
}

/* ---- estimation ---------------------------------------------------------------------- */

typedef struct align_job {
  const ecm_view *in;
  ecm_align_box reg;
  ecm__align_ctx c;
  ecm__align_scratch *scr; /* one per thread */
  int nth;
  float *ref;    /* 2 * nspec: reference half spectrum (fft buffer) */
  double *sum;   /* REF_RUNNING: 2 * nspec accumulated aligned spectra */
  float **slot;  /* REF_RUNNING: running_block spectra of the current block */
  double *phase; /* REF_RUNNING: 2 * pxh scratch of the update */
  double *resid; /* REF_RUNNING: 2 * running_block: shift of each slot's spectrum
                    relative to the reference (the window followed the content) */
  size_t nslot;
  double max_shift; /* params.max_shift_px */
  int psr_test;      /* params.psr_margin > ECM__ALIGN_PSR_OFF */
  double psr_margin; /* params.psr_margin */
  ecm_align_result *r;
} align_job;

static ecm__align_image ecm__align_frame(const align_job *j, size_t t) {
  const ecm_view *v = j->in;
  ecm__align_image im = {v->data + (ptrdiff_t)t * v->st, v->ny, v->nx, v->sy, v->sx};
  return im;
}

static void ecm__align_job_free(align_job *j) {
  if (j->scr)
    for (int i = 0; i < j->nth; i++) ecm__align_scratch_free(&j->scr[i]);
  free(j->scr);
  if (j->slot)
    for (size_t i = 0; i < j->nslot; i++) ecm__fft_free(j->slot[i]);
  free(j->slot);
  free(j->resid);
  free(j->phase);
  ecm__fft_free(j->ref);
  free(j->sum);
  ecm__align_ctx_free(&j->c);
}

/* Extract frame t's region at frame position region - (oy, ox), weights moved by
 * (fy, fx), into scratch s and transform it into `spec`. Returns 1 when the frame is
 * usable; *fail records an FFT execution failure. */
static int ecm__align_frame_spectrum(const align_job *j, ecm__align_scratch *s, size_t t, long oy,
                                     long ox, double fy, double fx, float *spec, int *fail) {
  ecm__align_image im = ecm__align_frame(j, t);
  if (!ecm__align_extract(&j->c, s, &im, (long)j->reg.y0 - oy, (long)j->reg.x0 - ox, fy, fx))
    return 0;
  if (ecm__fft_exec_f(j->c.r2c, s->buf, spec) != ECM_OK) {
    *fail = 1;
    return 0;
  }
  return 1;
}

/* Register frame t against j->ref. A window (and ROI) fixed on the frame while its content
 * moves biases the estimate towards 0 in proportion to the drift, so in a second pass the
 * window follows the content (docs/align.md):
 *   pass 1: the region at its place (with a ROI: the reference's ROI matched inside a search
 *           area grown by the margin); integer peak n1 over the whole search range and a
 *           parabolic fit through its neighbours: a guess d1 with a small bias;
 *   pass 2: the region read at -round(d1), the weights moved by the remaining fraction so
 *           that they cover the reference's content; integer peak within +-1 refined by the
 *           upsampled DFT: the shift is round(d1) + that residual.
 * The spectrum of the last pass is left in `keep` (when given) and its residual (the shift
 * between that spectrum and the reference) in resid[0..1]. */
static void ecm__align_one(align_job *j, ecm__align_scratch *s, size_t t, float *keep,
                           double *resid, int *fail) {
  ecm_align_result *r = j->r;
  const ecm__align_ctx *c = &j->c;
  float *spec = keep ? keep : s->spec;
  r->shift_x[t] = r->shift_y[t] = r->peak[t] = r->psr[t] = 0.0;
  r->state[t] = ECM_ALIGN_BAD_FRAME;
  const long ly = (long)c->lim_y, lx = (long)c->lim_x;
  ecm__align_peak p1, p2;
  ecm__align_image im = ecm__align_frame(j, t);
  if (!ecm__align_extract_wide(c, s, &im, (long)j->reg.y0, (long)j->reg.x0)) return;
  if (ecm__fft_exec_f(c->r2c, s->buf, spec) != ECM_OK) {
    *fail = 1;
    return;
  }
  /* the whitened surface of the peak test goes to buf (pass 1's region is transformed) */
  float *white = j->psr_test ? s->buf : NULL;
  if (ecm__align_register(c, s, j->ref, spec, -ly, ly, -lx, lx, white, &p1) != ECM_OK) {
    *fail = 1;
    return;
  }
  if (!p1.found) return;
  /* significance of the peak among the N positions searched (docs/align.md, "Weak peaks") */
  size_t nsearch = 0;
  const double psr = white ? ecm__align_psr(c, white, &p1, -ly, ly, -lx, lx, &nsearch) : NAN;
  r->psr[t] = psr;
  if (white && psr < sqrt(2.0 * log((double)nsearch)) + j->psr_margin) {
    r->peak[t] = p1.peak; /* the shift is filled in from the previous registered frame */
    r->state[t] = ECM_ALIGN_WEAK_PEAK;
    return;
  }
  const int at_limit = (c->limited_y && (size_t)labs(p1.iy) == c->lim_y) ||
                       (c->limited_x && (size_t)labs(p1.ix) == c->lim_x);
  ecm__align_parabolic(c, s, &p1);
  /* pass 2, the total kept inside the search range */
  long ny = (long)floor(p1.dy + 0.5), nx = (long)floor(p1.dx + 0.5);
  if (ny > ly) ny = ly;
  if (ny < -ly) ny = -ly;
  if (nx > lx) nx = lx;
  if (nx < -lx) nx = -lx;
  const double fy = p1.dy - (double)ny, fx = p1.dx - (double)nx;
  if (!ecm__align_frame_spectrum(j, s, t, ny, nx, fy, fx, spec, fail)) return;
  const long ya = ny - 1 < -ly ? 0 : -1, yb = ny + 1 > ly ? 0 : 1;
  const long xa = nx - 1 < -lx ? 0 : -1, xb = nx + 1 > lx ? 0 : 1;
  if (ecm__align_register(c, s, j->ref, spec, ya, yb, xa, xb, NULL, &p2) != ECM_OK) {
    *fail = 1;
    return;
  }
  if (!p2.found) return;
  ecm__align_refine(c, s, &p2);
  if (resid) {
    resid[0] = p2.dy;
    resid[1] = p2.dx;
  }
  double sy = (double)ny + p2.dy, sx = (double)nx + p2.dx;
  if (c->limited_y) sy = fmax(-j->max_shift, fmin(j->max_shift, sy));
  if (c->limited_x) sx = fmax(-j->max_shift, fmin(j->max_shift, sx));
  r->shift_y[t] = sy;
  r->shift_x[t] = sx;
  r->peak[t] = p2.peak;
  r->state[t] = at_limit ? ECM_ALIGN_AT_LIMIT : ECM_ALIGN_OK;
}

/* Reference spectrum for REF_FRAME / REF_MEAN into j->ref (scratch 0 is used). */
static ecm_status ecm__align_fixed_reference(align_job *j, const ecm_align_params *p) {
  ecm__align_scratch *s = &j->scr[0];
  const ecm_view *v = j->in;
  int fail = 0;
  if (p->reference == ECM_ALIGN_REF_FRAME) {
    if (!ecm__align_frame_spectrum(j, s, p->ref_frame, 0, 0, 0, 0, j->ref, &fail)) {
      if (fail) return ecm__status_set(ECM_EINTERNAL, "align: FFT execution failed");
      return ecm__status_set(ECM_ENODATA,
                             "align: reference frame %zu has no finite value in the region or "
                             "is constant there",
                             p->ref_frame);
    }
    j->r->ref_first = p->ref_frame;
    return ECM_OK;
  }
  /* mean of the first K usable frames, pixel by pixel over finite values */
  const size_t h = j->c.h, w = j->c.w, K = p->ref_count;
  double *sum = calloc(h * w, sizeof(double));
  float *img = malloc(h * w * sizeof(float));
  unsigned *cnt = calloc(h * w, sizeof(unsigned));
  if (!sum || !img || !cnt) {
    free(sum);
    free(img);
    free(cnt);
    return ecm__status_set(ECM_ENOMEM, "align: cannot allocate the mean reference");
  }
  size_t used = 0;
  for (size_t t = 0; t < v->nt && used < K; t++) {
    ecm__align_image im = ecm__align_frame(j, t);
    /* usable frames only (same test as registration) */
    if (!ecm__align_extract(&j->c, s, &im, (long)j->reg.y0, (long)j->reg.x0, 0, 0)) continue;
    used++;
    const float *b = im.data + (ptrdiff_t)j->reg.y0 * v->sy + (ptrdiff_t)j->reg.x0 * v->sx;
    for (size_t y = 0; y < h; y++)
      for (size_t x = 0; x < w; x++) {
        float f = b[(ptrdiff_t)y * v->sy + (ptrdiff_t)x * v->sx];
        if (isfinite(f)) {
          sum[y * w + x] += f;
          cnt[y * w + x]++;
        }
      }
  }
  for (size_t i = 0; i < h * w; i++) img[i] = cnt[i] ? (float)(sum[i] / cnt[i]) : NAN;
  ecm__align_image mi = {img, h, w, (ptrdiff_t)w, 1};
  int ok = used > 0 && ecm__align_extract(&j->c, s, &mi, 0, 0, 0, 0);
  free(sum);
  free(img);
  free(cnt);
  if (!ok)
    return ecm__status_set(ECM_ENODATA,
                           "align: no frame is usable as a reference (no finite value in the "
                           "region, or constant)");
  if (ecm__fft_exec_f(j->c.r2c, s->buf, j->ref) != ECM_OK)
    return ecm__status_set(ECM_EINTERNAL, "align: FFT execution failed");
  j->r->ref_first = 0;
  return ECM_OK;
}

/* REF_RUNNING: add frame spectrum X shifted by (dy, dx) to the accumulated reference:
 * a translation by d multiplies the spectrum by exp(-2 pi i (ky' dy / py + kx dx / px)). */
static void ecm__align_accumulate(const ecm__align_ctx *c, double *sum, double *ph, const float *X,
                                  double dy, double dx) {
  const size_t py = c->py, px = c->px, pxh = c->pxh;
  double *exr = ph, *exi = ph + pxh;
  for (size_t kx = 0; kx < pxh; kx++) {
    double ax = -ECM__ALIGN_2PI * (double)kx * dx / (double)px;
    exr[kx] = cos(ax);
    exi[kx] = sin(ax);
  }
  for (size_t ky = 0; ky < py; ky++) {
    double ks = ky <= py / 2 ? (double)ky : (double)ky - (double)py;
    if (py % 2 == 0 && ky == py / 2) ks = -(double)ky;
    double ay = -ECM__ALIGN_2PI * ks * dy / (double)py;
    double eyr = cos(ay), eyi = sin(ay);
    const float *xr = X + 2 * ky * pxh;
    double *sr = sum + 2 * ky * pxh;
    for (size_t kx = 0; kx < pxh; kx++) {
      double pr = eyr * exr[kx] - eyi * exi[kx], pi = eyr * exi[kx] + eyi * exr[kx];
      double a = xr[2 * kx], b = xr[2 * kx + 1];
      sr[2 * kx] += a * pr - b * pi;
      sr[2 * kx + 1] += a * pi + b * pr;
    }
  }
}

static ecm_status ecm__align_region(const ecm_view *in, const ecm_mask *roi, ecm_align_box *b) {
  b->x0 = b->y0 = 0;
  b->nx = in->nx;
  b->ny = in->ny;
  if (!roi) return ECM_OK;
  ECM__TRY(ecm_mask_check(roi, in->ny, in->nx));
  size_t y0 = SIZE_MAX, y1 = 0, x0 = SIZE_MAX, x1 = 0;
  for (size_t y = 0; y < roi->ny; y++)
    for (size_t x = 0; x < roi->nx; x++)
      if (roi->inside[y * roi->nx + x]) {
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
  b->x0 = x0;
  b->y0 = y0;
  b->nx = x1 - x0 + 1;
  b->ny = y1 - y0 + 1;
  return ECM_OK;
}

ecm_status ecm_align_estimate(const ecm_view *in, const ecm_mask *roi,
                              const ecm_align_params *params, const ecm_run *run,
                              ecm_align_result **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_align_estimate: NULL output");
  *out = NULL;
  if (!in || !in->data) return ecm__status_set(ECM_EINVAL, "ecm_align_estimate: NULL input");
  ecm_align_params p = params ? *params : ecm_align_default_params();
  ECM__TRY(ecm_align_check_params(&p));
  if (in->nt == 0 || in->ny == 0 || in->nx == 0)
    return ecm__status_set(ECM_ENODATA, "align: empty stack");
  if (p.reference == ECM_ALIGN_REF_FRAME && p.ref_frame >= in->nt)
    return ecm__status_set(ECM_EINVAL, "align: reference frame %zu is beyond the last frame (%zu)",
                           p.ref_frame, in->nt - 1);

  align_job j;
  memset(&j, 0, sizeof j);
  j.in = in;
  j.max_shift = p.max_shift_px;
  j.psr_test = p.psr_margin > ECM__ALIGN_PSR_OFF;
  j.psr_margin = p.psr_margin;
  ECM__TRY(ecm__align_region(in, roi, &j.reg));
  if (j.reg.ny < ECM__ALIGN_MIN_SIDE || j.reg.nx < ECM__ALIGN_MIN_SIDE)
    return ecm__status_set(ECM_ENODATA,
                           "align: the correlated region is %zu x %zu px; at least %d x %d "
                           "are needed",
                           j.reg.nx, j.reg.ny, ECM__ALIGN_MIN_SIDE, ECM__ALIGN_MIN_SIDE);

  const int running = p.reference == ECM_ALIGN_REF_RUNNING;
  const size_t block = running ? p.running_block : ECM__ALIGN_CHUNK;
  int nth = ecm__run_threads(run);
  if ((size_t)nth > block) nth = (int)block;
  if ((size_t)nth > in->nt) nth = (int)in->nt;

  /* memory: tables + per-thread scratch + reference (+ running sum and block spectra) +
   * per-frame results (+ mean image) */
  size_t cb, sb, total, nspec, sbytes;
  /* With a ROI, pass 1 matches the reference's ROI (the template) inside a search area
   * grown by a margin: the expected drift (max_shift_px) or half the ROI's larger side. */
  size_t margin = 0;
  if (roi) {
    double m = p.max_shift_px > 0 ? ceil(p.max_shift_px) + ECM__ALIGN_MASK_TAPER_PX + 2
                                  : 0.5 * (double)(j.reg.ny > j.reg.nx ? j.reg.ny : j.reg.nx);
    if (m < 2 * ECM__ALIGN_MASK_TAPER_PX) m = 2 * ECM__ALIGN_MASK_TAPER_PX;
    double cap = (double)(in->ny > in->nx ? in->ny : in->nx);
    margin = (size_t)(m < cap ? m : cap);
  }
  ECM__TRY(ecm__align_ctx_bytes(j.reg.ny, j.reg.nx, margin, p.upsample, &cb, &sb));
  {
    size_t py, px;
    ECM__TRY(ecm_fft_good_size(j.reg.ny + 2 * margin, &py));
    ECM__TRY(ecm_fft_good_size(j.reg.nx + 2 * margin, &px));
    ECM__TRY(ecm_size_mul(py, px / 2 + 1, &nspec));
    ECM__TRY(ecm_size_mul(nspec, 2 * sizeof(float), &sbytes));
    size_t parts[6], pix;
    ECM__TRY(ecm_size_mul(sb, (size_t)nth, &parts[0]));
    parts[1] = sbytes;
    parts[2] = 0;
    if (running) {
      ECM__TRY(ecm_size_mul(sbytes, 2 + block, &parts[2])); /* double sum + slots */
    }
    ECM__TRY(ecm_size_mul(in->nt, 4 * sizeof(double) + 1, &parts[3]));
    ECM__TRY(ecm_size_mul(j.reg.ny, j.reg.nx, &pix));
    ECM__TRY(ecm_size_mul(pix, 16, &parts[4]));
    parts[5] = cb;
    total = 0;
    for (int i = 0; i < 6; i++) {
      if (total > SIZE_MAX - parts[i])
        return ecm__status_set(ECM_EOVERFLOW, "align: memory size overflows");
      total += parts[i];
    }
  }
  ECM__TRY(ecm__run_reserve(run, total, "drift estimation"));

  ecm_status st = ecm__align_result_alloc(in->nt, &j.r);
  if (st != ECM_OK) return st;
  ecm_align_result *r = j.r;
  r->ny = in->ny;
  r->nx = in->nx;
  r->region = j.reg;
  r->params = p;

  if ((st = ecm__align_ctx_init(&j.c, j.reg.ny, j.reg.nx, margin, &p)) != ECM_OK) goto fail;
  {
    const size_t h = j.reg.ny, w = j.reg.nx;
    float *wy = malloc(h * sizeof(float)), *wx = malloc(w * sizeof(float));
    uint8_t *ins = roi ? malloc(h * w) : NULL;
    if (!wy || !wx || (roi && !ins)) {
      free(wy);
      free(wx);
      free(ins);
      st = ecm__status_set(ECM_ENOMEM, "align: cannot allocate the window");
      goto fail;
    }
    ecm__align_window_1d(p.window, p.tukey_alpha, h, wy);
    ecm__align_window_1d(p.window, p.tukey_alpha, w, wx);
    if (roi) {
      for (size_t y = 0; y < h; y++)
        memcpy(ins + y * w, roi->inside + (j.reg.y0 + y) * roi->nx + j.reg.x0, w);
      j.c.taper = malloc(h * w * sizeof(float));
      if (!j.c.taper) {
        free(wy);
        free(wx);
        free(ins);
        st = ecm__status_set(ECM_ENOMEM, "align: cannot allocate the window");
        goto fail;
      }
      ecm__align_mask_taper(ins, h, w, j.c.taper);
      memcpy(j.c.wm, j.c.taper, h * w * sizeof(float));
      free(ins);
    } else {
      for (size_t i = 0; i < h * w; i++) j.c.wm[i] = 1.0f;
    }
    for (size_t y = 0; y < h; y++)
      for (size_t x = 0; x < w; x++) j.c.wm[y * w + x] *= wy[y] * wx[x];
    free(wy);
    free(wx);
  }
  j.nth = nth;
  j.scr = calloc((size_t)nth, sizeof *j.scr);
  j.ref = ecm__fft_alloc(sbytes);
  if (!j.scr || !j.ref) {
    st = ecm__status_set(ECM_ENOMEM, "align: cannot allocate scratch");
    goto fail;
  }
  for (int i = 0; i < nth; i++)
    if ((st = ecm__align_scratch_alloc(&j.c, &j.scr[i])) != ECM_OK) goto fail;
  if (running) {
    j.nslot = block;
    j.sum = calloc(2 * nspec, sizeof(double));
    j.slot = calloc(block, sizeof *j.slot);
    j.resid = calloc(2 * block, sizeof(double));
    j.phase = calloc(2 * j.c.pxh, sizeof(double));
    if (!j.sum || !j.slot || !j.resid || !j.phase) {
      st = ecm__status_set(ECM_ENOMEM, "align: cannot allocate the running reference");
      goto fail;
    }
    for (size_t i = 0; i < block; i++)
      if (!(j.slot[i] = ecm__fft_alloc(sbytes))) {
        st = ecm__status_set(ECM_ENOMEM, "align: cannot allocate the running reference");
        goto fail;
      }
  }

  if ((st = ecm__run_report(run, 0.0, "align: estimating")) != ECM_OK) goto fail;

  size_t start = 0;
  if (running) {
    /* seed: the first usable frame; earlier frames stay BAD_FRAME with shift 0 */
    int fail = 0;
    while (start < in->nt &&
           !ecm__align_frame_spectrum(&j, &j.scr[0], start, 0, 0, 0, 0, j.slot[0], &fail) && !fail)
      r->state[start++] = ECM_ALIGN_BAD_FRAME;
    if (fail) {
      st = ecm__status_set(ECM_EINTERNAL, "align: FFT execution failed");
      goto fail;
    }
    if (start == in->nt) {
      st = ecm__status_set(ECM_ENODATA,
                           "align: no frame has finite, non-constant values in the region");
      goto fail;
    }
    for (size_t k = 0; k < 2 * nspec; k++) j.sum[k] = j.slot[0][k];
    for (size_t k = 0; k < 2 * nspec; k++) j.ref[k] = j.slot[0][k];
    r->ref_first = start;
  } else if ((st = ecm__align_fixed_reference(&j, &p)) != ECM_OK) {
    goto fail;
  }

  for (size_t b0 = start; b0 < in->nt; b0 += block) {
    const size_t b1 = in->nt - b0 > block ? b0 + block : in->nt;
    int fail = 0;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1) reduction(| : fail)
#endif
    for (size_t t = b0; t < b1; t++) {
      ecm__align_scratch *s = &j.scr[ecm__align_tid()];
      ecm__align_one(&j, s, t, running ? j.slot[t - b0] : NULL,
                     running ? j.resid + 2 * (t - b0) : NULL, &fail);
    }
    if (fail) {
      st = ecm__status_set(ECM_EINTERNAL, "align: FFT execution failed");
      goto fail;
    }
    if (running) {
      /* fold the block into the running mean, in frame order (thread-count independent) */
      for (size_t t = b0; t < b1; t++)
        if (r->state[t] == ECM_ALIGN_OK && t != r->ref_first)
          ecm__align_accumulate(&j.c, j.sum, j.phase, j.slot[t - b0], j.resid[2 * (t - b0)],
                                j.resid[2 * (t - b0) + 1]);
      for (size_t k = 0; k < 2 * nspec; k++) j.ref[k] = (float)j.sum[k];
    }
    st = ecm__run_report(run, (double)(b1 - start) / (double)(in->nt - start), "align: estimating");
    if (st != ECM_OK) goto fail;
  }

  /* weak peaks keep the shift of the previous registered frame, in frame order (drift is
   * continuous); 0 before the first one */
  {
    double lx = 0, ly = 0;
    for (size_t t = 0; t < in->nt; t++) {
      if (r->state[t] == ECM_ALIGN_OK || r->state[t] == ECM_ALIGN_AT_LIMIT) {
        lx = r->shift_x[t];
        ly = r->shift_y[t];
      } else if (r->state[t] == ECM_ALIGN_WEAK_PEAK) {
        r->shift_x[t] = lx;
        r->shift_y[t] = ly;
      }
    }
  }
  for (size_t t = 0; t < in->nt; t++) {
    r->n_bad += r->state[t] == ECM_ALIGN_BAD_FRAME;
    r->n_at_limit += r->state[t] == ECM_ALIGN_AT_LIMIT;
    r->n_weak += r->state[t] == ECM_ALIGN_WEAK_PEAK;
  }
  if (r->n_bad == in->nt) {
    st = ecm__status_set(ECM_ENODATA,
                         "align: no frame has finite, non-constant values in the region");
    goto fail;
  }
  st = ecm_align_crop_box(r->shift_x, r->shift_y, in->nt, in->ny, in->nx, p.apply, &r->crop);
  if (st != ECM_OK) goto fail;
  ecm__align_job_free(&j);
  *out = r;
  return ECM_OK;

fail:
  ecm__align_job_free(&j);
  ecm_align_result_free(j.r);
  return st;
}
