/* jni/ecm_jni_g4.c — JNI glue of the Four-Point Correlation command (ecm.fiji.NativeG4):
 * ecm_g4_compute and the lengths taken from it (ecm_g4_xi_exp, ecm_g4_xi_sep,
 * ecm_g4_xi_contour), and ecm_g4_domain_size for a tau map.
 *
 * No numerics: argument checks, one copy of the slices, the same choices as `ecm g4`
 * (core/cli/cli_g4.c: which row the xi_exp fit uses, when each length is attempted, the
 * fit ranges), and every ecm_status turned into an ecm.fiji.EcmException. */
#include <jni.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/g4.h"
#include "ecm/stack.h"
#include "ecm/status.h"
#include "ecm_fiji_NativeG4.h"
#include "jni_util.h"

/* Index of the summary numbers returned by nativeG4 (mirrored in NativeG4.java). */
enum {
  G_N_DT,
  G_N_R,
  G_FRAMES,
  G_ROI_PIXELS,
  G_XI_HAVE, /* 1 when the xi_exp fit ran (want_exp, R >= 4) */
  G_XI_OK,
  G_XI_ROW,
  G_XI_LAG,
  G_XI_RMIN,
  G_XI_RMAX,
  G_XI,
  G_XI_ERR,
  G_XI_RC,
  G_XI_RC_ERR,
  G_XI_A,
  G_XI_A_ERR,
  G_XI_B,
  G_XI_B_ERR,
  G_XI_CHI2,
  G_SEP_HAVE,
  G_SEP_OK,
  G_SEP_RMIN,
  G_SEP_RMAX,
  G_SEP_ROWS,
  G_SEP_POINTS,
  G_SEP_XI,
  G_SEP_XI_ERR,
  G_SEP_GAMMA_R,
  G_SEP_GAMMA_R_ERR,
  G_SEP_A,
  G_SEP_A_ERR,
  G_SEP_TAU,
  G_SEP_TAU_ERR,
  G_SEP_GAMMA_T,
  G_SEP_GAMMA_T_ERR,
  G_SEP_C,
  G_SEP_C_ERR,
  G_SEP_CHI2,
  G_CON_HAVE,
  G_CON_OK,
  G_CON_RNORM,
  G_CON_POINTS,
  G_CON_XI,
  G_CON_XI_ERR,
  G_CON_EPS,
  G_CON_EPS_ERR,
  G_CON_NU,
  G_CON_NU_ERR,
  G_CON_C0,
  G_CON_C0_ERR,
  G_CON_C1,
  G_CON_C1_ERR,
  G_CON_CHI2,
  G_LEN
};

/* Index of the numbers returned by nativeDomain (mirrored in NativeG4.java). */
enum {
  D_OK,
  D_N_VALID,
  D_FIT_HALF,
  D_N_USED,
  D_A,
  D_A_ERR,
  D_B,
  D_B_ERR,
  D_SX,
  D_SX_ERR,
  D_SY,
  D_SY_ERR,
  D_FWHM_X,
  D_FWHM_X_ERR,
  D_FWHM_Y,
  D_FWHM_Y_ERR,
  D_FWHM,
  D_FWHM_ERR,
  D_CHI2,
  D_LEN
};

static void fill_nan(double *s, int n) {
  for (int i = 0; i < n; i++) s[i] = NAN;
}

/* Returns Object[]{ double[n_dt * n_r] g4 (row i = lags[i], column = ring dr), double[n_r]
 * weight, double[G_LEN] summary, double[n_dt] dr_half (the xi_contour contour, px) }. */
