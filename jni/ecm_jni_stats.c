/* jni/ecm_jni_stats.c — JNI glue of the statistics (ecm.fiji.NativeStats): Spearman of two
 * maps (ecm_stats_spearman_maps), the Arrhenius fit (ecm_stats_arrhenius_fit) and the xi-tau
 * models (ecm_stats_xitau_fit). No numerics: argument checks, copies of the Java arrays, the
 * core call and its result as a double[]. Every core error becomes an
 * ecm.fiji.EcmException carrying ecm_errmsg(). */
#include <jni.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/stats.h"
#include "ecm/status.h"
#include "ecm_fiji_NativeStats.h"
#include "jni_util.h"

/* Index of the Spearman numbers (mirrored in NativeStats.java). */
enum {
  SR_N,
  SR_RHO,
  SR_P_NAIVE,
  SR_N_EFF,
  SR_P_EFF,
  SR_N_PERM_PIXELS,
  SR_RHO_BLOCKS,
  SR_BLOCKS,
  SR_PERMUTATIONS,
  SR_P_PERM,
  SR_MAX_LAG,
  SR_LEN
};

/* Index of the Arrhenius numbers (mirrored in NativeStats.java). */
enum {
  AR_N,
  AR_DOF,
  AR_E_EV,
  AR_E_EV_ERR,
  AR_E_EV_ERR_SCALED,
  AR_E_KJ,
  AR_E_KJ_ERR,
  AR_E_KJ_ERR_SCALED,
  AR_LN_TAU_INF,
  AR_LN_TAU_INF_ERR,
  AR_TAU_INF,
  AR_TAU_INF_ERR,
  AR_COV,
  AR_CHI2,
  AR_CHI2_RED,
  AR_WEIGHTED,
  AR_LEN
};

/* Index of the xi-tau numbers (mirrored in NativeStats.java). */
enum {
  XT_MODEL,
  XT_N,
  XT_DOF,
  XT_A,
  XT_B,
  XT_A_ERR,
  XT_B_ERR,
  XT_COV_AB,
  XT_N_EXP,
  XT_N_EXP_ERR,
  XT_COV_B_N,
  XT_A_ERR_SCALED,
  XT_B_ERR_SCALED,
  XT_N_EXP_ERR_SCALED,
  XT_CHI2,
  XT_CHI2_RED,
  XT_WEIGHTED,
  XT_N_FITTED,
  XT_ITERATIONS,
  XT_N_AT_BOUND,
  XT_LEN
};

/* Copy a float[] of exactly n values into a new buffer (*out; caller frees). */
static int load_floats(JNIEnv *env, jfloatArray a, jsize n, const char *what, float **out) {
  *out = NULL;
  if (!a || (*env)->GetArrayLength(env, a) != n) {
    char m[160];
    snprintf(m, sizeof m, "%s must hold width * height values", what);
    throw_arg(env, m);
    return 0;
  }
  float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
  if (!f) {
    throw_ecm(env, ECM_ENOMEM, "out of native memory");
    return 0;
  }
  (*env)->GetFloatArrayRegion(env, a, 0, n, f);
  if ((*env)->ExceptionCheck(env)) {
    free(f);
    return 0;
  }
  *out = f;
  return 1;
}

/* Copy an optional double[] of exactly n values (*out NULL for a null array). */
static int load_doubles(JNIEnv *env, jdoubleArray a, jsize n, const char *what, double **out) {
  *out = NULL;
  if (!a) return 1;
  if ((*env)->GetArrayLength(env, a) != n) {
    char m[160];
    snprintf(m, sizeof m, "the %s column must have as many rows as the others", what);
    throw_arg(env, m);
    return 0;
  }
  double *d = malloc((size_t)(n ? n : 1) * sizeof *d);
  if (!d) {
    throw_ecm(env, ECM_ENOMEM, "out of native memory");
    return 0;
  }
  (*env)->GetDoubleArrayRegion(env, a, 0, n, d);
  if ((*env)->ExceptionCheck(env)) {
    free(d);
    return 0;
  }
  *out = d;
  return 1;
}

