/* Internal pieces of the align module (not installed): the registration context shared by
 * all threads, per-thread scratch, and the single-frame kernels. docs/align.md derives them. */
#ifndef ECM_ALIGN_INTERNAL_H
#define ECM_ALIGN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/align.h"
#include "fft/fft_internal.h"

/* Smallest correlated region, px per side. */
#define ECM__ALIGN_MIN_SIDE 4
/* Frames per parallel region when the reference is fixed (progress granularity only:
 * results do not depend on it). */
#define ECM__ALIGN_CHUNK 64
/* Width of the raised-cosine taper inside a ROI's edge, px (at most half the ROI's largest
 * inscribed distance). */
#define ECM__ALIGN_MASK_TAPER_PX 6.0
/* Peak significance test (docs/align.md, "Weak peaks"): half-width of the exclusion window
 * around the peak, px (shrunk on small surfaces so that it covers at most a quarter of the
 * searched positions), and the fewest sidelobe values for which the test is made. */
#define ECM__ALIGN_PSR_HALF 5
#define ECM__ALIGN_PSR_MIN_SIDELOBE 24
/* Regularisation of the test's surface: frequencies below this fraction of the mean |C|
 * (pure window leakage in noise-free, band-limited data) are suppressed. */
#define ECM__ALIGN_PSR_EPS 0.01
/* psr_margin at or below this turns the test off. */
#define ECM__ALIGN_PSR_OFF (-10.0)
/* Upper limits of the parameters. */
#define ECM__ALIGN_MAX_UPSAMPLE 1000u
#define ECM__ALIGN_MAX_BLOCK 4096
/* Whole-pixel and subpixel crops treat shifts within this many px of an integer as that
 * integer (round-off of shifts read back from a CSV). */
#define ECM__ALIGN_SNAP 1e-9

/* Read-only state shared by every thread during an estimation. */
typedef struct ecm__align_ctx {
  size_t h, w;          /* correlated region (rows, columns) */
  size_t margin;        /* ROI only: pass 1 searches the region grown by this on each side */
  size_t hb, wb;        /* h + 2 margin, w + 2 margin */
  size_t py, px, pxh;   /* FFT size (hb x wb zero-padded to FFT-friendly sizes), px/2 + 1;
                           the region sits at (margin, margin) of the buffer */
  size_t nspec;         /* py * pxh complex values in a half spectrum */
  float *wm;            /* h * w: window x ROI weights (0 outside the ROI) */
  float *taper;         /* h * w: ROI weights alone (NULL without a ROI) */
  float *wbig;          /* hb * wb: weights of pass 1's search area (NULL when margin 0) */
  ecm_align_window win; /* window and its Tukey fraction */
  double alpha;
  const ecm__fft_plan *r2c, *c2r;
  double eps;               /* regularisation of the cross-power normalisation */
  unsigned up;              /* upsampling factor U */
  size_t nu, nup, off;      /* upsampled grid: nu points (padded to nup), centre index off */
  float *bxr, *bxi;         /* pxh x nup: c_kx exp(2 pi i kx (j - off) / (U px)) */
  float *byr, *byi;         /* py x nup: exp(2 pi i ky' (i - off) / (U py)), ky' signed */
  float *twx, *twy;         /* px, py interleaved complex: exp(2 pi i m / n) */
  size_t lim_y, lim_x;      /* integer search radii, px */
  int limited_y, limited_x; /* non-zero when max_shift_px is the binding radius */
} ecm__align_ctx;

/* Per-thread scratch (buffers handed to FFTW come from ecm__fft_alloc). */
typedef struct ecm__align_scratch {
  float *buf;       /* py * px windowed region */
  float *spec;      /* 2 * nspec: the frame's half spectrum */
  float *cross;     /* 2 * nspec: normalised cross-power spectrum */
  float *cin;       /* 2 * nspec: copy of cross for the inverse transform (destroyed by it) */
  float *corr;      /* py * px: phase-correlation surface */
  float *tr, *ti;   /* py * nup: first (x) stage of the upsampled DFT */
  float *acc;       /* nu * nup: upsampled correlation */
  float *arow;      /* 2 * pxh */
  float *wbuf;      /* h * w: weights moved by a fraction of a pixel */
  float *wyf, *wxf; /* h, w */
  double norm;      /* sum of |R| over the full spectrum of the last registration */
} ecm__align_scratch;

/* Window over n points at continuous position pos (pixel k sits at pos = k; the window
 * spans (-0.5, n - 0.5) and is 0 outside). */
double ecm__align_window_at(ecm_align_window win, double alpha, size_t n, double pos);
/* 1D window of n points, samples at (k + 0.5) / n (never exactly 0). */
void ecm__align_window_1d(ecm_align_window win, double alpha, size_t n, float *out);

/* ROI weights over a region of h x w: 0 outside the ROI, rising as a raised cosine over
 * ECM__ALIGN_MASK_TAPER_PX px of (chamfer) distance from the ROI's edge to 1. */
