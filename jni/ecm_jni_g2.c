/* jni/ecm_jni_g2.c — JNI glue of the g2 Inspector and the Tau Histogram (ecm.fiji.NativeG2).
 *
 * g2 Inspector: one native float copy of the stack per inspector session, kept between clicks
 * and addressed by an opaque handle (a session number, never a pointer). Sessions live in a
 * registry guarded by a lock; every call looks its handle up there and holds a reference for
 * the duration of the call, so that a close from another thread cannot free the buffer under a
 * running computation (the buffer is freed by whoever drops the last reference). A closed or
 * unknown handle gives an EcmException; closing twice is a no-op.
 *
 * A pixel's g2 and fit are those of the relaxation map (ecm_relax_map) of a 1 x 1 sub-view of
 * the stack at that pixel: the very same code, so the inspector's tau equals the tau map's
 * value there. Its per-bin standard errors are ecm_kww_g2_sigma of the pixel's per-lag g2
 * (ecm_g2_series_fft), as the map's weights. A ROI's ensemble is ecm_relax_map of the ROI's
 * bounding box with the ROI as mask, then ecm_relax_summarize (mean g2 of the pixels, sem
 * across pixels, KWW fit with the finite-length bias correction when asked): the ensemble of
 * Relaxation Maps run with the same ROI.
 *
 * Tau Histogram: the log-normal fit, summary and histogram of the stats module.
 * No numerics here beyond copying and counting. */
#include <jni.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/g2.h"
#include "ecm/kww.h"
#include "ecm/relax.h"
#include "ecm/stack.h"
#include "ecm/stats.h"
#include "ecm/status.h"
#include "ecm_fiji_NativeG2.h"
#include "jni_util.h"

#ifdef _WIN32
#include <windows.h>
static SRWLOCK reg_lock = SRWLOCK_INIT;
static void reg_enter(void) { AcquireSRWLockExclusive(&reg_lock); }
static void reg_leave(void) { ReleaseSRWLockExclusive(&reg_lock); }
#else
#include <pthread.h>
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static void reg_enter(void) { pthread_mutex_lock(&reg_lock); }
static void reg_leave(void) { pthread_mutex_unlock(&reg_lock); }
#endif

/* ---- session registry ---- */

typedef struct g2_session {
  int64_t id;
  float *buf; /* nt * ny * nx floats, frame-major */
  size_t nt, ny, nx;
  ecm_calib cal;
  int refs;   /* 1 for the registry + 1 per running call */
  struct g2_session *next;
} g2_session;

static g2_session *sessions = NULL;
static int64_t next_id = 1;
static size_t open_count = 0;

static void session_free(g2_session *s) {
  if (!s) return;
  free(s->buf);
  free(s);
}

/* The live session of `id` with one more reference, or NULL (and an EcmException). */
static g2_session *acquire(JNIEnv *env, jlong id) {
  g2_session *found = NULL;
  reg_enter();
  for (g2_session *s = sessions; s; s = s->next)
    if (s->id == (int64_t)id) {
      found = s;
      found->refs++;
      break;
    }
  reg_leave();
  if (!found)
    throw_ecm(env, ECM_EINVAL,
              "g2 inspector: this session is closed (or the handle is not valid); run the "
              "g2 Inspector again");
  return found;
}

static void release(g2_session *s) {
  if (!s) return;
  int last;
  reg_enter();
  last = --s->refs == 0;
  reg_leave();
  if (last) session_free(s);
}

/* Returns a new session handle holding one float copy of the stack. */
JNIEXPORT jlong JNICALL Java_ecm_fiji_NativeG2_nativeOpen(JNIEnv *env, jclass cls,
                                                          jobjectArray slices, jint width,
                                                          jint height, jdouble interval,
                                                          jstring time_unit) {
  (void)cls;
  if (!isfinite(interval) || interval < 0) {
    throw_arg(env, "g2 inspector: frame interval must be >= 0 (0 = uncalibrated)");
    return 0;
  }
  ecm_calib cal;
  if (!load_calib(env, interval, time_unit, &cal)) return 0;
  jsize nt = 0;
  float *buf = NULL;
  if (!load_stack(env, "g2 inspector", slices, width, height, 3, &nt, &buf)) return 0;
  g2_session *s = calloc(1, sizeof *s);
  if (!s) {
    free(buf);
    throw_ecm(env, ECM_ENOMEM, "g2 inspector: out of native memory");
    return 0;
  }
  s->buf = buf;
  s->nt = (size_t)nt;
  s->ny = (size_t)height;
  s->nx = (size_t)width;
  s->cal = cal;
  s->refs = 1;
  reg_enter();
  s->id = next_id++;
  s->next = sessions;
  sessions = s;
  open_count++;
  reg_leave();
  return (jlong)s->id;
}