JNIEXPORT jobjectArray JNICALL Java_ecm_fiji_NativeG4_nativeG4(
    JNIEnv *env, jclass cls, jobjectArray slices, jint width, jint height, jintArray lags,
    jint variant, jint max_r, jbyteArray mask, jint xi_lag, jboolean want_exp, jboolean want_sep,
    jboolean want_contour, jboolean sep_full, jint contour_r, jint threads, jobject cb) {
  (void)cls;
  if (!lags) {
    throw_arg(env, "four-point correlation: the list of lags is required");
    return NULL;
  }
  jsize n_dt = (*env)->GetArrayLength(env, lags);
  if (n_dt < 1) {
    throw_arg(env, "four-point correlation: give at least one lag");
    return NULL;
  }
  if (variant != ECM_G4_LITERAL && variant != ECM_G4_CONVENTIONAL) {
    throw_arg(env, "four-point correlation: variant must be 0 (literal) or 1 (conventional)");
    return NULL;
  }
  if (max_r < 0 || max_r > ECM_G4_MAX_R) {
    char m[128];
    snprintf(m, sizeof m, "four-point correlation: max radius must be in [0, %d] px", ECM_G4_MAX_R);
    throw_arg(env, m);
    return NULL;
  }
  if (xi_lag < 0) {
    throw_arg(env, "four-point correlation: the xi_exp lag must be >= 0 (0 = peak)");
    return NULL;
  }
  if (contour_r < 0 || contour_r > ECM_G4_MAX_R) {
    throw_arg(env, "four-point correlation: the contour ring must be in [0, 256] px");
    return NULL;
  }
  if (threads < 0) {
    throw_arg(env, "four-point correlation: threads must be >= 0");
    return NULL;
  }
  jint *lv = malloc((size_t)n_dt * sizeof *lv);
  size_t *dts = malloc((size_t)n_dt * sizeof *dts);
  if (!lv || !dts) {
    free(lv);
    free(dts);
    throw_ecm(env, ECM_ENOMEM, "four-point correlation: out of native memory");
    return NULL;
  }
  (*env)->GetIntArrayRegion(env, lags, 0, n_dt, lv);
  if ((*env)->ExceptionCheck(env)) {
    free(lv);
    free(dts);
    return NULL;
  }
  for (jsize i = 0; i < n_dt; i++) {
    if (lv[i] < 0) {
      free(lv);
      free(dts);
      throw_arg(env, "four-point correlation: lags must be >= 0 frames");
      return NULL;
    }
    dts[i] = (size_t)lv[i];
  }
  free(lv);
  jsize nt = 0;
  float *buf = NULL;
  if (!load_stack(env, "four-point correlation", slices, width, height, 2, &nt, &buf)) {
    free(dts);
    return NULL;
  }
  for (jsize i = 0; i < n_dt; i++) {
    if (dts[i] >= (size_t)nt) {
      char m[200];
      snprintf(m, sizeof m,
               "four-point correlation: lag %zu frames is not shorter than the series (%d "
               "frames)",
               dts[i], (int)nt);
      free(dts);
      free(buf);
      throw_arg(env, m);
      return NULL;
    }
  }
  ecm_mask *m = NULL;
  if (!load_mask(env, mask, width, height, &m)) {
    free(dts);
    free(buf);
    return NULL;
  }
  progress_ctx pc;
  if (!progress_init(env, cb, &pc)) {
    free(dts);
    free(buf);
    ecm_mask_free(m);
    return NULL;
  }
  ecm_run run = make_run(threads, &pc);
  ecm_g4_params p = ecm_g4_default_params();
  p.variant = (ecm_g4_variant)variant;
  p.dt = dts;
  p.n_dt = (size_t)n_dt;
  p.max_r = (size_t)max_r;
  ecm_view v = ecm_view_contiguous(buf, (size_t)nt, (size_t)height, (size_t)width);
  ecm_g4_result *r = NULL;
  double *half = NULL;
  jobjectArray result = NULL;
  ecm_status st = ecm_g4_compute(&v, m, &p, &run, &r);
  ecm_mask_free(m);
  free(buf);
  buf = NULL;
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  double s[G_LEN];
  fill_nan(s, G_LEN);
  s[G_N_DT] = (double)r->n_dt;
  s[G_N_R] = (double)r->n_r;
  s[G_FRAMES] = (double)r->frames;
  s[G_ROI_PIXELS] = (double)r->roi_pixels;
  /* xi_exp: as `ecm g4` (needs R >= 4; the row nearest xi_lag, or the peak row). */
  s[G_XI_HAVE] = 0;
  if (want_exp && r->n_r >= 5) {
    size_t row = 0;
    if (xi_lag) {
      for (size_t i = 1; i < r->n_dt; i++)
        if (llabs((long long)r->dt[i] - (long long)xi_lag) <
            llabs((long long)r->dt[row] - (long long)xi_lag))
          row = i;
    } else {
      row = ecm_g4_peak_row(r, 1, r->n_r - 1);
    }
    ecm_g4_xi xi;
    if (ecm_g4_xi_exp(r, row, 1, r->n_r - 1, &xi) == ECM_OK) {
      s[G_XI_HAVE] = 1;
      s[G_XI_OK] = xi.ok ? 1 : 0;
      s[G_XI_ROW] = (double)row;
      s[G_XI_LAG] = (double)r->dt[row];
      s[G_XI_RMIN] = (double)xi.r_min;
      s[G_XI_RMAX] = (double)xi.r_max;
      s[G_XI] = xi.xi;
      s[G_XI_ERR] = xi.xi_err;
      s[G_XI_RC] = xi.Rc;
      s[G_XI_RC_ERR] = xi.Rc_err;
      s[G_XI_A] = xi.A;
      s[G_XI_A_ERR] = xi.A_err;
      s[G_XI_B] = xi.B;
      s[G_XI_B_ERR] = xi.B_err;
      s[G_XI_CHI2] = xi.chi2_red;
    }
  }
  /* xi_sep over every row with dt > 0 and rings 1..R (too few lags or rings: not run). */
  s[G_SEP_HAVE] = 0;
  if (want_sep && r->n_r >= 4) {
    ecm_g4_sep sep;
    unsigned flags = sep_full ? (ECM_G4_SEP_ROW_BASELINE | ECM_G4_SEP_PLATEAU) : 0u;
    st = ecm_g4_xi_sep(r, 1, r->n_r - 1, flags, &sep);
    if (st == ECM_ENOMEM) {
      throw_status(env, st);
      goto done;
    }
    if (st == ECM_OK) {
      s[G_SEP_HAVE] = 1;
      s[G_SEP_OK] = sep.ok ? 1 : 0;
      s[G_SEP_RMIN] = (double)sep.r_min;
      s[G_SEP_RMAX] = (double)sep.r_max;
      s[G_SEP_ROWS] = (double)sep.n_rows;
      s[G_SEP_POINTS] = (double)sep.n_used;
      s[G_SEP_XI] = sep.xi;
      s[G_SEP_XI_ERR] = sep.xi_err;
      s[G_SEP_GAMMA_R] = sep.gamma_r;
      s[G_SEP_GAMMA_R_ERR] = sep.gamma_r_err;
      s[G_SEP_A] = sep.a;
      s[G_SEP_A_ERR] = sep.a_err;
      s[G_SEP_TAU] = sep.tau;
      s[G_SEP_TAU_ERR] = sep.tau_err;
      s[G_SEP_GAMMA_T] = sep.gamma_t;
      s[G_SEP_GAMMA_T_ERR] = sep.gamma_t_err;
      s[G_SEP_C] = sep.c;
      s[G_SEP_C_ERR] = sep.c_err;
      s[G_SEP_CHI2] = sep.chi2_red;
    }
  }
  /* xi_contour (needs contour_r + 1 <= R). */
  half = malloc(r->n_dt * sizeof *half);
  if (!half) {
    throw_ecm(env, ECM_ENOMEM, "four-point correlation: out of native memory");
    goto done;
  }
  for (size_t i = 0; i < r->n_dt; i++) half[i] = NAN;
  s[G_CON_HAVE] = 0;
  if (want_contour && (size_t)contour_r + 1 < r->n_r) {
    ecm_g4_contour con;
    st = ecm_g4_xi_contour(r, (size_t)contour_r, half, &con);
    if (st == ECM_ENOMEM) {
      throw_status(env, st);
      goto done;
    }
    if (st == ECM_OK) {
      s[G_CON_HAVE] = 1;
      s[G_CON_OK] = con.ok ? 1 : 0;
      s[G_CON_RNORM] = (double)con.r_norm;
      s[G_CON_POINTS] = (double)con.n_used;
      s[G_CON_XI] = con.xi;
      s[G_CON_XI_ERR] = con.xi_err;
      s[G_CON_EPS] = con.eps;
      s[G_CON_EPS_ERR] = con.eps_err;
      s[G_CON_NU] = con.nu;
      s[G_CON_NU_ERR] = con.nu_err;
      s[G_CON_C0] = con.c0;
      s[G_CON_C0_ERR] = con.c0_err;
      s[G_CON_C1] = con.c1;
      s[G_CON_C1_ERR] = con.c1_err;
      s[G_CON_CHI2] = con.chi2_red;
    } else {
      for (size_t i = 0; i < r->n_dt; i++) half[i] = NAN;
    }
  }
  {
    jclass obj_cls = (*env)->FindClass(env, "java/lang/Object");
    if (!obj_cls) goto done;
    size_t ng = r->n_dt * r->n_r;
    if (ng > (size_t)INT32_MAX - 8) {
      throw_ecm(env, ECM_EOVERFLOW, "four-point correlation: the g4 table is too large");
      goto done;
    }
    jdoubleArray g = new_doubles(env, r->g4, (jsize)ng);
    jdoubleArray w = g ? new_doubles(env, r->weight, (jsize)r->n_r) : NULL;
    jdoubleArray sum = w ? new_doubles(env, s, G_LEN) : NULL;
    jdoubleArray hf = sum ? new_doubles(env, half, (jsize)r->n_dt) : NULL;
    if (!hf) goto done;
    result = (*env)->NewObjectArray(env, 4, obj_cls, NULL);
    if (!result) goto done;
    jobject parts[4] = {g, w, sum, hf};
    for (int i = 0; i < 4; i++) (*env)->SetObjectArrayElement(env, result, i, parts[i]);
  }
done:
  free(half);
  free(dts);
  ecm_g4_result_free(r);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return result;
}

