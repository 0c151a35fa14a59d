/* jni/ecm_jni.c — thin JNI glue between the Fiji plugin (ecm.fiji.EcmNative) and libecm.
 *
 * No numerics: argument checks, one copy of ImageJ's per-slice arrays into one native
 * float buffer, the progress callback forwarded to a Java object (IJ.showProgress, Esc),
 * and every ecm_status turned into an ecm.fiji.EcmException carrying ecm_errmsg().
 * No JNI critical region is ever held: arrays are copied with Get/Set<Type>ArrayRegion.
 * Nothing here aborts or exits; a pending Java exception always ends the call. */
#include <jni.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/align.h"
#include "ecm/relax.h"
#include "ecm/sim.h"
#include "ecm/stack.h"
#include "ecm/status.h"
#include "ecm/ttcf.h"
#include "ecm_fiji_EcmNative.h"
#include "jni_util.h"

/* ---- version and self-test ---- */

JNIEXPORT jstring JNICALL Java_ecm_fiji_EcmNative_nativeVersion(JNIEnv *env, jclass cls) {
  (void)cls;
  return (*env)->NewStringUTF(env, ecm_version());
}

JNIEXPORT jstring JNICALL Java_ecm_fiji_EcmNative_nativeBuildInfo(JNIEnv *env, jclass cls) {
  (void)cls;
  return (*env)->NewStringUTF(env, ecm_build_info());
}

/* A small end-to-end run inside the native library: simulate 256 frames of 6 x 5 pixels
 * (tau = 4 frames) and map them; at least half the pixels must converge. Returns a one-line report;
 * throws on any core error. */
JNIEXPORT jstring JNICALL Java_ecm_fiji_EcmNative_nativeSelfTest(JNIEnv *env, jclass cls) {
  (void)cls;
  ecm_status st = ecm_init();
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 256;
  sp.ny = 5;
  sp.nx = 6;
  sp.tau_median_s = 2.0;
  sp.tau_sigma = 0;
  sp.frame_interval_s = 0.5;
  ecm_run run = ecm_run_default();
  run.threads = 1;
  ecm_sim_result *sim = NULL;
  st = ecm_sim_darkfield(&sp, &run, &sim);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  ecm_view v = ecm_stack_view(sim->stack);
  ecm_relax_params rp = ecm_relax_default_params();
  ecm_relax_maps *maps = NULL;
  st = ecm_relax_map(&v, NULL, &rp, &run, &maps);
  if (st != ECM_OK) {
    ecm_sim_result_free(sim);
    throw_status(env, st);
    return NULL;
  }
  char buf[256];
  size_t conv = maps->count[ECM_RELAX_CONVERGED], npx = maps->ny * maps->nx;
  int ok = 2 * conv >= npx;
  snprintf(buf, sizeof buf,
           "libecm %s: simulate 256x5x6 + relaxation map %s, %zu of %zu pixels converged",
           ecm_version(), ok ? "ok" : "FAILED", conv, npx);
  ecm_relax_maps_free(maps);
  ecm_sim_result_free(sim);
  if (!ok) {
    throw_ecm(env, (int)ECM_EINTERNAL, buf);
    return NULL;
  }
  return (*env)->NewStringUTF(env, buf);
}

/* ---- simulate dark-field ---- */

/* Returns Object[]{ float[nt][ny*nx] frames, float[ny*nx] truth tau (s), truth beta, truth A }. drift_x, drift_y:
 * linear drift over the series, px; jitter: rms random-walk step per frame, px; crystals:
 * static inclusions of radius crystal_radius px (ecm_sim_params). */