/* Closes a session (idempotent: an unknown or closed handle is ignored). */
JNIEXPORT void JNICALL Java_ecm_fiji_NativeG2_nativeClose(JNIEnv *env, jclass cls, jlong id) {
  (void)env;
  (void)cls;
  g2_session *found = NULL;
  int last = 0;
  reg_enter();
  for (g2_session **pp = &sessions; *pp; pp = &(*pp)->next)
    if ((*pp)->id == (int64_t)id) {
      found = *pp;
      *pp = found->next;
      open_count--;
      last = --found->refs == 0;
      break;
    }
  reg_leave();
  if (found && last) session_free(found);
}

/* Number of open sessions (for tests: no leak). */
JNIEXPORT jint JNICALL Java_ecm_fiji_NativeG2_nativeOpenCount(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  reg_enter();
  size_t n = open_count;
  reg_leave();
  return (jint)n;
}

/* Index of the numbers returned in the last element of nativePixel / nativeRoi (mirrored in
 * NativeG2.java). */
enum {
  P_A,
  P_TAU,
  P_BETA,
  P_B,
  P_A_ERR,
  P_TAU_ERR,
  P_BETA_ERR,
  P_B_ERR,
  P_CHI2,
  P_STATE,
  P_N_PIXELS,
  P_N_VALID,
  P_N_CONVERGED,
  P_SECONDS,
  P_NBINS,
  P_FRAMES,
  P_DT,
  P_LEN
};

#define CURVE_POINTS 200

/* The fit settings (relax_args) plus the session's own limit on max_lag, into *p. */
static int fit_args(JNIEnv *env, jdouble ppd, jint max_lag, jboolean bias, jdouble no_decay_dchi2,
                    jdouble unresolved_frac, const g2_session *s, ecm_relax_params *p) {
  if (!relax_args(env, "g2 inspector", ppd, max_lag, bias, no_decay_dchi2, unresolved_frac, p))
    return 0;
  if (max_lag > 0 && (size_t)max_lag > s->nt - 2) {
    char m[160];
    snprintf(m, sizeof m, "g2 inspector: maximum lag %d is too large for %zu frames (at most %zu)",
             (int)max_lag, s->nt, s->nt - 2);
    throw_arg(env, m);
    return 0;
  }
  return 1;
}

static ecm_view session_view(const g2_session *s) {
  ecm_view v = ecm_view_contiguous(s->buf, s->nt, s->ny, s->nx);
  v.calib = s->cal;
  return v;
}

/* Object[]{ double[] t, g2, sem, fit, residual (nbins each), double[] curve_t, curve_fit
 * (CURVE_POINTS each: the fitted model on a log grid over the bins), double[P_LEN] } from the
 * binned curve, its errors and a fit result (values NaN unless `have_fit`). */
static jobjectArray pack(JNIEnv *env, const ecm_relax_maps *m, const double *g2,
                         const double *sem, const ecm_kww_result *fit, int have_fit,
                         const double *par) {
  size_t nb = m->nbins;
  jobjectArray result = NULL;
  double *buf = malloc((5 * nb + 2 * CURVE_POINTS) * sizeof *buf);
  if (!buf) {
    throw_ecm(env, ECM_ENOMEM, "g2 inspector: out of native memory");
    return NULL;
  }
  double *t = buf, *g = t + nb, *sg = g + nb, *f = sg + nb, *res = f + nb, *ct = res + nb,
         *cf = ct + CURVE_POINTS;
  for (size_t k = 0; k < nb; k++) {
    t[k] = m->t[k];
    g[k] = g2[k];
    sg[k] = sem[k];
    f[k] = have_fit ? ecm_kww_eval(fit, t[k]) : NAN;
    res[k] = g[k] - f[k];
  }
  double lo = log(m->t[0]), hi = log(m->t[nb - 1]);
  for (int i = 0; i < CURVE_POINTS; i++) {
    ct[i] = exp(lo + (hi - lo) * (double)i / (CURVE_POINTS - 1));
    cf[i] = have_fit ? ecm_kww_eval(fit, ct[i]) : NAN;
  }
  jclass obj_cls = (*env)->FindClass(env, "java/lang/Object");
  if (!obj_cls) goto done;
  result = (*env)->NewObjectArray(env, 8, obj_cls, NULL);
  if (!result) goto done;
  const double *parts[8] = {t, g, sg, f, res, ct, cf, par};
  jsize lens[8] = {(jsize)nb, (jsize)nb, (jsize)nb, (jsize)nb, (jsize)nb, CURVE_POINTS,
                   CURVE_POINTS, P_LEN};
  for (int i = 0; i < 8; i++) {
    jdoubleArray a = new_doubles(env, parts[i], lens[i]);
    if (!a) break;
    (*env)->SetObjectArrayElement(env, result, i, a);
    (*env)->DeleteLocalRef(env, a);
    if ((*env)->ExceptionCheck(env)) break;
  }
done:
  free(buf);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}

