/* ecm/align.h — drift correction: rigid translation of each frame against a reference,
 * estimated by FFT phase correlation (a regularised normalised cross-power spectrum) with
 * subpixel refinement by the upsampled DFT (Guizar-Sicairos et al., Opt. Lett. 33, 156
 * (2008)), in two passes so that the apodisation window follows the drifting content; then
 * applied by whole pixels (default), bilinear interpolation or a Fourier shift, and cropped
 * to the region valid in every frame. docs/align.md gives the equations, the reference
 * modes, the measured accuracy and the trade-offs.
 *
 * Sign convention (used by every function here, the CSV and the docs): shift_x, shift_y of a
 * frame, in pixels, is the translation that, applied to the frame, aligns it to the
 * reference: aligned(y, x) = frame(y - shift_y, x - shift_x). A frame whose content moved by
 * (+sx, +sy) relative to the reference (as ecm_sim_darkfield reports its drift) is measured
 * as (-sx, -sy). x grows to the right, y downwards, as ImageJ displays images. */
#ifndef ECM_ALIGN_H
#define ECM_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What each frame is registered against. */
typedef enum ecm_align_ref {
  ECM_ALIGN_REF_FRAME = 0,  /* one frame: params.ref_frame (default 0, the first frame) */
  ECM_ALIGN_REF_MEAN = 1,   /* pixel-wise mean of the first ref_count usable frames, as
                               recorded (not aligned among themselves) */
  ECM_ALIGN_REF_RUNNING = 2 /* running mean of the frames already aligned; frames are
                               registered in blocks of running_block (docs/align.md) */
} ecm_align_ref;

/* Apodisation window applied to the correlated region (separable in y and x). */
typedef enum ecm_align_window {
  ECM_ALIGN_WINDOW_NONE = 0, /* rectangular: edge discontinuities bias towards shift 0 */
  ECM_ALIGN_WINDOW_HANN = 1, /* raised cosine over the whole region (= Tukey alpha 1) */
  ECM_ALIGN_WINDOW_TUKEY = 2 /* flat top with cosine tapers over tukey_alpha of each axis */
} ecm_align_window;

/* How shifts are applied to make the aligned stack. */
typedef enum ecm_align_apply_mode {
  ECM_ALIGN_APPLY_WHOLE = 0,    /* round to whole pixels and copy: values (counts) and noise
                                   statistics are preserved exactly (default) */
  ECM_ALIGN_APPLY_BILINEAR = 1, /* bilinear interpolation: local, no ringing, but averages
                                   neighbouring pixels (lowers noise and g2 contrast) */
  ECM_ALIGN_APPLY_FOURIER = 2   /* exact band-limited (sinc) shift by a phase ramp: keeps
                                   the power spectrum, but rings near edges and sharp
                                   features, may give negative values, NaN poisons a frame */
} ecm_align_apply_mode;

/* Outcome per frame. */
typedef enum ecm_align_state {
  ECM_ALIGN_OK = 0,
  ECM_ALIGN_BAD_FRAME = 1, /* no finite value, or constant, inside the correlated region:
                              shift 0, peak 0; left out of a running or mean reference */
  ECM_ALIGN_AT_LIMIT = 2,  /* the correlation peak lies on the max_shift_px boundary: the
                              true drift may be larger; the shift is kept, but the frame is
                              left out of a running reference */
  ECM_ALIGN_WEAK_PEAK = 3  /* no distinct correlation peak: the peak-to-sidelobe ratio is
                              below the noise threshold (params.psr_margin): the frame keeps
                              the shift of the previous ok / at_limit frame (0 before the
                              first one; drift is continuous), its peak is the height of the
                              insignificant maximum, and it is left out of a running
                              reference */
} ecm_align_state;