static jobjectArray simulate_impl(JNIEnv *env, jint nt, jint ny, jint nx, jdouble dt, jdouble px,
                                  jdouble tau, jdouble sigma, jdouble beta_min, jdouble beta_max,
                                  jdouble contrast, jdouble dose, jdouble corr, jdouble drift_x,
                                  jdouble drift_y, jdouble jitter, jint crystals,
                                  jdouble crystal_radius, jlong seed, jint threads, jobject cb) {
  if (nt < 1 || ny < 1 || nx < 1) {
    throw_arg(env, "simulate: frames, width and height must be >= 1");
    return NULL;
  }
  if ((int64_t)ny * nx > INT32_MAX - 8) {
    throw_ecm(env, ECM_EOVERFLOW,
              "simulate: a frame of more than 2^31 pixels does not fit a Java array");
    return NULL;
  }
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = (size_t)nt;
  sp.ny = (size_t)ny;
  sp.nx = (size_t)nx;
  sp.frame_interval_s = dt;
  sp.pixel_size_nm = px;
  sp.tau_median_s = tau;
  sp.tau_sigma = sigma;
  sp.beta_min = beta_min;
  sp.beta_max = beta_max;
  sp.contrast = contrast;
  sp.dose = dose;
  sp.map_corr_px = corr;
  if (crystals < 0) {
    throw_arg(env, "simulate: crystals must be >= 0");
    return NULL;
  }
  sp.drift_x_px = drift_x;
  sp.drift_y_px = drift_y;
  sp.drift_jitter_px = jitter;
  sp.crystal_count = (size_t)crystals;
  sp.crystal_radius_px = crystal_radius;
  sp.seed = (uint64_t)seed;
  ecm_status st = ecm_sim_check_params(&sp); /* checked before any allocation */
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) return NULL;
  ecm_run run = make_run(threads, &pc);
  ecm_sim_result *sim = NULL;
  st = ecm_sim_darkfield(&sp, &run, &sim);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  jsize plane = (jsize)((size_t)ny * (size_t)nx);
  jobjectArray result = NULL;
  jclass fa_cls = (*env)->FindClass(env, "[F");
  jclass obj_cls = (*env)->FindClass(env, "java/lang/Object");
  jobjectArray frames = NULL;
  jfloatArray truth = NULL;
  if (!fa_cls || !obj_cls) goto done;
  frames = (*env)->NewObjectArray(env, nt, fa_cls, NULL);
  if (!frames) goto done;
  for (jint t = 0; t < nt; t++) {
    jfloatArray a = (*env)->NewFloatArray(env, plane);
    if (!a) goto done;
    (*env)->SetFloatArrayRegion(env, a, 0, plane, ecm_stack_frame(sim->stack, (size_t)t));
    (*env)->SetObjectArrayElement(env, frames, t, a);
    (*env)->DeleteLocalRef(env, a);
    if ((*env)->ExceptionCheck(env)) goto done;
  }
  result = (*env)->NewObjectArray(env, 4, obj_cls, NULL);
  if (!result) goto done;
  (*env)->SetObjectArrayElement(env, result, 0, frames);
  const ecm_stack *maps[3] = {sim->tau_s, sim->beta, sim->contrast};
  for (int k = 0; k < 3; k++) { /* truth tau (s), beta, A */
    truth = (*env)->NewFloatArray(env, plane);
    if (!truth) goto done;
    (*env)->SetFloatArrayRegion(env, truth, 0, plane, maps[k]->data);
    (*env)->SetObjectArrayElement(env, result, 1 + k, truth);
    (*env)->DeleteLocalRef(env, truth);
    if ((*env)->ExceptionCheck(env)) goto done;
  }
done:
  ecm_sim_result_free(sim);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}

/* The dark-field simulator, with optional drift and static crystals. */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_EcmNative_nativeSimulate(
    JNIEnv *env, jclass cls, jint nt, jint ny, jint nx, jdouble dt, jdouble px, jdouble tau,
    jdouble sigma, jdouble beta_min, jdouble beta_max, jdouble contrast, jdouble dose, jdouble corr,
    jdouble drift_x, jdouble drift_y, jdouble jitter, jint crystals, jdouble crystal_radius,
    jlong seed, jint threads, jobject cb) {
  (void)cls;
  return simulate_impl(env, nt, ny, nx, dt, px, tau, sigma, beta_min, beta_max, contrast, dose,
                       corr, drift_x, drift_y, jitter, crystals, crystal_radius, seed, threads, cb);
}

/* ---- relaxation maps ---- */

/* Index of the summary numbers returned by nativeRelaxMap (mirrored in EcmNative.java). */
enum {
  S_N_PIXELS,
  S_N_CONVERGED,
  S_CONV_FRACTION,
  S_TAU_MED,
  S_SIGMA,
  S_TAU_MEDIAN,
  S_BETA_MEAN,
  S_A_MEAN,
  S_ENS_TAU,
  S_ENS_BETA,
  S_ENS_A,
  S_ENS_CHI2,
  S_SERIES_OVER_TAU,
  S_DT_OVER_TAU,
  S_SECONDS,
  S_NBINS,
  S_COUNT0,
  S_LEN = S_COUNT0 + ECM_RELAX_NSTATUS
};