/* One pixel: g2 (as the map), per-bin standard errors, the map's fit, the model curve. */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_NativeG2_nativePixel(JNIEnv *env, jclass cls,
                                                                  jlong id, jint x, jint y,
                                                                  jdouble ppd, jint max_lag,
                                                                  jboolean bias,
                                                                  jdouble no_decay_dchi2,
                                                                  jdouble unresolved_frac) {
  (void)cls;
  g2_session *s = acquire(env, id);
  if (!s) return NULL;
  jobjectArray result = NULL;
  ecm_relax_maps *m = NULL;
  double *lags = NULL, *sig = NULL, *g2 = NULL;
  if (x < 0 || y < 0 || (size_t)x >= s->nx || (size_t)y >= s->ny) {
    char msg[160];
    snprintf(msg, sizeof msg, "g2 inspector: pixel (%d, %d) is outside the %zu x %zu image",
             (int)x, (int)y, s->nx, s->ny);
    throw_arg(env, msg);
    goto done;
  }
  ecm_relax_params p;
  if (!fit_args(env, ppd, max_lag, bias, no_decay_dchi2, unresolved_frac, s, &p)) goto done;
  ecm_view v = session_view(s), px;
  ecm_status st = ecm_view_sub(&v, 0, s->nt, (size_t)y, 1, (size_t)x, 1, &px);
  ecm_run run = ecm_run_default();
  run.threads = 1;
  if (st == ECM_OK) st = ecm_relax_map(&px, NULL, &p, &run, &m);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  size_t nb = m->nbins, L = m->edges[nb] - 1;
  lags = malloc((L + 1) * sizeof *lags);
  sig = malloc(nb * sizeof *sig);
  g2 = malloc(nb * sizeof *g2);
  if (!lags || !sig || !g2) {
    throw_ecm(env, ECM_ENOMEM, "g2 inspector: out of native memory");
    goto done;
  }
  for (size_t k = 0; k < nb; k++) {
    g2[k] = (double)m->g2[k];
    sig[k] = NAN;
  }
  ecm_g2_state gs = ECM_G2_OK;
  st = ecm_g2_series_fft(px.data, (size_t)px.st, s->nt, L, lags, &gs);
  if (st == ECM_OK && gs == ECM_G2_OK &&
      ecm_kww_g2_sigma(lags, L + 1, s->nt, m->edges, nb, sig) != ECM_OK) {
    for (size_t k = 0; k < nb; k++) sig[k] = NAN; /* no error bars, not an error */
  }
  int status = m->status[0];
  int conv = status == ECM_RELAX_CONVERGED;
  ecm_kww_result fit;
  memset(&fit, 0, sizeof fit);
  fit.A = m->A[0];
  fit.tau = m->tau[0];
  fit.beta = m->beta[0];
  fit.B = p.kww.baseline;
  double par[P_LEN];
  par[P_A] = m->A[0];
  par[P_TAU] = m->tau[0]; /* NO_DECAY: a lower limit (or NaN), as the tau map */
  par[P_BETA] = m->beta[0];
  par[P_B] = conv ? p.kww.baseline : NAN;
  par[P_A_ERR] = m->A_err[0];
  par[P_TAU_ERR] = m->tau_err[0];
  par[P_BETA_ERR] = m->beta_err[0];
  par[P_B_ERR] = conv ? 0.0 : NAN; /* fixed baseline */
  par[P_CHI2] = m->chi2[0];
  par[P_STATE] = (double)status;
  par[P_N_PIXELS] = 1;
  par[P_N_VALID] = status < ECM_RELAX_DARK || status == ECM_RELAX_UNRESOLVED ? 1 : 0;
  par[P_N_CONVERGED] = conv ? 1 : 0;
  par[P_SECONDS] = strcmp(m->time_unit, "s") == 0 ? 1.0 : 0.0;
  par[P_NBINS] = (double)nb;
  par[P_FRAMES] = (double)s->nt;
  par[P_DT] = m->dt;
  result = pack(env, m, g2, sig, &fit, conv, par);
done:
  free(lags);
  free(sig);
  free(g2);
  ecm_relax_maps_free(m);
  release(s);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}

