/* Internal helpers of the io module (not installed). Only io/ includes <tiffio.h>; nothing
 * here exposes libtiff types, so unit tests and the fuzzer may include this header. */
#ifndef ECM_IO_INTERNAL_H
#define ECM_IO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/io.h"
#include "util/strbuf.h"

/* ---- Entry points for tests and the fuzzer ---------------------------------------- */

/* ecm_io_probe / ecm_io_read_stack on a TIFF held in memory (no disk I/O). `name` is used in
 * messages only. Same errors as the file versions. */
ecm_status ecm__io_probe_memory(const void *data, size_t len, const char *name,
                                ecm_tiff_info *info);
ecm_status ecm__io_read_memory(const void *data, size_t len, const char *name, size_t first,
                               size_t count, const ecm_run *run, ecm_stack **out,
                               ecm_tiff_info *info);

/* ecm_io_read_provenance on a TIFF held in memory. */
ecm_status ecm__io_provenance_memory(const void *data, size_t len, const char *name, char *buf,
                                     size_t cap);

/* ecm_io_write_stack with the container forced: force_bigtiff = 1 writes BigTIFF even for a
 * small file (tests exercise the BigTIFF writer without 4 GB of data). */
ecm_status ecm__io_write_stack_ex(const char *path, const ecm_view *v, const ecm_write_opts *opts,
                                  const ecm_run *run, int force_bigtiff, int *bigtiff_written);

/* ---- ImageJ ImageDescription ------------------------------------------------------ */

typedef struct ecm__io_ij_desc {
  int is_imagej;                   /* the text starts with "ImageJ=" */
  size_t images;                   /* images=N (0 when absent or unreadable) */
  size_t channels, slices, frames; /* 0 when absent */
  int images_huge;                 /* images= is above ECM_MAX_DIM */
  double finterval;                /* 0 when absent or invalid */
  int has_tunit;
  char tunit[ECM_UNIT_CAP]; /* normalised ("s", "ms", "us", ...) */
  int has_unit;
  char unit[ECM_UNIT_CAP]; /* normalised ("nm", "um", ...) */
  double spacing;          /* 0 when absent */
  int has_cf;
  int cf;        /* ImageJ calibration function (0 = straight line) */
  double c0, c1; /* its coefficients when has_c0 / has_c1 */
  int has_c0, has_c1;
} ecm__io_ij_desc;

/* Parse an ImageJ description (java.util.Properties syntax: key=value lines, \uXXXX escapes).
 * Never fails: unknown or malformed keys are ignored. `text` need not be NUL-terminated. */
void ecm__io_ij_parse(const char *text, size_t len, ecm__io_ij_desc *d);

/* Find `key` in a Properties-style text and append its decoded value to `out` (UTF-8).
 * Returns 1 when found, 0 otherwise. */
int ecm__io_prop_get(const char *text, size_t len, const char *key, ecm__strbuf *out);

/* Append `s` escaped so that java.util.Properties reads it back unchanged and the result is
 * printable ASCII: backslash doubled, control and non-ASCII characters as \uXXXX (UTF-8
 * decoded; invalid bytes taken as Latin-1). */
void ecm__io_prop_escape(ecm__strbuf *sb, const char *s);

/* Normalise a spatial or time unit as ImageJ writes it ("\u00B5m", "micron", "sec") to our
 * ASCII spelling ("um", "s") into out (ECM_UNIT_CAP). Returns 0 for "no unit" (empty,
 * "pixel", "pixels"). */
int ecm__io_norm_space_unit(const char *in, char out[ECM_UNIT_CAP]);
int ecm__io_norm_time_unit(const char *in, char out[ECM_UNIT_CAP]);

/* Pixel size from a TIFF resolution value (pixels per unit) held with float precision:
 * 1/res, snapped to the shortest decimal (<= 8 significant digits) within that precision,
 * so that 0.3 written as a rational comes back as 0.3. 0 for invalid res. */
double ecm__io_pixel_from_res(double res);

/* Best rational approximation num/den of x > 0 with 32-bit numerator and denominator. */
void ecm__io_rational(double x, uint32_t *num, uint32_t *den);

/* Shortest "%.Ng" text of v that reads back exactly, locale-independent ('.' decimal point). */
void ecm__io_fmt_double(char *buf, size_t cap, double v);
/* strtod in the C locale; returns 0 and leaves *v when s holds no number. */
int ecm__io_parse_double(const char *s, const char **end, double *v);

/* ---- ImageJ "Info" property (IJMetadata tags 50838 / 50839) ----------------------- */

#define ECM__IJ_TAG_META_COUNTS 50838
#define ECM__IJ_TAG_META 50839

/* Build the IJMetadata payload for an "info" entry holding `info` (printable ASCII) in the
 * given byte order. *counts gets the two byte counts {header, info}. Returns 0 on memory
 * failure (sb->failed). */
int ecm__io_ij_meta_build(ecm__strbuf *payload, uint32_t counts[2], const char *info,
                          int big_endian);
/* Extract the "info" entry from an IJMetadata payload into out (UTF-8). Returns 1 when
 * found. `counts` are the IJMetadataByteCounts values. */
int ecm__io_ij_meta_info(const uint8_t *meta, size_t meta_len, const uint32_t *counts,
                         size_t ncounts, int big_endian, ecm__strbuf *out);

/* ---- Files -------------------------------------------------------------------------- */

/* A temporary file "<path>.tmp-XXXXXX" next to the target, renamed into place on commit. */
typedef struct ecm__io_atomic {
  int fd;
  char *tmp;        /* temporary path, owned */
  const char *path; /* target (borrowed) */
  int overwrite;
} ecm__io_atomic;

/* Refuse early (ECM_EEXIST) when `path` exists and overwrite == 0, or when it names the same
 * file as `protect` (may be NULL); then create the temporary file. */
ecm_status ecm__io_atomic_begin(ecm__io_atomic *a, const char *path, int overwrite,
                                const char *protect);
/* Write all bytes (retrying short writes); ECM_EIO with the OS reason. */
ecm_status ecm__io_atomic_write(ecm__io_atomic *a, const void *buf, size_t len);
/* fsync, close and rename into place (no-clobber when overwrite == 0). On failure the
 * temporary file is removed. */
ecm_status ecm__io_atomic_commit(ecm__io_atomic *a);
/* Close and remove the temporary file; safe to call after a failed commit or twice. */
void ecm__io_atomic_abort(ecm__io_atomic *a);

/* Text of an errno value (thread-safe). */
const char *ecm__io_errstr(int err, char *buf, size_t cap);

/* ---- SHA-256 (FIPS 180-4) ----------------------------------------------------------- */

typedef struct ecm__io_sha256 {
  uint32_t h[8];
  uint64_t nbytes;
  uint8_t block[64];
  size_t fill;
} ecm__io_sha256;

void ecm__io_sha256_init(ecm__io_sha256 *c);
void ecm__io_sha256_update(ecm__io_sha256 *c, const void *data, size_t len);
/* Finish: 32-byte digest into out; the context must be re-initialised before reuse. */
void ecm__io_sha256_final(ecm__io_sha256 *c, uint8_t out[32]);
/* Digest as 64 lowercase hex digits + NUL. */
void ecm__io_sha256_hex(const uint8_t digest[32], char hex[65]);

/* Tests: 1 = use the portable SHA-256 compression even where the CPU has SHA extensions. */
void ecm__io_sha256_portable_only(int on);

#endif