JNIEXPORT jdoubleArray JNICALL Java_ecm_fiji_EcmNative_nativeRelaxMap(
    JNIEnv *env, jclass cls, jobjectArray slices, jint width, jint height, jdouble interval,
    jstring time_unit, jdouble points_per_decade, jint max_lag, jboolean bias,
    jdouble no_decay_dchi2, jdouble unresolved_frac, jint threads, jobject cb, jbyteArray mask, jfloatArray tau, jfloatArray beta, jfloatArray amp,
    jfloatArray chi2, jfloatArray status) {
  (void)cls;
  /* every argument is checked before the core is called */
  if (!slices) {
    throw_arg(env, "relaxation maps: no slices");
    return NULL;
  }
  if (width < 1 || height < 1) {
    throw_arg(env, "relaxation maps: width and height must be >= 1");
    return NULL;
  }
  if ((int64_t)width * height > INT32_MAX - 8) {
    throw_ecm(env, ECM_EOVERFLOW, "relaxation maps: image too large for a Java array");
    return NULL;
  }
  jsize plane = width * height;
  jsize nt = (*env)->GetArrayLength(env, slices);
  if (nt < 3) {
    char m[128];
    snprintf(m, sizeof m, "relaxation maps need at least 3 frames (this stack has %d)", (int)nt);
    throw_ecm(env, ECM_ENODATA, m);
    return NULL;
  }
  ecm_relax_params p;
  if (!relax_args(env, "relaxation maps", points_per_decade, max_lag, bias, no_decay_dchi2,
                  unresolved_frac, &p))
    return NULL;
  if (!isfinite(interval) || interval < 0) {
    throw_arg(env, "relaxation maps: frame interval must be >= 0 (0 = uncalibrated)");
    return NULL;
  }
  jfloatArray outs[5] = {tau, beta, amp, chi2, status};
  for (int i = 0; i < 5; i++) {
    if (!outs[i] || (*env)->GetArrayLength(env, outs[i]) != plane) {
      throw_arg(env, "relaxation maps: output arrays must hold width * height values");
      return NULL;
    }
  }
  ecm_calib cal;
  if (!load_calib(env, interval, time_unit, &cal)) return NULL;
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) return NULL;
  ecm_mask *roi = NULL;
  if (!load_mask(env, mask, width, height, &roi)) return NULL;

  size_t n = 0;
  ecm_status st = ecm_size_mul((size_t)nt, (size_t)plane, &n);
  float *buf = st == ECM_OK ? malloc(n * sizeof(float)) : NULL;
  if (!buf) {
    if (st != ECM_OK)
      throw_status(env, st);
    else
      throw_ecm(env, ECM_ENOMEM, "relaxation maps: not enough native memory for the stack copy");
    ecm_mask_free(roi);
    return NULL;
  }
  if (!copy_slices(env, "relaxation maps", slices, nt, plane, buf)) {
    free(buf);
    ecm_mask_free(roi);
    return NULL;
  }
  ecm_view v = ecm_view_contiguous(buf, (size_t)nt, (size_t)height, (size_t)width);
  v.calib = cal;
  ecm_run run = make_run(threads, &pc);
  ecm_relax_maps *maps = NULL;
  st = ecm_relax_map(&v, roi, &p, &run, &maps); /* no JNI call held open across this */
  free(buf);
  if (st != ECM_OK) {
    ecm_mask_free(roi);
    throw_status(env, st);
    return NULL;
  }
  ecm_relax_summary sum;
  memset(&sum, 0, sizeof sum);
  st = ecm_relax_summarize(maps, NULL, &p, &sum);
  ecm_mask_free(roi);
  if (st != ECM_OK) {
    ecm_relax_maps_free(maps);
    throw_status(env, st);
    return NULL;
  }
  jdoubleArray res = NULL;
  float *stat = malloc((size_t)plane * sizeof(float));
  if (!stat) {
    throw_ecm(env, ECM_ENOMEM, "relaxation maps: out of native memory");
    goto done;
  }
  for (jsize i = 0; i < plane; i++) stat[i] = (float)maps->status[i];
  if (!put_floats(env, tau, maps->tau, plane) || !put_floats(env, beta, maps->beta, plane) ||
      !put_floats(env, amp, maps->A, plane) || !put_floats(env, chi2, maps->chi2, plane) ||
      !put_floats(env, status, stat, plane))
    goto done;
  double s[S_LEN];
  s[S_N_PIXELS] = (double)sum.n_pixels;
  s[S_N_CONVERGED] = (double)sum.n_converged;
  s[S_CONV_FRACTION] = sum.converged_fraction;
  s[S_TAU_MED] = sum.has_lognormal ? sum.lognormal.tau_med : NAN;
  s[S_SIGMA] = sum.has_lognormal ? sum.lognormal.sigma : NAN;
  s[S_TAU_MEDIAN] = sum.n_converged ? sum.tau.median : NAN;
  s[S_BETA_MEAN] = sum.n_converged ? sum.beta.mean : NAN;
  s[S_A_MEAN] = sum.n_converged ? sum.A.mean : NAN;
  int ens_ok = sum.ens_fit.state == ECM_KWW_CONVERGED;
  s[S_ENS_TAU] = ens_ok ? sum.ens_fit.tau : NAN;
  s[S_ENS_BETA] = ens_ok ? sum.ens_fit.beta : NAN;
  s[S_ENS_A] = ens_ok ? sum.ens_fit.A : NAN;
  s[S_ENS_CHI2] = ens_ok ? sum.ens_fit.chi2_red : NAN;
  s[S_SERIES_OVER_TAU] = sum.series_over_tau;
  s[S_DT_OVER_TAU] = sum.dt_over_tau;
  s[S_SECONDS] = strcmp(maps->time_unit, "s") == 0 ? 1.0 : 0.0;
  s[S_NBINS] = (double)maps->nbins;
  for (int k = 0; k < ECM_RELAX_NSTATUS; k++) s[S_COUNT0 + k] = (double)maps->count[k];
  res = (*env)->NewDoubleArray(env, S_LEN);
  if (res) (*env)->SetDoubleArrayRegion(env, res, 0, S_LEN, s);
