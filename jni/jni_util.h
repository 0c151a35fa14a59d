/* jni/jni_util.h — helpers shared by the JNI entry points (jni/ecm_jni*.c): exceptions,
 * progress forwarding, copying ImageJ slices and masks into native buffers. No numerics.
 * Convention: a helper returning int gives 1 on success, 0 with a Java exception pending. */
#ifndef ECM_JNI_UTIL_H
#define ECM_JNI_UTIL_H

#include <jni.h>

#include "ecm/relax.h"
#include "ecm/stack.h"
#include "ecm/status.h"

/* Throw ecm.fiji.EcmException(code, message) (keeps an exception already pending). */
void throw_ecm(JNIEnv *env, int code, const char *msg);
/* Throw for a core status: "<ecm_strerror>: <ecm_errmsg>". */
void throw_status(JNIEnv *env, ecm_status st);
/* Throw an invalid-argument EcmException. */
void throw_arg(JNIEnv *env, const char *msg);

/* Progress forwarded to ecm.fiji.Progress.update(double, String) -> boolean (true = cancel). */
typedef struct progress_ctx {
  JNIEnv *env;
  jobject cb; /* may be NULL */
  jmethodID mid;
  double last; /* last fraction forwarded */
  int cancelled;
} progress_ctx;
int forward_progress(void *user, double fraction, const char *stage);
int progress_init(JNIEnv *env, jobject cb, progress_ctx *c);
/* Most worker threads a JNI call asks the core for (more are clamped to this). */
#define ECM_JNI_MAX_THREADS 256
/* An ecm_run with the thread count (0 = all cores, clamped to ECM_JNI_MAX_THREADS) and
 * progress forwarded to pc. */
ecm_run make_run(jint threads, progress_ctx *pc);

/* Copy nt ImageJ slices (float[], short[] and byte[] read as unsigned) of plane pixels into
 * dst (nt * plane floats). `what` names the command in messages. */
int copy_slices(JNIEnv *env, const char *what, jobjectArray slices, jsize nt, jsize plane,
                float *dst);
int put_floats(JNIEnv *env, jfloatArray dst, const float *src, jsize n);
/* Check the slices and frame size and copy them into a new buffer (*out; caller frees). */
int load_stack(JNIEnv *env, const char *what, jobjectArray slices, jint width, jint height,
               jint min_frames, jsize *nt_out, float **out);
/* A mask from a byte[width*height] (non-zero = inside), or *out = NULL for a null array. */
int load_mask(JNIEnv *env, jbyteArray mask, jint width, jint height, ecm_mask **out);
/* A calibration with the frame interval in time_unit (null or "" = "s") when interval > 0;
 * uncalibrated (ecm_calib_init) otherwise. */
int load_calib(JNIEnv *env, jdouble interval, jstring time_unit, ecm_calib *cal);
/* A copy of a Java string into buf; a null string, or one of n bytes or more, is an
 * invalid-argument exception naming `what`. */
int copy_utf(JNIEnv *env, jstring s, const char *what, char *buf, size_t n);
/* The per-pixel fit settings shared by the map, split/window and inspector entry points,
 * checked as `ecm map` checks them (points per decade in (0, 1000], max_lag >= 0, the
 * no-decay and unresolved thresholds finite in [0, 1e9], 0 = off) and filled into *p over
 * ecm_relax_default_params(). `what` names the command in messages. */
int relax_args(JNIEnv *env, const char *what, jdouble ppd, jint max_lag, jboolean bias,
               jdouble no_decay_dchi2, jdouble unresolved_frac, ecm_relax_params *p);
/* A new double[] holding v[0..n) (NULL with an exception pending on failure). */
jdoubleArray new_doubles(JNIEnv *env, const double *v, jsize n);

#endif
