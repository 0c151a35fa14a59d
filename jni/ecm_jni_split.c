/* jni/ecm_jni_split.c — JNI glue of the time-windowed maps (ecm.fiji.NativeStats: split
 * halves and sliding windows; ecm_relax_split, ecm_relax_windows). No numerics: argument
 * checks, one copy of the slices, the core call, the results copied into new Java arrays.
 * Every core error becomes an ecm.fiji.EcmException carrying ecm_errmsg(). */
#include <jni.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/relax.h"
#include "ecm/stack.h"
#include "ecm/status.h"
#include "ecm_fiji_NativeStats.h"
#include "jni_util.h"

/* Index of the numbers returned with the halves (mirrored in NativeStats.java). */
enum {
  SP_NT,
  SP_FIRST0,
  SP_FIRST1,
  SP_SECONDS,
  SP_DT,
  SP_N_BOTH,
  SP_PEARSON,
  SP_PEARSON_LO,
  SP_PEARSON_HI,
  SP_NULL_SD,
  SP_SPEARMAN,
  SP_PEARSON_BETA,
  SP_RATIO_MEDIAN,
  SP_LNRATIO_SD,
  SP_LNRATIO_SD_ROBUST,
  SP_LNRATIO_SD_EXPECTED,
  SP_LNTAU_SD0,
  SP_LNTAU_SD1,
  SP_TAU_MED0,
  SP_TAU_MED1,
  SP_COUNT0, /* ECM_RELAX_NSTATUS counts of half 1, then of half 2 */
  SP_LEN = SP_COUNT0 + 2 * ECM_RELAX_NSTATUS
};

/* Per-window numbers (rows of W_LEN, mirrored in NativeStats.java). */
enum {
  W_FIRST,
  W_T_START,
  W_T_CENTER,
  W_N_PIXELS,
  W_N_CONVERGED,
  W_CONV_FRACTION,
  W_TAU_MED,
  W_TAU_SIGMA,
  W_BETA_MEAN,
  W_COUNT0,
  W_LEN = W_COUNT0 + ECM_RELAX_NSTATUS
};

/* Info numbers of the windows (mirrored in NativeStats.java). */
enum { WI_N_WINDOWS, WI_LENGTH, WI_STEP, WI_DT, WI_SECONDS, WI_LEN };

/* Check the common map arguments and fill the relax parameters and the calibration.
 * 0 and a pending exception on failure. */
static int relax_setup(JNIEnv *env, const char *what, jdouble interval, jstring time_unit,
                       jdouble ppd, jint max_lag, jboolean bias, jdouble no_decay_dchi2,
                       jdouble unresolved_frac, jint threads, ecm_calib *cal,
                       ecm_relax_params *p) {
  char m[160];
  if (!relax_args(env, what, ppd, max_lag, bias, no_decay_dchi2, unresolved_frac, p)) return 0;
  if (!isfinite(interval) || interval < 0) {
    snprintf(m, sizeof m, "%s: frame interval must be >= 0 (0 = uncalibrated)", what);
    throw_arg(env, m);
    return 0;
  }
  if (threads < 0) {
    snprintf(m, sizeof m, "%s: threads must be >= 0", what);
    throw_arg(env, m);
    return 0;
  }
  return load_calib(env, interval, time_unit, cal);
}

/* A new float[] holding v[0..n) (NULL with an exception pending). */
static jfloatArray new_floats(JNIEnv *env, const float *v, jsize n) {
  jfloatArray a = (*env)->NewFloatArray(env, n);
  if (a) (*env)->SetFloatArrayRegion(env, a, 0, n, v);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return a;
}

/* A new float[] of n status codes (NULL with an exception pending). */
static jfloatArray new_status(JNIEnv *env, const uint8_t *s, jsize n) {
  float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
  if (!f) {
    throw_ecm(env, ECM_ENOMEM, "out of native memory");
    return NULL;
  }
  for (jsize i = 0; i < n; i++) f[i] = (float)s[i];
  jfloatArray a = new_floats(env, f, n);
  free(f);
  return a;
}

/* Put the objects objs[0..n) into a new Object[n] (NULL with an exception pending). */
static jobjectArray pack(JNIEnv *env, jobject *objs, jsize n) {
  jclass obj = (*env)->FindClass(env, "java/lang/Object");
  if (!obj) return NULL;
  jobjectArray out = (*env)->NewObjectArray(env, n, obj, NULL);
  (*env)->DeleteLocalRef(env, obj);
  if (!out) return NULL;
  for (jsize i = 0; i < n; i++) {
    (*env)->SetObjectArrayElement(env, out, i, objs[i]);
    if ((*env)->ExceptionCheck(env)) return NULL;
  }
  return out;
}