typedef struct ecm_align_params {
  ecm_align_ref reference;    /* default ECM_ALIGN_REF_RUNNING: the mean keeps the static
                                 features and averages the relaxing speckle away */
  size_t ref_frame;           /* REF_FRAME: 0-based index of the reference frame (default 0) */
  size_t ref_count;           /* REF_MEAN: K >= 1, the first K usable frames are averaged
                                 (default 10; fewer when the stack has fewer) */
  size_t running_block;       /* REF_RUNNING: frames registered together against the same
                                 running mean, [1, 4096] (default 16); 1 = strictly
                                 sequential. Results depend on it, never on the thread
                                 count. */
  unsigned upsample;          /* subpixel factor U, [1, 1000]: shifts are quantised to 1/U px;
                                 1 = integer-pixel estimate only (default 20: 0.05 px) */
  double regularization;      /* eps in R = C / (|C| + eps mean|C|), the normalised
                                 cross-power spectrum, [0, 1e6]: 0 = pure phase correlation
                                 (favours sparse static features over relaxing speckle;
                                 fragile with noise or smooth images), large = plain
                                 cross-correlation (best for a rigid, noisy scene); see
                                 docs/align.md (default 10) */
  ecm_align_window window;    /* default ECM_ALIGN_WINDOW_TUKEY */
  double tukey_alpha;         /* TUKEY: tapered fraction of each axis, (0, 1] (default 0.5) */
  double max_shift_px;        /* search only |shift_x|, |shift_y| <= this, px, >= 0 (results
                                 are clamped to it); 0 = unlimited: half the region, or with
                                 a ROI half its larger side (default 0) */
  ecm_align_apply_mode apply; /* used by ecm_align_apply and for result->crop
                                 (default ECM_ALIGN_APPLY_WHOLE) */
  double psr_margin;          /* significance test of the correlation peak, [-100, 100]: a
                                 frame is ECM_ALIGN_WEAK_PEAK when its peak-to-sidelobe ratio
                                 (peak minus the mean of the searched surface outside an
                                 exclusion window around the peak, over their standard
                                 deviation) is below sqrt(2 ln N) + psr_margin, N = the
                                 number of positions searched: sqrt(2 ln N) is the expected
                                 maximum of N unit Gaussian values, the margin (in standard
                                 deviations) bounds the false acceptance of a noise maximum
                                 (default 3.5, docs/align.md); <= -10 turns the test off */
} ecm_align_params;

/* A rectangle in input pixel coordinates: columns [x0, x0 + nx), rows [y0, y0 + ny). */
typedef struct ecm_align_box {
  size_t x0, y0, nx, ny;
} ecm_align_box;

typedef struct ecm_align_result {
  size_t nt, ny, nx;       /* size of the input stack */
  double *shift_x;         /* nt shifts to apply, px (sign convention above); owned */
  double *shift_y;         /* nt, px; owned */
  double *peak;            /* nt correlation peak heights in [0, 1], the inverse transform of
                              R at the shift over sum |R|: 1 = identical up to translation,
                              ~0 = no match (0 for a bad frame); owned */
  double *psr;             /* nt peak-to-sidelobe ratios of the pass-1 correlation surface
                              (params.psr_margin; INFINITY for a surface without sidelobe
                              variance, NaN when the test is off or the surface too small for
                              it, 0 for a bad frame); owned */
  uint8_t *state;          /* nt ecm_align_state values; owned */
  size_t n_bad;            /* frames with ECM_ALIGN_BAD_FRAME */
  size_t n_at_limit;       /* frames with ECM_ALIGN_AT_LIMIT */
  size_t n_weak;           /* frames with ECM_ALIGN_WEAK_PEAK */
  size_t ref_first;        /* REF_RUNNING: the frame that seeded the running mean (the first
                              usable one); REF_FRAME: ref_frame; REF_MEAN: 0 */
  ecm_align_box region;    /* the correlated region: the ROI's bounding box, or the frame */
  ecm_align_box crop;      /* region valid in every frame once shifted with params.apply */
  ecm_align_params params; /* the parameters used */
} ecm_align_result;

/* Defaults as documented in ecm_align_params. */
ecm_align_params ecm_align_default_params(void);

/* Validate parameters on their own (frame-dependent checks happen in ecm_align_estimate):
 * ECM_EINVAL with a detail naming the field and its legal range. */
ecm_status ecm_align_check_params(const ecm_align_params *p);

/* Estimate the drift of every frame of `in` (nt >= 1 frames of at least 4 x 4 px).
 * `roi` may be NULL (whole frame) or a mask of the frame size drawn around the feature in
 * the reference: the correlated region is then the ROI's bounding box, weighted by the
 * window times the ROI (its edge tapered over 6 px), after subtracting the weighted mean.
 * The reference's ROI is searched for in each frame within a margin around it (max_shift_px,
 * or half the ROI's larger side), then the ROI follows the feature. Non-finite pixels are
 * ignored like pixels outside the ROI.
 * `p` may be NULL (defaults); `run` may be NULL. *out receives a result owned by the caller
 * (free with ecm_align_result_free), with result->crop computed for p->apply.
 * Threads: OpenMP over frames (run->threads), FFT plans shared, per-thread scratch; the
 * result is bit-identical for any thread count. Progress on the caller's thread, stage
 * "align: estimating"; cancel -> ECM_ECANCELED, *out NULL, nothing leaked.
 * Errors: ECM_EINVAL (NULL in/out, bad params, ref_frame >= nt), ECM_ESIZE (ROI of another
 * size), ECM_ENODATA (empty ROI, region below 4 x 4 px, reference frame unusable, no usable
 * frame), ECM_ENOMEM (incl. the memory budget), ECM_EOVERFLOW, ECM_ECANCELED. */