/* xi_domain_fwhm of a map (the caller passes ln tau, as `ecm g4 --tau-map`): returns
 * double[D_LEN]. valid: ny*nx flags (non-zero = use the pixel) or null = all finite. */
JNIEXPORT jdoubleArray JNICALL Java_ecm_fiji_NativeG4_nativeDomain(JNIEnv *env, jclass cls,
                                                                   jfloatArray map,
                                                                   jbyteArray valid, jint ny,
                                                                   jint nx, jint fit_half,
                                                                   jboolean exclude_origin) {
  (void)cls;
  if (!map) {
    throw_arg(env, "domain size: the map is required");
    return NULL;
  }
  if (ny < 4 || nx < 4) {
    throw_arg(env, "domain size: the map must be at least 4 x 4 pixels");
    return NULL;
  }
  if (fit_half < 0) {
    throw_arg(env, "domain size: the fit window must be >= 0 px (0 = auto)");
    return NULL;
  }
  size_t n = (size_t)ny * (size_t)nx;
  if (n > (size_t)INT32_MAX - 8 || (size_t)(*env)->GetArrayLength(env, map) != n) {
    throw_ecm(env, ECM_ESIZE, "domain size: the map must hold ny * nx values");
    return NULL;
  }
  if (valid && (size_t)(*env)->GetArrayLength(env, valid) != n) {
    throw_ecm(env, ECM_ESIZE, "domain size: the validity mask must hold ny * nx values");
    return NULL;
  }
  float *mv = malloc(n * sizeof *mv);
  uint8_t *vv = valid ? malloc(n) : NULL;
  if (!mv || (valid && !vv)) {
    free(mv);
    free(vv);
    throw_ecm(env, ECM_ENOMEM, "domain size: out of native memory");
    return NULL;
  }
  (*env)->GetFloatArrayRegion(env, map, 0, (jsize)n, mv);
  if (vv) (*env)->GetByteArrayRegion(env, valid, 0, (jsize)n, (jbyte *)vv);
  jdoubleArray res = NULL;
  if (!(*env)->ExceptionCheck(env)) {
    ecm_g4_domain d;
    ecm_status st = ecm_g4_domain_size(mv, vv, (size_t)ny, (size_t)nx, (size_t)fit_half,
                                       exclude_origin ? 1 : 0, &d);
    if (st != ECM_OK) {
      throw_status(env, st);
    } else {
      double s[D_LEN] = {d.ok ? 1.0 : 0.0,
                         (double)d.n_valid,
                         (double)d.fit_half,
                         (double)d.n_used,
                         d.A,
                         d.A_err,
                         d.B,
                         d.B_err,
                         d.sigma_x,
                         d.sigma_x_err,
                         d.sigma_y,
                         d.sigma_y_err,
                         d.fwhm_x,
                         d.fwhm_x_err,
                         d.fwhm_y,
                         d.fwhm_y_err,
                         d.fwhm,
                         d.fwhm_err,
                         d.chi2_red};
      res = new_doubles(env, s, D_LEN);
    }
  }
  free(mv);
  free(vv);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return res;
}

/* The frame interval in seconds for an ImageJ interval and time unit, as the core reads a
 * calibration (ecm_calib_dt_seconds: 0 when the unit is not a time unit it knows). */
JNIEXPORT jdouble JNICALL Java_ecm_fiji_NativeG4_nativeDtSeconds(JNIEnv *env, jclass cls,
                                                                 jdouble interval,
                                                                 jstring time_unit) {
  (void)cls;
  if (!isfinite(interval) || !(interval > 0)) return 0.0;
  ecm_calib cal;
  if (!load_calib(env, interval, time_unit, &cal)) return 0.0;
  return ecm_calib_dt_seconds(&cal);
}
