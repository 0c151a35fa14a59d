/* jni/jni_util.c — helpers shared by the JNI entry points (see jni_util.h). */
#include "jni_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXC_CLASS "ecm/fiji/EcmException"

/* Runs once when System.load maps the library, before any entry point: GSL's default error
 * handler calls abort(), so the core's quiet handler is installed here for every entry point
 * (nativeSelfTest used to be the only one calling ecm_init; g4's fits save and restore the
 * handler, which is only safe across threads when the saved one is not the aborting default). */
JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  (void)vm;
  (void)reserved;
  ecm_init();
  return JNI_VERSION_1_6;
}

/* Throw ecm.fiji.EcmException(code, message); falls back to RuntimeException. */
void throw_ecm(JNIEnv *env, int code, const char *msg) {
  if ((*env)->ExceptionCheck(env)) return; /* keep the first exception */
  jclass cls = (*env)->FindClass(env, EXC_CLASS);
  if (cls) {
    jmethodID ctor = (*env)->GetMethodID(env, cls, "<init>", "(ILjava/lang/String;)V");
    /* no JNI call but ExceptionCheck while GetMethodID's NoSuchMethodError is pending */
    jstring jmsg = ctor ? (*env)->NewStringUTF(env, msg ? msg : "") : NULL;
    if (ctor && jmsg) {
      jobject exc = (*env)->NewObject(env, cls, ctor, (jint)code, jmsg);
      if (exc) (*env)->Throw(env, (jthrowable)exc);
      return;
    }
  }
  if ((*env)->ExceptionCheck(env)) return;
  jclass rt = (*env)->FindClass(env, "java/lang/RuntimeException");
  if (rt) (*env)->ThrowNew(env, rt, msg ? msg : "");
}

/* Throw for a core status: "<strerror>: <errmsg>". */
void throw_status(JNIEnv *env, ecm_status st) {
  char buf[1024];
  const char *detail = ecm_errmsg();
  if (detail && detail[0])
    snprintf(buf, sizeof buf, "%s: %s", ecm_strerror(st), detail);
  else
    snprintf(buf, sizeof buf, "%s", ecm_strerror(st));
  throw_ecm(env, (int)st, buf);
}

void throw_arg(JNIEnv *env, const char *msg) {
  throw_ecm(env, (int)ECM_EINVAL, msg);
}

/* ---- progress: forwarded to ecm.fiji.Progress.update(double, String) -> boolean ---- */


int forward_progress(void *user, double fraction, const char *stage) {
  progress_ctx *c = (progress_ctx *)user;
  if (c->cancelled) return 1;
  if (!c->cb) return 0;
  /* The core calls back on the caller's thread only, so env is valid here. Forward at most
   * every 0.5 % (and the end) to keep the AWT event queue quiet. */
  if (fraction < 1.0 && fraction - c->last < 0.005 && c->last >= 0) return 0;
  c->last = fraction;
  JNIEnv *env = c->env;
  jstring s = (*env)->NewStringUTF(env, stage ? stage : "");
  if (!s) {
    (*env)->ExceptionClear(env);
    c->cancelled = 1;
    return 1;
  }
  jboolean stop = (*env)->CallBooleanMethod(env, c->cb, c->mid, (jdouble)fraction, s);
  (*env)->DeleteLocalRef(env, s);
  if ((*env)->ExceptionCheck(env)) { /* a throwing callback cancels the run */
    (*env)->ExceptionClear(env);
    c->cancelled = 1;
    return 1;
  }
  if (stop) c->cancelled = 1;
  return stop ? 1 : 0;
}

/* Set up a progress context; 0 and a pending exception on failure. */
int progress_init(JNIEnv *env, jobject cb, progress_ctx *c) {
  memset(c, 0, sizeof *c);
  c->env = env;
  c->last = -1;
  if (!cb) return 1;
  jclass cls = (*env)->GetObjectClass(env, cb);
  c->mid = (*env)->GetMethodID(env, cls, "update", "(DLjava/lang/String;)Z");
  (*env)->DeleteLocalRef(env, cls);
  if (!c->mid) return 0; /* NoSuchMethodError pending */
  c->cb = cb;
  return 1;
}

ecm_run make_run(jint threads, progress_ctx *pc) {
  ecm_run run = ecm_run_default();
  /* OpenMP teams of absurd size kill the process: libgomp calls exit() when it cannot
   * allocate the team or create a thread (threads = 100000 ended the JVM). */
  run.threads = threads > 0 ? (threads > ECM_JNI_MAX_THREADS ? ECM_JNI_MAX_THREADS : threads) : 0;
  run.progress = forward_progress;
  run.user = pc;
  return run;
}

/* Copy ImageJ's per-slice arrays (float[], short[] as unsigned, byte[] as unsigned) into
 * one native buffer of nt * plane floats. 0 and a pending exception on failure. */