JNIEXPORT jdoubleArray JNICALL Java_ecm_fiji_NativeStats_nativeSpearman(
    JNIEnv *env, jclass cls, jfloatArray a, jfloatArray b, jbyteArray mask, jint width,
    jint height, jint block, jint permutations, jlong seed, jint max_lag) {
  (void)cls;
  if (width < 1 || height < 1) {
    throw_arg(env, "map correlation: width and height must be >= 1");
    return NULL;
  }
  if ((int64_t)width * height > INT32_MAX - 8) {
    throw_ecm(env, ECM_EOVERFLOW, "map correlation: image too large for a Java array");
    return NULL;
  }
  if (block < 1) {
    throw_arg(env, "map correlation: the block must be >= 1 px");
    return NULL;
  }
  if (permutations < 0) {
    throw_arg(env, "map correlation: permutations must be >= 0");
    return NULL;
  }
  if (max_lag < 0) {
    throw_arg(env, "map correlation: max_lag must be >= 0 (0 = twice the block)");
    return NULL;
  }
  if (seed < 0) {
    throw_arg(env, "map correlation: the seed must be >= 0");
    return NULL;
  }
  jsize plane = width * height;
  float *fa = NULL, *fb = NULL;
  ecm_mask *m = NULL;
  if (!load_floats(env, a, plane, "map 1", &fa)) return NULL;
  if (!load_floats(env, b, plane, "map 2", &fb) || !load_mask(env, mask, width, height, &m)) {
    free(fa);
    free(fb);
    return NULL;
  }
  ecm_spearman_params p = ecm_stats_spearman_default_params();
  p.block = (size_t)block;
  p.permutations = (size_t)permutations;
  p.seed = (unsigned long long)seed;
  p.max_lag = (size_t)max_lag;
  ecm_spearman_result r;
  ecm_status st = ecm_stats_spearman_maps(fa, fb, m ? m->inside : NULL, (size_t)height,
                                          (size_t)width, &p, &r);
  free(fa);
  free(fb);
  ecm_mask_free(m);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  double s[SR_LEN];
  s[SR_N] = (double)r.n;
  s[SR_RHO] = r.rho;
  s[SR_P_NAIVE] = r.p_naive;
  s[SR_N_EFF] = r.n_eff;
  s[SR_P_EFF] = r.p_eff;
  s[SR_N_PERM_PIXELS] = (double)r.n_perm_pixels;
  s[SR_RHO_BLOCKS] = r.rho_blocks;
  s[SR_BLOCKS] = (double)r.blocks;
  s[SR_PERMUTATIONS] = (double)r.permutations;
  s[SR_P_PERM] = r.p_perm;
  s[SR_MAX_LAG] = (double)(p.max_lag ? p.max_lag : 2 * p.block);
  return new_doubles(env, s, SR_LEN);
}

JNIEXPORT jdoubleArray JNICALL Java_ecm_fiji_NativeStats_nativeArrhenius(JNIEnv *env, jclass cls,
                                                                        jdoubleArray T,
                                                                        jdoubleArray tau,
                                                                        jdoubleArray err) {
  (void)cls;
  if (!T || !tau) {
    throw_arg(env, "Arrhenius fit: the temperature and tau columns are required");
    return NULL;
  }
  jsize n = (*env)->GetArrayLength(env, T);
  double *t = NULL, *ta = NULL, *e = NULL;
  if (!load_doubles(env, T, n, "temperature", &t)) return NULL;
  if (!load_doubles(env, tau, n, "tau", &ta) || !load_doubles(env, err, n, "tau error", &e)) {
    free(t);
    free(ta);
    return NULL;
  }
  ecm_arrhenius r;
  ecm_status st = ecm_stats_arrhenius_fit(t, ta, e, (size_t)n, &r);
  free(t);
  free(ta);
  free(e);
  if (st != ECM_OK) {
    throw_status(env, st);
    return NULL;
  }
  double s[AR_LEN];
  s[AR_N] = (double)r.n;
  s[AR_DOF] = (double)r.dof;
  s[AR_E_EV] = r.E_eV;
  s[AR_E_EV_ERR] = r.E_eV_err;
  s[AR_E_EV_ERR_SCALED] = r.E_eV_err_scaled;
  s[AR_E_KJ] = r.E_kJ_per_mol;
  s[AR_E_KJ_ERR] = r.E_kJ_per_mol_err;
  s[AR_E_KJ_ERR_SCALED] = r.E_kJ_per_mol_err_scaled;
  s[AR_LN_TAU_INF] = r.ln_tau_inf;
  s[AR_LN_TAU_INF_ERR] = r.ln_tau_inf_err;
  s[AR_TAU_INF] = r.tau_inf_s;
  s[AR_TAU_INF_ERR] = r.tau_inf_err_s;
  s[AR_COV] = r.cov_lntauinf_E_eV;
  s[AR_CHI2] = r.chi2;
  s[AR_CHI2_RED] = r.chi2_red;
  s[AR_WEIGHTED] = r.weighted ? 1.0 : 0.0;
  return new_doubles(env, s, AR_LEN);
}

