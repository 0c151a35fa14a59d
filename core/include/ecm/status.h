/* ecm/status.h — error codes, detail messages and library initialisation.
 *
 * Every fallible call in libecm returns an ecm_status. ECM_OK is 0; the other codes are
 * numbered once and never renumbered (the CLI, JSON outputs and the Fiji plugin share them).
 * The static text of a code comes from ecm_strerror(); the calling thread's detail for the
 * most recent failure ("frame 17: expected 256x256, got 255x256") from ecm_errmsg().
 * The library never prints, never exits and never aborts. */
#ifndef ECM_STATUS_H
#define ECM_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ecm_status {
  ECM_OK = 0,
  ECM_EINVAL = 1,       /* an argument is out of its documented range */
  ECM_ENOMEM = 2,       /* allocation failed or the memory budget would be exceeded */
  ECM_EOVERFLOW = 3,    /* a size product overflows, or dimensions are absurd */
  ECM_EIO = 4,          /* the operating system refused a read, write or rename */
  ECM_EFORMAT = 5,      /* a file is malformed, truncated or not what it claims */
  ECM_EUNSUPPORTED = 6, /* valid input this version cannot handle (e.g. RGB TIFF) */
  ECM_ECANCELED = 7,    /* the progress callback asked to stop */
  ECM_ENODATA = 8,      /* nothing to work on: zero frames, empty mask */
  ECM_ESIZE = 9,        /* sizes of two inputs do not match */
  ECM_ENUMERIC = 10,    /* a numerical method failed as a whole */
  ECM_EEXIST = 11,      /* an output exists already, or would replace an input */
  ECM_EINTERNAL = 12    /* a bug: please report it with ecm_errmsg() */
} ecm_status;

/* Initialise the library: turns GSL's abort-on-error handler off. Idempotent and
 * thread-safe; every public entry point that needs it calls it, so calling it is optional. */
ecm_status ecm_init(void);

/* Static, human-readable text for a status code; never NULL. */
const char *ecm_strerror(ecm_status status);

/* Detail of the most recent failure on the calling thread ("" if none). The pointer stays
 * valid until the next libecm call on this thread. */
const char *ecm_errmsg(void);

/* Forget the calling thread's detail message. */
void ecm_clear_error(void);

/* Library version, "MAJOR.MINOR.PATCH". */
const char *ecm_version(void);

/* One line naming the numerical libraries in use (GSL, FFTW, OpenBLAS, OpenMP with its
 * thread count), e.g. for bug reports. Valid until the calling thread's next call. */
const char *ecm_build_info(void);

#ifdef __cplusplus
}
#endif
#endif