int copy_slices(JNIEnv *env, const char *what, jobjectArray slices, jsize nt, jsize plane,
                float *dst) {
  jclass f_cls = (*env)->FindClass(env, "[F");
  jclass s_cls = f_cls ? (*env)->FindClass(env, "[S") : NULL;
  jclass b_cls = s_cls ? (*env)->FindClass(env, "[B") : NULL;
  if (!f_cls || !s_cls || !b_cls) return 0; /* no JNI call with the exception pending */
  void *scratch = NULL; /* one slice of 8- or 16-bit values, reused */
  int ok = 0;
  for (jsize t = 0; t < nt; t++) {
    jobject a = (*env)->GetObjectArrayElement(env, slices, t);
    if ((*env)->ExceptionCheck(env)) goto out;
    if (!a) {
      char m[96];
      snprintf(m, sizeof m, "%s: slice %d is null", what, (int)t + 1);
      throw_arg(env, m);
      goto out;
    }
    float *row = dst + (size_t)t * (size_t)plane;
    /* the element type first: GetArrayLength on a non-array (a String or an Integer in the
     * Object[]) is undefined behaviour (a fatal error under -Xcheck:jni) */
    int kind = (*env)->IsInstanceOf(env, a, f_cls)   ? 'F'
               : (*env)->IsInstanceOf(env, a, s_cls) ? 'S'
               : (*env)->IsInstanceOf(env, a, b_cls) ? 'B'
                                                     : 0;
    if (!kind) {
      char m[160];
      snprintf(m, sizeof m, "%s: slices must be 8-bit, 16-bit or 32-bit (RGB is not supported)",
               what);
      throw_ecm(env, ECM_EUNSUPPORTED, m);
      (*env)->DeleteLocalRef(env, a);
      goto out;
    }
    jsize len = (*env)->GetArrayLength(env, (jarray)a);
    if (len != plane) {
      char m[160];
      snprintf(m, sizeof m, "%s: slice %d has %d pixels, expected %d", what, (int)t + 1,
               (int)len, (int)plane);
      throw_ecm(env, ECM_ESIZE, m);
      (*env)->DeleteLocalRef(env, a);
      goto out;
    }
    if (kind == 'F') {
      (*env)->GetFloatArrayRegion(env, (jfloatArray)a, 0, plane, row);
    } else {
      if (!scratch) {
        scratch = malloc((size_t)plane * sizeof(jshort));
        if (!scratch) {
          throw_ecm(env, ECM_ENOMEM, "out of native memory for a slice copy");
          (*env)->DeleteLocalRef(env, a);
          goto out;
        }
      }
      if (kind == 'S') {
        jshort *s = (jshort *)scratch;
        (*env)->GetShortArrayRegion(env, (jshortArray)a, 0, plane, s);
        for (jsize i = 0; i < plane; i++) row[i] = (float)((uint16_t)s[i]);
      } else {
        jbyte *b = (jbyte *)scratch;
        (*env)->GetByteArrayRegion(env, (jbyteArray)a, 0, plane, b);
        for (jsize i = 0; i < plane; i++) row[i] = (float)((uint8_t)b[i]);
      }
    }
    (*env)->DeleteLocalRef(env, a);
    if ((*env)->ExceptionCheck(env)) goto out;
  }
  ok = 1;
out:
  free(scratch);
  return ok;
}

int put_floats(JNIEnv *env, jfloatArray dst, const float *src, jsize n) {
  (*env)->SetFloatArrayRegion(env, dst, 0, n, src);
  return !(*env)->ExceptionCheck(env);
}

/* ---- shared by align and ttcf ---- */

/* Check the slices and frame size, copy them into a new native buffer (*out, caller frees).
 * 0 and a pending exception on failure. */
int load_stack(JNIEnv *env, const char *what, jobjectArray slices, jint width, jint height,
                      jint min_frames, jsize *nt_out, float **out) {
  *out = NULL;
  if (!slices) {
    char m[96];
    snprintf(m, sizeof m, "%s: no slices", what);
    throw_arg(env, m);
    return 0;
  }
  if (width < 1 || height < 1) {
    char m[96];
    snprintf(m, sizeof m, "%s: width and height must be >= 1", what);
    throw_arg(env, m);
    return 0;
  }
  if ((int64_t)width * height > INT32_MAX - 8) {
    throw_ecm(env, ECM_EOVERFLOW, "image too large for a Java array");
    return 0;
  }
  jsize nt = (*env)->GetArrayLength(env, slices);
  if (nt < min_frames) {
    char m[128];
    snprintf(m, sizeof m, "%s needs at least %d frames (this stack has %d)", what, (int)min_frames,
             (int)nt);
    throw_ecm(env, ECM_ENODATA, m);
    return 0;
  }
  jsize plane = width * height;
  size_t n = 0;
  ecm_status st = ecm_size_mul((size_t)nt, (size_t)plane, &n);
  float *buf = st == ECM_OK ? malloc(n * sizeof(float)) : NULL;
  if (!buf) {
    if (st != ECM_OK)
      throw_status(env, st);
    else
      throw_ecm(env, ECM_ENOMEM, "not enough native memory for the stack copy");
    return 0;
  }
  if (!copy_slices(env, what, slices, nt, plane, buf)) {
    free(buf);
    return 0;
  }
  *nt_out = nt;
  *out = buf;
  return 1;
}