JNIEXPORT jdoubleArray JNICALL Java_ecm_fiji_NativeStats_nativeXiTau(
    JNIEnv *env, jclass cls, jint model, jboolean n_fixed, jdouble nexp, jdouble n_min,
    jdouble n_max, jboolean effective_variance, jdoubleArray T, jdoubleArray tau,
    jdoubleArray tau_err, jdoubleArray xi, jdoubleArray xi_err) {
  (void)cls;
  if (model < 0 || model > ECM_XITAU_RFOT) {
    throw_arg(env, "xi-tau fit: unknown model");
    return NULL;
  }
  if (!tau || !xi) {
    throw_arg(env, "xi-tau fit: the tau and xi columns are required");
    return NULL;
  }
  if (model == ECM_XITAU_RFOT && !T) {
    throw_arg(env, "xi-tau fit: the RFOT model needs the temperature column");
    return NULL;
  }
  jsize n = (*env)->GetArrayLength(env, tau);
  double *t = NULL, *ta = NULL, *te = NULL, *x = NULL, *xe = NULL;
  jdoubleArray res = NULL;
  if (!load_doubles(env, T, n, "temperature", &t) || !load_doubles(env, tau, n, "tau", &ta) ||
      !load_doubles(env, tau_err, n, "tau error", &te) || !load_doubles(env, xi, n, "xi", &x) ||
      !load_doubles(env, xi_err, n, "xi error", &xe))
    goto done;
  ecm_xitau_params p = ecm_stats_xitau_default_params();
  p.model = (ecm_xitau_model)model;
  p.n_fixed = n_fixed ? 1 : 0;
  if (n_fixed) p.n = nexp;
  p.n_min = n_min;
  p.n_max = n_max;
  p.effective_variance = effective_variance ? 1 : 0;
  ecm_xitau_result r;
  ecm_status st = ecm_stats_xitau_fit(&p, t, ta, te, x, xe, (size_t)n, &r);
  if (st != ECM_OK) {
    throw_status(env, st);
    goto done;
  }
  double s[XT_LEN];
  s[XT_MODEL] = (double)r.model;
  s[XT_N] = (double)r.n;
  s[XT_DOF] = (double)r.dof;
  s[XT_A] = r.a;
  s[XT_B] = r.b;
  s[XT_A_ERR] = r.a_err;
  s[XT_B_ERR] = r.b_err;
  s[XT_COV_AB] = r.cov_ab;
  s[XT_N_EXP] = r.n_exp;
  s[XT_N_EXP_ERR] = r.n_exp_err;
  s[XT_COV_B_N] = r.cov_b_n;
  s[XT_A_ERR_SCALED] = r.a_err_scaled;
  s[XT_B_ERR_SCALED] = r.b_err_scaled;
  s[XT_N_EXP_ERR_SCALED] = r.n_exp_err_scaled;
  s[XT_CHI2] = r.chi2;
  s[XT_CHI2_RED] = r.chi2_red;
  s[XT_WEIGHTED] = r.weighted ? 1.0 : 0.0;
  s[XT_N_FITTED] = r.n_fitted ? 1.0 : 0.0;
  s[XT_ITERATIONS] = (double)r.iterations;
  s[XT_N_AT_BOUND] = r.n_at_bound ? 1.0 : 0.0;
  res = new_doubles(env, s, XT_LEN);
done:
  free(t);
  free(ta);
  free(te);
  free(x);
  free(xe);
  if ((*env)->ExceptionCheck(env)) return NULL;
  return res;
}

/* Name of xi-tau model k (ecm_stats_xitau_model_name), or null past the last one. */
JNIEXPORT jstring JNICALL Java_ecm_fiji_NativeStats_nativeXiTauModelName(JNIEnv *env, jclass cls,
                                                                        jint k) {
  (void)cls;
  if (k < 0 || k > ECM_XITAU_RFOT) return NULL;
  return (*env)->NewStringUTF(env, ecm_stats_xitau_model_name((ecm_xitau_model)k));
}