done:
  free(stat);
  ecm_relax_summary_clear(&sum);
  ecm_relax_maps_free(maps);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return res;
}

/* ---- align stack ---- */

/* Returns Object[]{ double[nt] shift_x, double[nt] shift_y, double[nt] peak, byte[nt] state,
 * int[4]{crop x0, y0, nx, ny}, float[nt][crop ny*nx] aligned frames }. */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_EcmNative_nativeAlign(
    JNIEnv *env, jclass cls, jobjectArray slices, jint width, jint height, jstring reference,
    jint ref_frame, jint ref_count, jint block, jint upsample, jstring window,
    jdouble regularization, jdouble max_shift, jdouble psr_margin, jstring apply,
    jbyteArray mask, jint threads, jobject cb) {
  (void)cls;
  if (!reference || !apply || !window) {
    throw_arg(env, "align: reference, window and apply mode are required");
    return NULL;
  }
  /* the ranges of `ecm align` (core/cli/cli_align.c); ref_frame is 0-based here */
  if (ref_frame < 0 || ref_frame >= 1000000000) {
    throw_arg(env, "align: ref_frame must be in [1, 1e9] (1-based)");
    return NULL;
  }
  if (ref_count < 1 || ref_count > 1000000000) {
    throw_arg(env, "align: ref_count must be in [1, 1e9] frames");
    return NULL;
  }
  if (block < 1 || block > 4096) {
    throw_arg(env, "align: block must be in [1, 4096] frames");
    return NULL;
  }
  if (!(regularization >= 0 && regularization <= 1e6)) {
    throw_arg(env, "align: regularization must be in [0, 1e6]");
    return NULL;
  }
  if (!(max_shift >= 0 && max_shift <= 1e6)) {
    throw_arg(env, "align: max_shift must be in [0, 1e6] px (0 = unlimited)");
    return NULL;
  }
  if (!(psr_margin >= -100 && psr_margin <= 100)) {
    throw_arg(env, "align: psr_margin must be in [-100, 100] (<= -10 = no peak test)");
    return NULL;
  }
  ecm_align_params p = ecm_align_default_params();
  char name[32];
  if (!copy_utf(env, reference, "align: reference", name, sizeof name)) return NULL;
  ecm_status st = ecm_align_ref_parse(name, &p.reference);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  if (!copy_utf(env, apply, "align: apply", name, sizeof name)) return NULL;
  st = ecm_align_apply_parse(name, &p.apply);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  if (!copy_utf(env, window, "align: window", name, sizeof name)) return NULL;
  st = ecm_align_window_parse(name, &p.window);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  if (upsample < 1 || upsample > 1000) {
    throw_arg(env, "align: upsample must be in [1, 1000]");
    return NULL;
  }
  p.upsample = (unsigned)upsample;
  p.ref_frame = (size_t)ref_frame;
  p.ref_count = (size_t)ref_count;
  p.running_block = (size_t)block;
  p.regularization = regularization;
  p.max_shift_px = max_shift;
  p.psr_margin = psr_margin;
  st = ecm_align_check_params(&p);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  if (threads < 0) {
    throw_arg(env, "align: threads must be >= 0");
    return NULL;
  }
  jsize nt = 0;
  float *buf = NULL;
  if (!load_stack(env, "align", slices, width, height, 1, &nt, &buf)) return NULL;
  if (p.reference == ECM_ALIGN_REF_FRAME && (jsize)ref_frame >= nt) {
    char msg[160];
    snprintf(msg, sizeof msg, "align: ref_frame %d: the stack has %d frames", (int)ref_frame + 1,
             (int)nt);
    free(buf);
    throw_arg(env, msg);
    return NULL;
  }
  ecm_mask *m = NULL;
  if (!load_mask(env, mask, width, height, &m)) {
    free(buf);
    return NULL;
  }
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) {
    free(buf);
    ecm_mask_free(m);
    return NULL;
  }
  ecm_run run = make_run(threads, &pc);
  ecm_view v = ecm_view_contiguous(buf, (size_t)nt, (size_t)height, (size_t)width);
  ecm_align_result *r = NULL;
  ecm_stack *aligned = NULL;
  st = ecm_align_estimate(&v, m, &p, &run, &r);
  ecm_mask_free(m);
  if (st == ECM_OK) st = ecm_align_apply(&v, r, &run, &aligned);
  free(buf);
  if (st != ECM_OK) {
    ecm_align_result_free(r);
    throw_status(env, st);
    return NULL;
  }
  jobjectArray result = NULL;
  jclass fa_cls = (*env)->FindClass(env, "[F");
  jclass obj_cls = (*env)->FindClass(env, "java/lang/Object");
  if (!fa_cls || !obj_cls) goto done;
  jdoubleArray sx = new_doubles(env, r->shift_x, nt);
  jdoubleArray sy = sx ? new_doubles(env, r->shift_y, nt) : NULL;
  jdoubleArray pk = sy ? new_doubles(env, r->peak, nt) : NULL;
  if (!pk) goto done;
  jbyteArray state = (*env)->NewByteArray(env, nt);
  if (!state) goto done;
  (*env)->SetByteArrayRegion(env, state, 0, nt, (const jbyte *)r->state);
  jint crop[4] = {(jint)r->crop.x0, (jint)r->crop.y0, (jint)r->crop.nx, (jint)r->crop.ny};
  jintArray cr = (*env)->NewIntArray(env, 4);
  if (!cr) goto done;
  (*env)->SetIntArrayRegion(env, cr, 0, 4, crop);
  jsize plane = (jsize)(aligned->ny * aligned->nx);
  jobjectArray frames = (*env)->NewObjectArray(env, nt, fa_cls, NULL);
  if (!frames) goto done;
  for (jsize t = 0; t < nt; t++) {
    jfloatArray a = (*env)->NewFloatArray(env, plane);
    if (!a) goto done;
    (*env)->SetFloatArrayRegion(env, a, 0, plane, ecm_stack_frame(aligned, (size_t)t));
    (*env)->SetObjectArrayElement(env, frames, t, a);
    (*env)->DeleteLocalRef(env, a);
    if ((*env)->ExceptionCheck(env)) goto done;
  }
  result = (*env)->NewObjectArray(env, 6, obj_cls, NULL);
  if (!result) goto done;
  jobject parts[6] = {sx, sy, pk, state, cr, frames};
  for (int i = 0; i < 6; i++) (*env)->SetObjectArrayElement(env, result, i, parts[i]);