/* A mask from a Java byte[] of width*height (non-zero = inside), or NULL for none.
 * 0 and a pending exception on failure. */
int load_mask(JNIEnv *env, jbyteArray mask, jint width, jint height, ecm_mask **out) {
  *out = NULL;
  if (!mask) return 1;
  if (width < 1 || height < 1 || (int64_t)width * height > INT32_MAX - 8) {
    throw_arg(env, "ROI mask: width and height must be >= 1 and fit a Java array");
    return 0;
  }
  jsize plane = width * height;
  if ((*env)->GetArrayLength(env, mask) != plane) {
    throw_ecm(env, ECM_ESIZE, "ROI mask must hold width * height values");
    return 0;
  }
  ecm_mask *m = NULL;
  ecm_status st = ecm_mask_alloc((size_t)height, (size_t)width, &m);
  if (st != ECM_OK) {
    throw_status(env, st);
    return 0;
  }
  (*env)->GetByteArrayRegion(env, mask, 0, plane, (jbyte *)m->inside);
  if ((*env)->ExceptionCheck(env)) {
    ecm_mask_free(m);
    return 0;
  }
  *out = m;
  return 1;
}

jdoubleArray new_doubles(JNIEnv *env, const double *v, jsize n) {
  jdoubleArray a = (*env)->NewDoubleArray(env, n);
  if (a) (*env)->SetDoubleArrayRegion(env, a, 0, n, v);
  return a;
}


int load_calib(JNIEnv *env, jdouble interval, jstring time_unit, ecm_calib *cal) {
  ecm_calib_init(cal);
  if (!(interval > 0)) return 1;
  const char *u = time_unit ? (*env)->GetStringUTFChars(env, time_unit, NULL) : NULL;
  if (time_unit && !u) return 0;
  cal->frame_interval = interval;
  snprintf(cal->time_unit, sizeof cal->time_unit, "%s", u && u[0] ? u : "s");
  if (u) (*env)->ReleaseStringUTFChars(env, time_unit, u);
  return 1;
}

int copy_utf(JNIEnv *env, jstring s, const char *what, char *buf, size_t n) {
  if (!s) {
    char m[128];
    snprintf(m, sizeof m, "%s: no value given", what);
    throw_arg(env, m);
    return 0;
  }
  const char *u = (*env)->GetStringUTFChars(env, s, NULL);
  if (!u) return 0;
  size_t len = strlen(u);
  if (len < n) memcpy(buf, u, len + 1);
  (*env)->ReleaseStringUTFChars(env, s, u);
  if (len >= n) {
    char m[160];
    snprintf(m, sizeof m, "%s: a value of %zu bytes is not one of the names it takes", what, len);
    throw_arg(env, m);
    return 0;
  }
  return 1;
}

int relax_args(JNIEnv *env, const char *what, jdouble ppd, jint max_lag, jboolean bias,
               jdouble no_decay_dchi2, jdouble unresolved_frac, ecm_relax_params *p) {
  char m[200];
  if (!(ppd > 0) || !isfinite(ppd) || ppd > 1000) {
    snprintf(m, sizeof m, "%s: points per decade must be in (0, 1000]", what);
  } else if (max_lag < 0) {
    snprintf(m, sizeof m, "%s: maximum lag must be >= 0 (0 = half the series)", what);
  } else if (!(no_decay_dchi2 >= 0 && no_decay_dchi2 <= 1e9)) {
    snprintf(m, sizeof m, "%s: no_decay_dchi2 must be a number in [0, 1e9] (0 = off; got %g)",
             what, no_decay_dchi2);
  } else if (!(unresolved_frac >= 0 && unresolved_frac <= 1e9)) {
    snprintf(m, sizeof m, "%s: unresolved fraction must be a number in [0, 1e9] (0 = off; got %g)",
             what, unresolved_frac);
  } else {
    *p = ecm_relax_default_params();
    p->points_per_decade = ppd;
    p->max_lag = (size_t)max_lag;
    p->bias_correction = bias ? 1 : 0;
    p->no_decay_dchi2 = no_decay_dchi2;
    p->unresolved_frac = unresolved_frac;
    return 1;
  }
  throw_arg(env, m);
  return 0;
}