/* Returns Object[]{ float[] tau1, beta1, A1, status1, tau2, beta2, A2, status2 (width*height
 * each), double[SP_LEN] }. */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_NativeStats_nativeSplit(
    JNIEnv *env, jclass cls, jobjectArray slices, jint width, jint height, jdouble interval,
    jstring time_unit, jdouble ppd, jint max_lag, jboolean bias, jdouble no_decay_dchi2,
    jdouble unresolved_frac, jint threads, jobject cb, jbyteArray mask) {
  (void)cls;
  ecm_calib cal;
  ecm_relax_params p;
  if (!relax_setup(env, "split maps", interval, time_unit, ppd, max_lag, bias, no_decay_dchi2,
                   unresolved_frac, threads, &cal, &p))
    return NULL;
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) return NULL;
  jsize nt = 0;
  float *buf = NULL;
  if (!load_stack(env, "split maps", slices, width, height, 6, &nt, &buf)) return NULL;
  ecm_mask *roi = NULL;
  if (!load_mask(env, mask, width, height, &roi)) {
    free(buf);
    return NULL;
  }
  ecm_view v = ecm_view_contiguous(buf, (size_t)nt, (size_t)height, (size_t)width);
  v.calib = cal;
  ecm_run run = make_run(threads, &pc);
  ecm_relax_halves *h = NULL;
  ecm_status st = ecm_relax_split(&v, roi, &p, &run, &h);
  free(buf);
  ecm_mask_free(roi);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  jsize plane = width * height;
  jobject objs[9] = {NULL};
  jobjectArray res = NULL;
  for (int k = 0; k < 2; k++) {
    const ecm_relax_maps *m = h->half[k];
    if (!(objs[4 * k] = new_floats(env, m->tau, plane)) ||
        !(objs[4 * k + 1] = new_floats(env, m->beta, plane)) ||
        !(objs[4 * k + 2] = new_floats(env, m->A, plane)) ||
        !(objs[4 * k + 3] = new_status(env, m->status, plane)))
      goto done;
  }
  double s[SP_LEN];
  const ecm_relax_compare_stats *c = &h->stats;
  s[SP_NT] = (double)h->nt;
  s[SP_FIRST0] = (double)h->first[0];
  s[SP_FIRST1] = (double)h->first[1];
  s[SP_SECONDS] = strcmp(h->half[0]->time_unit, "s") == 0 ? 1.0 : 0.0;
  s[SP_DT] = h->half[0]->dt;
  s[SP_N_BOTH] = (double)c->n_both;
  s[SP_PEARSON] = c->pearson_lntau;
  s[SP_PEARSON_LO] = c->pearson_lo;
  s[SP_PEARSON_HI] = c->pearson_hi;
  s[SP_NULL_SD] = c->pearson_null_sd;
  s[SP_SPEARMAN] = c->spearman_tau;
  s[SP_PEARSON_BETA] = c->pearson_beta;
  s[SP_RATIO_MEDIAN] = c->ratio_median;
  s[SP_LNRATIO_SD] = c->lnratio_sd;
  s[SP_LNRATIO_SD_ROBUST] = c->lnratio_sd_robust;
  s[SP_LNRATIO_SD_EXPECTED] = c->lnratio_sd_expected;
  s[SP_LNTAU_SD0] = c->lntau_sd[0];
  s[SP_LNTAU_SD1] = c->lntau_sd[1];
  s[SP_TAU_MED0] = c->tau_med[0];
  s[SP_TAU_MED1] = c->tau_med[1];
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < ECM_RELAX_NSTATUS; j++)
      s[SP_COUNT0 + k * ECM_RELAX_NSTATUS + j] = (double)h->half[k]->count[j];
  if (!(objs[8] = new_doubles(env, s, SP_LEN))) goto done;
  res = pack(env, objs, 9);
done:
  ecm_relax_halves_free(h);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return res;
}