done:
  ecm_stack_free(aligned);
  ecm_align_result_free(r);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}

/* ---- two-time correlation ---- */

/* Index of the summary numbers returned by nativeTtcf (mirrored in EcmNative.java). */
enum {
  T_N,
  T_PIXELS,
  T_PIXELS_DROPPED,
  T_SETS,
  T_EMPTY_CELLS,
  T_DT_S,
  T_FIT_CONVERGED,
  T_TAU,
  T_BETA,
  T_A,
  T_TAU_ERR,
  T_CHI2,
  T_SLOPE,
  T_SLOPE_ERR,
  T_CHANGE,
  T_VERDICT,
  T_N_BAND,
  T_REF_USED,    /* ecm_ttcf_band_ref actually used */
  T_BAND_WINDOW, /* frames (binned) per age window */
  T_BAND_LEVEL,  /* band edge: G - 1 = level x reference */
  T_INTERCEPT,   /* c of ln tau_band = c + slope x age */
  T_N_G,         /* points of the one-time g(t) */
  T_LEN
};

/* Returns Object[]{ float[n*n] G (row-major), double[T_LEN] summary, then the analysis'
 * arrays: double[n_band] band_age, band_tau, band_err, band_ref (time unit: s, or frames
 * when uncalibrated), double[n_g] g_t, g, g_sem (the one-time g) }. */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_EcmNative_nativeTtcf(
    JNIEnv *env, jclass cls, jobjectArray slices, jint width, jint height, jdouble interval,
    jstring time_unit, jint bin_time, jint block, jboolean normalize, jboolean diagonal,
    jdouble ppd, jint band_window, jdouble change_factor, jbyteArray mask, jint threads,
    jobject cb) {
  (void)cls;
  if (bin_time < 1) {
    throw_arg(env, "two-time correlation: bin_time must be >= 1");
    return NULL;
  }
  /* the ranges of `ecm ttcf` (core/cli/cli_ttcf.c); 0 = the default for block, band_window */
  if (block < 0 || block == 1 || block > 1000000) {
    throw_arg(env, "two-time correlation: block must be 0 (one set) or in [2, 1e6] px");
    return NULL;
  }
  if (!(ppd >= 1 && ppd <= 1000)) {
    throw_arg(env, "two-time correlation: points_per_decade must be in [1, 1000]");
    return NULL;
  }
  if (band_window < 0 || band_window > 1000000000) {
    throw_arg(env, "two-time correlation: band_window must be in [0, 1e9] frames "
                   "(0 = max(8, N/16))");
    return NULL;
  }
  if (!(change_factor >= 1.000001 && change_factor <= 1e6)) {
    throw_arg(env, "two-time correlation: change_factor must be in [1.000001, 1e6]");
    return NULL;
  }
  if (!isfinite(interval) || interval < 0) {
    throw_arg(env, "two-time correlation: frame interval must be >= 0 (0 = uncalibrated)");
    return NULL;
  }
  if (threads < 0) {
    throw_arg(env, "two-time correlation: threads must be >= 0");
    return NULL;
  }
  ecm_ttcf_params p = ecm_ttcf_default_params();
  p.bin_time = (size_t)bin_time;
  p.block_px = (size_t)block;
  p.normalize_pixels = normalize ? 1 : 0;
  p.include_diagonal = diagonal ? 1 : 0;
  p.points_per_decade = ppd;
  p.band_window = (size_t)band_window;
  p.change_factor = change_factor;
  ecm_status st = ecm_ttcf_check_params(&p);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  ecm_calib cal;
  if (!load_calib(env, interval, time_unit, &cal)) return NULL;
  jsize nt = 0;
  float *buf = NULL;
  if (!load_stack(env, "two-time correlation", slices, width, height, 3, &nt, &buf)) return NULL;
  ecm_mask *m = NULL;
  if (!load_mask(env, mask, width, height, &m)) {
    free(buf);
    return NULL;
  }
  ecm_view v = ecm_view_contiguous(buf, (size_t)nt, (size_t)height, (size_t)width);
  v.calib = cal;
  size_t n = 0, nn = 0;
  float *G = NULL;
  ecm_ttcf_analysis *an = NULL;
  jobjectArray result = NULL;
  st = ecm_ttcf_size(&v, &p, &n, NULL);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  if (n < 3) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "two-time correlation needs at least 3 time bins (%d frames / bin_time %d = %zu)",
             (int)nt, (int)bin_time, n);
    throw_ecm(env, ECM_ENODATA, msg);
    goto done;
  }
  if (ecm_size_mul(n, n, &nn) != ECM_OK || nn > (size_t)INT32_MAX - 8) {
    throw_ecm(env, ECM_EOVERFLOW,
              "two-time correlation: the N x N result does not fit a Java array (raise bin_time)");
    goto done;
  }
  G = malloc(nn * sizeof(float));
  if (!G) {
    throw_ecm(env, ECM_ENOMEM, "two-time correlation: out of native memory");
    goto done;
  }
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) goto done;
  ecm_run run = make_run(threads, &pc);
  ecm_ttcf_info info;
  memset(&info, 0, sizeof info);
  st = ecm_ttcf_compute(&v, m, &p, &run, G, nn, &info);
  if (st == ECM_OK) st = ecm_ttcf_analysis_create(G, n, info.dt_s, &p, &run, &an);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  double s[T_LEN];
  int conv = an->fit.state == ECM_KWW_CONVERGED;
  s[T_N] = (double)n;
  s[T_PIXELS] = (double)info.pixels;
  s[T_PIXELS_DROPPED] = (double)info.pixels_dropped;
  s[T_SETS] = (double)info.sets;
  s[T_EMPTY_CELLS] = (double)info.empty_cells;
  s[T_DT_S] = info.dt_s;
  s[T_FIT_CONVERGED] = conv ? 1.0 : 0.0;
  s[T_TAU] = conv ? an->fit.tau : NAN;
  s[T_BETA] = conv ? an->fit.beta : NAN;
  s[T_A] = conv ? an->fit.A : NAN;
  s[T_TAU_ERR] = conv ? an->fit.tau_err : NAN;
  s[T_CHI2] = conv ? an->fit.chi2_red : NAN;
  s[T_SLOPE] = an->slope;
  s[T_SLOPE_ERR] = an->slope_err;
  s[T_CHANGE] = an->change;
  s[T_VERDICT] = (double)an->verdict;
  s[T_N_BAND] = (double)an->n_band;
  s[T_REF_USED] = (double)an->ref_used;
  s[T_BAND_WINDOW] = (double)an->band_window;
  s[T_BAND_LEVEL] = p.band_level;
  s[T_INTERCEPT] = an->intercept;
  s[T_N_G] = (double)an->n_g;
  jclass obj_cls = (*env)->FindClass(env, "java/lang/Object");
  if (!obj_cls) goto done;
  jfloatArray g = (*env)->NewFloatArray(env, (jsize)nn);
  if (!g) goto done;
  (*env)->SetFloatArrayRegion(env, g, 0, (jsize)nn, G);
  jdoubleArray sum = new_doubles(env, s, T_LEN);
  if (!sum) goto done;
  jsize nb = (jsize)an->n_band, ng = (jsize)an->n_g;
  jdoubleArray parts[7];
  const double *src[7] = {an->band_age, an->band_tau, an->band_err, an->band_ref,
                          an->g_t,      an->g,        an->g_sem};
  jsize len[7] = {nb, nb, nb, nb, ng, ng, ng};
  for (int i = 0; i < 7; i++) {
    parts[i] = new_doubles(env, src[i], len[i]);
    if (!parts[i]) goto done;
  }
  result = (*env)->NewObjectArray(env, 9, obj_cls, NULL);
  if (!result) goto done;
  (*env)->SetObjectArrayElement(env, result, 0, g);
  (*env)->SetObjectArrayElement(env, result, 1, sum);
  for (int i = 0; i < 7; i++) (*env)->SetObjectArrayElement(env, result, 2 + i, parts[i]);
done:
  ecm_ttcf_analysis_destroy(an);
  free(G);
  ecm_mask_free(m);
  free(buf);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}