/* The ensemble of the pixels inside mask (byte[width*height], non-zero = inside). */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_NativeG2_nativeRoi(JNIEnv *env, jclass cls, jlong id,
                                                                jbyteArray mask, jdouble ppd,
                                                                jint max_lag, jboolean bias,
                                                                jdouble no_decay_dchi2,
                                                                jdouble unresolved_frac,
                                                                jint threads, jobject cb) {
  (void)cls;
  g2_session *s = acquire(env, id);
  if (!s) return NULL;
  jobjectArray result = NULL;
  ecm_relax_maps *m = NULL;
  ecm_mask *full = NULL, *sub = NULL;
  ecm_relax_summary sum;
  memset(&sum, 0, sizeof sum);
  if (!mask) {
    throw_arg(env, "g2 inspector: no ROI mask");
    goto done;
  }
  if (threads < 0) {
    throw_arg(env, "g2 inspector: threads must be >= 0");
    goto done;
  }
  ecm_relax_params p;
  if (!fit_args(env, ppd, max_lag, bias, no_decay_dchi2, unresolved_frac, s, &p)) goto done;
  if (!load_mask(env, mask, (jint)s->nx, (jint)s->ny, &full)) goto done;
  /* bounding box of the ROI */
  size_t x0 = s->nx, x1 = 0, y0 = s->ny, y1 = 0, count = 0;
  for (size_t yy = 0; yy < s->ny; yy++)
    for (size_t xx = 0; xx < s->nx; xx++)
      if (full->inside[yy * s->nx + xx]) {
        count++;
        if (xx < x0) x0 = xx;
        if (xx > x1) x1 = xx;
        if (yy < y0) y0 = yy;
        if (yy > y1) y1 = yy;
      }
  if (count == 0) {
    throw_ecm(env, ECM_ENODATA, "g2 inspector: the ROI contains no pixel of the image");
    goto done;
  }
  size_t bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  ecm_status st = ecm_mask_alloc(bh, bw, &sub);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  for (size_t yy = 0; yy < bh; yy++)
    memcpy(sub->inside + yy * bw, full->inside + (y0 + yy) * s->nx + x0, bw);
  ecm_view v = session_view(s), box;
  st = ecm_view_sub(&v, 0, s->nt, y0, bh, x0, bw, &box);
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) goto done;
  ecm_run run = make_run(threads, &pc);
  if (st == ECM_OK) st = ecm_relax_map(&box, sub, &p, &run, &m);
  if (st == ECM_OK) st = ecm_relax_summarize(m, NULL, &p, &sum);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  const ecm_kww_result *f = &sum.ens_fit;
  int conv = f->state == ECM_KWW_CONVERGED;
  double par[P_LEN];
  par[P_A] = conv ? f->A : NAN;
  par[P_TAU] = conv ? f->tau : NAN;
  par[P_BETA] = conv ? f->beta : NAN;
  par[P_B] = conv ? f->B : NAN;
  par[P_A_ERR] = conv ? f->A_err_scaled : NAN;
  par[P_TAU_ERR] = conv ? f->tau_err_scaled : NAN;
  par[P_BETA_ERR] = conv ? f->beta_err_scaled : NAN;
  par[P_B_ERR] = conv ? f->B_err_scaled : NAN;
  par[P_CHI2] = conv ? f->chi2_red : NAN;
  par[P_STATE] = (double)f->state;
  par[P_N_PIXELS] = (double)sum.n_pixels;
  par[P_N_VALID] = (double)(sum.n_pixels - m->count[ECM_RELAX_DARK] -
                            m->count[ECM_RELAX_CONSTANT] - m->count[ECM_RELAX_NONFINITE]);
  par[P_N_CONVERGED] = (double)sum.n_converged;
  par[P_SECONDS] = strcmp(m->time_unit, "s") == 0 ? 1.0 : 0.0;
  par[P_NBINS] = (double)m->nbins;
  par[P_FRAMES] = (double)s->nt;
  par[P_DT] = m->dt;
  result = pack(env, m, sum.ens_g2, sum.ens_sem, f, conv, par);