/* Returns Object[]{ float[] tau, beta, A, status (n_windows * width * height each, frame-major),
 * double[n_windows * W_LEN] per-window rows, double[WI_LEN] }. */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_NativeStats_nativeWindows(
    JNIEnv *env, jclass cls, jobjectArray slices, jint width, jint height, jdouble interval,
    jstring time_unit, jdouble ppd, jint max_lag, jboolean bias, jdouble no_decay_dchi2,
    jdouble unresolved_frac, jint threads, jobject cb, jbyteArray mask, jint length, jint step) {
  (void)cls;
  ecm_calib cal;
  ecm_relax_params p;
  if (!relax_setup(env, "sliding-window maps", interval, time_unit, ppd, max_lag, bias,
                   no_decay_dchi2, unresolved_frac, threads, &cal, &p))
    return NULL;
  if (length < 3) {
    throw_arg(env, "sliding-window maps: the window must hold at least 3 frames");
    return NULL;
  }
  if (step < 1) {
    throw_arg(env, "sliding-window maps: the step must be >= 1 frame");
    return NULL;
  }
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) return NULL;
  jsize nt = 0;
  float *buf = NULL;
  if (!load_stack(env, "sliding-window maps", slices, width, height, 3, &nt, &buf)) return NULL;
  if (length > nt) {
    char m[160];
    snprintf(m, sizeof m, "sliding-window maps: a window of %d frames is longer than the series "
                          "(%d frames)", (int)length, (int)nt);
    throw_arg(env, m);
    free(buf);
    return NULL;
  }
  size_t nwin = (size_t)(nt - length) / (size_t)step + 1, total = 0;
  jsize plane = width * height;
  if (ecm_size_mul(nwin, (size_t)plane, &total) != ECM_OK || total > (size_t)INT32_MAX - 8 ||
      nwin * W_LEN > (size_t)INT32_MAX - 8) {
    throw_ecm(env, ECM_EOVERFLOW, "sliding-window maps: too many windows for a Java array "
                                  "(use a larger step)");
    free(buf);
    return NULL;
  }
  ecm_mask *roi = NULL;
  if (!load_mask(env, mask, width, height, &roi)) {
    free(buf);
    return NULL;
  }
  ecm_view v = ecm_view_contiguous(buf, (size_t)nt, (size_t)height, (size_t)width);
  v.calib = cal;
  ecm_run run = make_run(threads, &pc);
  ecm_relax_window_maps *w = NULL;
  ecm_status st = ecm_relax_windows(&v, roi, &p, (size_t)length, (size_t)step, &run, &w);
  free(buf);
  ecm_mask_free(roi);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  jobject objs[6] = {NULL};
  jobjectArray res = NULL;
  double *rows = NULL;
  jsize n = (jsize)(w->n_windows * (size_t)plane);
  if (!(objs[0] = new_floats(env, w->tau, n)) || !(objs[1] = new_floats(env, w->beta, n)) ||
      !(objs[2] = new_floats(env, w->A, n)) || !(objs[3] = new_status(env, w->status, n)))
    goto done;
  rows = malloc(w->n_windows * W_LEN * sizeof *rows);
  if (!rows) {
    throw_ecm(env, ECM_ENOMEM, "sliding-window maps: out of native memory");
    goto done;
  }
  for (size_t k = 0; k < w->n_windows; k++) {
    double *r = rows + k * W_LEN;
    const ecm_relax_window_summary *s = &w->summary[k];
    r[W_FIRST] = (double)w->first_frame[k];
    r[W_T_START] = w->t_start[k];
    r[W_T_CENTER] = w->t_center[k];
    r[W_N_PIXELS] = (double)s->n_pixels;
    r[W_N_CONVERGED] = (double)s->n_converged;
    r[W_CONV_FRACTION] = s->converged_fraction;
    r[W_TAU_MED] = s->tau_med;
    r[W_TAU_SIGMA] = s->tau_sigma;
    r[W_BETA_MEAN] = s->beta_mean;
    for (int j = 0; j < ECM_RELAX_NSTATUS; j++) r[W_COUNT0 + j] = (double)s->count[j];
  }
  if (!(objs[4] = new_doubles(env, rows, (jsize)(w->n_windows * W_LEN)))) goto done;
  double info[WI_LEN];
  info[WI_N_WINDOWS] = (double)w->n_windows;
  info[WI_LENGTH] = (double)w->length;
  info[WI_STEP] = (double)w->step;
  info[WI_DT] = w->dt;
  info[WI_SECONDS] = strcmp(w->time_unit, "s") == 0 ? 1.0 : 0.0;
  if (!(objs[5] = new_doubles(env, info, WI_LEN))) goto done;
  res = pack(env, objs, 6);
done:
  free(rows);
  ecm_relax_window_maps_free(w);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return res;
}