ecm_status ecm_align_estimate(const ecm_view *in, const ecm_mask *roi, const ecm_align_params *p,
                              const ecm_run *run, ecm_align_result **out);

/* Release a result; accepts NULL. */
void ecm_align_result_free(ecm_align_result *r);

/* The region of the reference's pixel grid that every frame covers once frame t is shifted
 * by (shift_x[t], shift_y[t]) with `mode`: whole pixels round each shift to the nearest
 * integer n = floor(s + 0.5), then x0 = max(0, max_t n_x), end = min(nx, nx + min_t n_x);
 * subpixel modes keep x - shift_x[t] inside [0, nx - 1] for every t. Same for y.
 * Non-finite shifts count as 0. Pure function, thread-safe.
 * Errors: ECM_EINVAL (NULL arguments, nt 0, unknown mode), ECM_ENODATA (the drift leaves no
 * pixel common to all frames). */
ecm_status ecm_align_crop_box(const double *shift_x, const double *shift_y, size_t nt, size_t ny,
                              size_t nx, ecm_align_apply_mode mode, ecm_align_box *box);

/* Shift every frame of `in` by (shift_x[t], shift_y[t]) px with `mode` and crop to
 * ecm_align_crop_box: *out is a new owned stack of nt x box.ny x box.nx with the input's
 * calibration, and *crop (may be NULL) receives the box. Output pixel (t, y, x) is the
 * input at (t, box.y0 + y - shift_y[t], box.x0 + x - shift_x[t]); WHOLE copies values
 * exactly. Memory: the output plus, for FOURIER, two frame-sized buffers per thread, checked
 * against run->memory_budget. OpenMP over frames; bit-identical for any thread count.
 * Progress stage "align: shifting"; cancel -> ECM_ECANCELED, *out NULL.
 * Errors: ECM_EINVAL, ECM_ENODATA (no common region), ECM_ENOMEM, ECM_EOVERFLOW,
 * ECM_ECANCELED. */
ecm_status ecm_align_apply_shifts(const ecm_view *in, const double *shift_x, const double *shift_y,
                                  ecm_align_apply_mode mode, const ecm_run *run, ecm_stack **out,
                                  ecm_align_box *crop);

/* ecm_align_apply_shifts with r's shifts and r->params.apply; the crop is r->crop.
 * ECM_ESIZE when `in` is not the size r was estimated on. */
ecm_status ecm_align_apply(const ecm_view *in, const ecm_align_result *r, const ecm_run *run,
                           ecm_stack **out);

/* Crop a mask given in input coordinates (e.g. --mask) to `box`: *out is a new owned mask
 * of box->ny x box->nx. ECM_ESIZE when the box leaves the mask, ECM_EINVAL for NULLs.
 * (The result may be empty; ecm_mask_check reports that.) */
ecm_status ecm_align_crop_mask(const ecm_mask *m, const ecm_align_box *box, ecm_mask **out);

/* A view of every frame of `in` restricted to `box` (borrowed: no copy), e.g. to crop a
 * single-frame truth map or a dark reference identically. ECM_EINVAL when the box leaves
 * the view. */
ecm_status ecm_align_crop_view(const ecm_view *in, const ecm_align_box *box, ecm_view *out);

/* Names shared by the CLI, JSON and Fiji: "frame", "mean", "running"; "none", "hann",
 * "tukey"; "whole", "bilinear", "fourier"; "ok", "bad_frame", "at_limit", "weak_peak".
 * Static strings,
 * "?" for an unknown value. */
const char *ecm_align_ref_name(ecm_align_ref r);
const char *ecm_align_window_name(ecm_align_window w);
const char *ecm_align_apply_name(ecm_align_apply_mode m);
const char *ecm_align_state_name(ecm_align_state s);

/* Parse the names above (case-insensitive; "first" is accepted for "frame").
 * ECM_EINVAL with a detail listing the accepted names. */
ecm_status ecm_align_ref_parse(const char *text, ecm_align_ref *out);
ecm_status ecm_align_window_parse(const char *text, ecm_align_window *out);
ecm_status ecm_align_apply_parse(const char *text, ecm_align_apply_mode *out);

/* All parameters as a one-line JSON object, NUL-terminated in buf (keys with units:
 * "reference", "ref_frame", "ref_count", "running_block", "upsample", "regularization",
 * "window",
 * "tukey_alpha", "max_shift_px", "apply", "psr_margin"). ECM_EOVERFLOW if cap is too small (512 bytes
 * always suffice), ECM_EINVAL for NULL arguments. */
ecm_status ecm_align_params_json(const ecm_align_params *p, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