done:
  ecm_relax_summary_clear(&sum);
  ecm_relax_maps_free(m);
  ecm_mask_free(sub);
  ecm_mask_free(full);
  release(s);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}

/* ---- tau histogram ---- */

/* Index of the numbers returned by nativeTauStats (mirrored in NativeG2.java). */
enum {
  H_N_REGION,
  H_N_USED,
  H_N_NAN,
  H_N_NONPOS,
  H_N_INF,
  H_TAU_MED,
  H_TAU_MED_ERR,
  H_SIGMA,
  H_SIGMA_ERR,
  H_MODE,
  H_FWHM,
  H_MEDIAN,
  H_Q25,
  H_Q75,
  H_MIN,
  H_MAX,
  H_MEAN,
  H_LEN
};

/* The finite, positive values of v inside mask (NULL = all) as doubles (*out, caller frees);
 * counts of the rest into c[H_N_REGION..H_N_INF]. 0 with an exception pending on failure. */
static int load_taus(JNIEnv *env, jfloatArray values, jbyteArray mask, double *c, double **out,
                     size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  if (!values) {
    throw_arg(env, "tau histogram: no values");
    return 0;
  }
  jsize n = (*env)->GetArrayLength(env, values);
  if (mask && (*env)->GetArrayLength(env, mask) != n) {
    throw_ecm(env, ECM_ESIZE, "tau histogram: the ROI mask must hold one value per pixel");
    return 0;
  }
  float *v = malloc(((size_t)n + 1) * sizeof *v);
  jbyte *mk = mask ? malloc((size_t)n + 1) : NULL;
  double *x = malloc(((size_t)n + 1) * sizeof *x);
  if (!v || !x || (mask && !mk)) {
    free(v);
    free(mk);
    free(x);
    throw_ecm(env, ECM_ENOMEM, "tau histogram: out of native memory");
    return 0;
  }
  (*env)->GetFloatArrayRegion(env, values, 0, n, v);
  if (mask) (*env)->GetByteArrayRegion(env, mask, 0, n, mk);
  if ((*env)->ExceptionCheck(env)) {
    free(v);
    free(mk);
    free(x);
    return 0;
  }
  size_t region = 0, used = 0, nan = 0, nonpos = 0, inf = 0;
  for (jsize i = 0; i < n; i++) {
    if (mk && !mk[i]) continue;
    region++;
    float a = v[i];
    if (isnan(a))
      nan++;
    else if (isinf(a))
      inf++;
    else if (!(a > 0))
      nonpos++;
    else
      x[used++] = (double)a;
  }
  free(v);
  free(mk);
  c[H_N_REGION] = (double)region;
  c[H_N_USED] = (double)used;
  c[H_N_NAN] = (double)nan;
  c[H_N_NONPOS] = (double)nonpos;
  c[H_N_INF] = (double)inf;
  *out = x;
  *n_out = used;
  return 1;
}

JNIEXPORT jdoubleArray JNICALL Java_ecm_fiji_NativeG2_nativeTauStats(JNIEnv *env, jclass cls,
                                                                     jfloatArray values,
                                                                     jbyteArray mask) {
  (void)cls;
  double s[H_LEN];
  for (int i = 0; i < H_LEN; i++) s[i] = NAN;
  double *x = NULL;
  size_t n = 0;
  if (!load_taus(env, values, mask, s, &x, &n)) return NULL;
  jdoubleArray res = NULL;
  if (n < 2) {
    char m[200];
    snprintf(m, sizeof m,
             "tau histogram: %zu finite positive value(s) of %.0f in the region (%.0f NaN, "
             "%.0f <= 0): the log-normal fit needs at least 2",
             n, s[H_N_REGION], s[H_N_NAN], s[H_N_NONPOS]);
    throw_ecm(env, ECM_ENODATA, m);
    goto done;
  }
  ecm_lognormal ln;
  ecm_summary sm;
  ecm_status st = ecm_stats_lognormal_fit(x, n, &ln);
  if (st == ECM_OK) st = ecm_stats_summary(x, n, &sm);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  s[H_TAU_MED] = ln.tau_med;
  s[H_TAU_MED_ERR] = ln.tau_med_err;
  s[H_SIGMA] = ln.sigma;
  s[H_SIGMA_ERR] = ln.sigma_err;
  s[H_MODE] = ln.mode;
  s[H_FWHM] = ln.fwhm;
  s[H_MEDIAN] = sm.median;
  s[H_Q25] = sm.q25;
  s[H_Q75] = sm.q75;
  s[H_MIN] = sm.min;
  s[H_MAX] = sm.max;
  s[H_MEAN] = sm.mean;
  res = new_doubles(env, s, H_LEN);
done:
  free(x);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return res;
}