void ecm__align_mask_taper(const uint8_t *inside, size_t h, size_t w, float *out);

/* Set up ctx for a region of h x w and the parameters; allocates its tables and takes the
 * FFT plans. wm (and taper, allocated by the caller with a ROI) are filled by the caller. Release
 * with ecm__align_ctx_free (accepts a zeroed ctx). */
ecm_status ecm__align_ctx_init(ecm__align_ctx *c, size_t h, size_t w, size_t margin,
                               const ecm_align_params *p);
void ecm__align_ctx_free(ecm__align_ctx *c);
/* Bytes ecm__align_ctx_init allocates, and one scratch set (for the memory budget). */
ecm_status ecm__align_ctx_bytes(size_t h, size_t w, size_t margin, unsigned up, size_t *ctx_bytes,
                                size_t *scratch_bytes);

ecm_status ecm__align_scratch_alloc(const ecm__align_ctx *c, ecm__align_scratch *s);
void ecm__align_scratch_free(ecm__align_scratch *s);

/* An image to read a region from: pixel (y, x) is data[y * sy + x * sx], 0 <= y < ny,
 * 0 <= x < nx. */
typedef struct ecm__align_image {
  const float *data;
  size_t ny, nx;
  ptrdiff_t sy, sx;
} ecm__align_image;

/* Window-weighted, mean-subtracted region into s->buf (py x px, zero-padded): region pixel
 * (y, x) is image pixel (y0 + y, x0 + x) and weighs wm(y + fy, x + fx) (the weights move
 * with content that sits a fraction (fy, fx) of a pixel off the grid; |f| < 1); pixels
 * outside the image, outside the ROI or not finite weigh 0. Returns 1 when usable, 0 when
 * no finite ROI pixel is inside the image or they are all equal (buf is then undefined). */
int ecm__align_extract(const ecm__align_ctx *c, ecm__align_scratch *s, const ecm__align_image *img,
                       long y0, long x0, double fy, double fx);
/* Pass 1's search area: the region (frame origin y0, x0) grown by the margin on each side,
 * weighted by wbig (a flat area with short outer tapers), at buffer (0, 0). Without a
 * margin, ecm__align_extract with no move. */
int ecm__align_extract_wide(const ecm__align_ctx *c, ecm__align_scratch *s,
                            const ecm__align_image *img, long y0, long x0);

/* Outcome of one registration. */
typedef struct ecm__align_peak {
  int found;     /* 0: no usable correlation (the other fields are 0) */
  long iy, ix;   /* integer peak, px */
  double dy, dx; /* refined shift to apply to the frame, px */
  double peak;   /* correlation peak height in [0, 1] */
} ecm__align_peak;

/* Register a frame's half spectrum `spec` against the reference half spectrum `ref`:
 * when `white` (py x px floats) is given, it receives the phase-only surface
 * ifft(C / |C|) of the peak significance test first (s->cin is its scratch); then the
 * integer peak with dy in [ylo, yhi], dx in [xlo, xhi] (out->dy, dx = the integer peak;
 * the ranges must not exceed half the transform size). Leaves the
 * cross-power spectrum in s for ecm__align_refine. Returns an FFT execution failure (a
 * bug) only. */
ecm_status ecm__align_register(const ecm__align_ctx *c, ecm__align_scratch *s, const float *ref,
                               const float *spec, long ylo, long yhi, long xlo, long xhi,
                               float *white, ecm__align_peak *out);

/* Peak-to-sidelobe ratio on `surf` (py x px, e.g. the whitened surface from
 * ecm__align_register) of the integer peak pk over the search range [ylo, yhi] x [xlo, xhi]:
 * (v - mean) / sd, v the largest value within +-1 px of the peak, mean and sd over the
 * searched values outside a window of ECM__ALIGN_PSR_HALF px (cyclic distance) around it.
 * *nsearch receives the number of searched positions. INFINITY when the sidelobes have no
 * variance (and lie below v), NaN when fewer than ECM__ALIGN_PSR_MIN_SIDELOBE values remain
 * (no test). */
double ecm__align_psr(const ecm__align_ctx *c, const float *surf, const ecm__align_peak *pk,
                      long ylo, long yhi, long xlo, long xhi, size_t *nsearch);

/* Parabolic interpolation of the integer peak on the correlation surface left in s by the
 * last ecm__align_register (each axis within +-0.5 px): a quick subpixel estimate. */
void ecm__align_parabolic(const ecm__align_ctx *c, const ecm__align_scratch *s,
                          ecm__align_peak *pk);

/* Subpixel refinement of a found integer peak by the upsampled DFT of the cross-power
 * spectrum left in s by the last ecm__align_register (no-op when U = 1). */
void ecm__align_refine(const ecm__align_ctx *c, ecm__align_scratch *s, ecm__align_peak *pk);

#endif