/* Object[]{ double[bins+1] edges, double[bins] counts, double[1]{outside} } of the finite,
 * positive values inside mask, bins between lo and hi (logarithmic when log). */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_NativeG2_nativeHistogram(JNIEnv *env, jclass cls,
                                                                      jfloatArray values,
                                                                      jbyteArray mask, jdouble lo,
                                                                      jdouble hi, jint bins,
                                                                      jboolean log_bins) {
  (void)cls;
  if (bins < 1 || bins > 100000) {
    throw_arg(env, "tau histogram: bins must be in [1, 100000]");
    return NULL;
  }
  double c[H_LEN];
  double *x = NULL;
  size_t n = 0;
  if (!load_taus(env, values, mask, c, &x, &n)) return NULL;
  jobjectArray result = NULL;
  double *edges = malloc(((size_t)bins + 1) * sizeof *edges);
  double *cd = malloc((size_t)bins * sizeof *cd);
  size_t *counts = malloc((size_t)bins * sizeof *counts);
  if (!edges || !cd || !counts) {
    throw_ecm(env, ECM_ENOMEM, "tau histogram: out of native memory");
    goto done;
  }
  size_t outside = 0;
  ecm_status st = ecm_stats_histogram(x, n, lo, hi, (size_t)bins, log_bins ? 1 : 0, edges, counts,
                                      &outside);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  for (jint k = 0; k < bins; k++) cd[k] = (double)counts[k];
  double out1 = (double)outside;
  jclass obj_cls = (*env)->FindClass(env, "java/lang/Object");
  if (!obj_cls) goto done;
  jdoubleArray je = new_doubles(env, edges, bins + 1);
  jdoubleArray jc = je ? new_doubles(env, cd, bins) : NULL;
  jdoubleArray jo = jc ? new_doubles(env, &out1, 1) : NULL;
  if (!jo) goto done;
  result = (*env)->NewObjectArray(env, 3, obj_cls, NULL);
  if (!result) goto done;
  (*env)->SetObjectArrayElement(env, result, 0, je);
  (*env)->SetObjectArrayElement(env, result, 1, jc);
  (*env)->SetObjectArrayElement(env, result, 2, jo);
done:
  free(edges);
  free(cd);
  free(counts);
  free(x);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}

/* The log-normal density P(tau) (ecm_stats_lognormal_pdf) at each tau. */
JNIEXPORT jdoubleArray JNICALL Java_ecm_fiji_NativeG2_nativeLognormalPdf(JNIEnv *env, jclass cls,
                                                                         jdoubleArray tau,
                                                                         jdouble tau_med,
                                                                         jdouble sigma) {
  (void)cls;
  if (!tau) {
    throw_arg(env, "tau histogram: no tau values");
    return NULL;
  }
  if (!(tau_med > 0) || !isfinite(tau_med) || !(sigma > 0) || !isfinite(sigma)) {
    throw_arg(env, "tau histogram: tau_med and sigma must be finite and > 0");
    return NULL;
  }
  jsize n = (*env)->GetArrayLength(env, tau);
  double *v = malloc(((size_t)n + 1) * sizeof *v);
  if (!v) {
    throw_ecm(env, ECM_ENOMEM, "tau histogram: out of native memory");
    return NULL;
  }
  (*env)->GetDoubleArrayRegion(env, tau, 0, n, v);
  jdoubleArray res = NULL;
  if (!(*env)->ExceptionCheck(env)) {
    for (jsize i = 0; i < n; i++) v[i] = v[i] > 0 ? ecm_stats_lognormal_pdf(v[i], tau_med, sigma) : 0;
    res = new_doubles(env, v, n);
  }
  free(v);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return res;
}
