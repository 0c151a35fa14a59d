/* ecm/io.h — TIFF stacks in and out, with ImageJ metadata, provenance and atomic writes.
 *
 * This module is the only place that talks to libtiff. Reading accepts 8/16/32-bit signed
 * and unsigned integer and 32-bit float grayscale TIFFs, striped or tiled, one page or many,
 * classic or BigTIFF, ImageJ hyperstacks (frames/slices/finterval/unit and the resolution
 * tags become the calibration), and ImageJ's non-standard contiguous stacks over 4 GB.
 * Writing produces files ImageJ 1.x opens with their calibration. No function here ever
 * opens an input for writing, and every writer goes through a temporary file renamed into
 * place, so a failed or cancelled write leaves no partial output. docs/io.md has the details.
 *
 * Every function is reentrant (different threads may work on different files at once) and
 * never prints: libtiff's messages go into the detail message, which starts with the file
 * name. Frame numbers in messages are 1-based, as in ImageJ. */
#ifndef ECM_IO_H
#define ECM_IO_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ecm_sample_kind {
  ECM_SAMPLE_UINT = 1,  /* unsigned integer */
  ECM_SAMPLE_INT = 2,   /* two's complement signed integer */
  ECM_SAMPLE_FLOAT = 3  /* IEEE floating point */
} ecm_sample_kind;

/* What a TIFF file holds, read from its headers without decoding pixel data. */
typedef struct ecm_tiff_info {
  size_t nt, ny, nx;            /* frames (after any Z-as-time reinterpretation), rows, cols */
  int bits_per_sample;          /* 8, 16 or 32 */
  ecm_sample_kind sample_kind;
  int is_bigtiff;
  int is_tiled;
  int is_imagej;                /* description starts with "ImageJ=" */
  int imagej_contiguous;        /* ImageJ stack whose pages past the first have no IFDs */
  size_t channels, slices, frames; /* ImageJ hyperstack dimensions (1 when absent) */
  int z_as_time;                /* 1 frame with many Z-slices: slices read as time points */
  double z_spacing;             /* ImageJ "spacing" (a z step in space_unit; never time), 0 if none */
  ecm_calib calib;              /* frame interval, time unit, pixel size and unit */
  uint64_t file_bytes;
} ecm_tiff_info;

/* Read the headers (every IFD, no pixel data) of `path` into *info; *info is zeroed on
 * failure. Errors: ECM_EIO (cannot open, not a regular file), ECM_EFORMAT (empty, not a
 * TIFF, truncated, pages of different size or sample type, ImageJ frames that cannot be
 * located), ECM_EUNSUPPORTED (RGB, palette, 1/12/64-bit, half or complex samples, unknown
 * compression, ImageJ channels > 1 or slices > 1 with frames > 1), ECM_ENODATA (no IFD),
 * ECM_EOVERFLOW (a side above ECM_MAX_DIM, absurd frame counts). */
ecm_status ecm_io_probe(const char *path, ecm_tiff_info *info);

/* Read frames [first, first+count) (0-based; count == 0: from first to the end, so 0, 0 reads
 * the whole stack) as float with the file's calibration into a new stack *out (caller frees
 * with ecm_stack_free; NULL on failure). *info, when non-NULL, describes the whole file
 * (info->nt counts all its frames). `run` may be NULL; progress ("reading") is reported once
 * per frame and cancellation honoured (ECM_ECANCELED); the memory budget is checked before
 * allocating (ECM_ENOMEM). Errors as ecm_io_probe, plus ECM_ENODATA for a range outside the
 * stack and ECM_EFORMAT for pixel data that cannot be decoded. */
ecm_status ecm_io_read_stack(const char *path, size_t first, size_t count, const ecm_run *run,
                             ecm_stack **out, ecm_tiff_info *info);

/* How to write a stack or map. */
typedef enum ecm_pixel_type {
  ECM_PIXEL_F32 = 0, /* 32-bit float (maps, stacks) */
  ECM_PIXEL_U16 = 1, /* 16-bit unsigned: values are rounded and clamped to [0, 65535] */
  ECM_PIXEL_U8 = 2   /* 8-bit unsigned: status maps; values rounded and clamped to [0, 255] */
} ecm_pixel_type;

typedef struct ecm_write_opts {
  ecm_pixel_type pixel_type;
  int overwrite;            /* 0: ECM_EEXIST if `path` exists (default) */
  const char *provenance;   /* one-line JSON object stored with the image, or NULL */
  const char *protect_path; /* an input that must never be replaced (ECM_EEXIST), or NULL */
  double display_min, display_max; /* ImageJ display range; both 0 = from the data (finite
                                      values), else display_min < display_max */
} ecm_write_opts;

/* 32-bit float, no overwrite, no provenance, nothing protected, display range from data. */
ecm_write_opts ecm_write_default_opts(void);

/* Write a stack (or a single 2D map when v->nt == 1; v may be any strided view) as an
 * ImageJ-compatible TIFF carrying v->calib (frame interval, units, pixel size): uncompressed,
 * little-endian, one strip per frame in ImageJ's layout, an ImageJ description (a series is
 * written as frames=N) and the provenance both in the description (ecm_provenance=...) and
 * as ImageJ's "Info" property. Classic TIFF below 4 GB; BigTIFF above (*bigtiff_written,
 * which may be NULL, set to 1 so that the caller can warn: ImageJ 1.x cannot read it).
 * Writes to a temporary file in the same folder and renames it into place; `run` may be
 * NULL (progress "writing" per frame). Errors: ECM_EINVAL (arguments), ECM_EEXIST (see
 * ecm_write_opts), ECM_EIO (folder missing, disk full, rename failed), ECM_ENOMEM,
 * ECM_ECANCELED; on any error nothing is left behind and an existing file is untouched. */
ecm_status ecm_io_write_stack(const char *path, const ecm_view *v, const ecm_write_opts *opts,
                              const ecm_run *run, int *bigtiff_written);

/* Read the provenance JSON a file written by ecm_io_write_stack carries (from the
 * description, else from ImageJ's Info property) into buf (NUL-terminated). ECM_ENODATA when
 * the file has none, ECM_EINVAL when it does not fit in cap bytes, else as ecm_io_probe. */
ecm_status ecm_io_read_provenance(const char *path, char *buf, size_t cap);

/* Write len bytes of text (JSON, CSV) atomically: temporary name, fsync, then rename.
 * ECM_EEXIST when `path` exists and overwrite == 0; ECM_EINVAL for a folder; ECM_EIO. */
ecm_status ecm_io_write_text(const char *path, const char *text, size_t len, int overwrite);

/* SHA-256 (FIPS 180-4) of a file's bytes as 64 lowercase hex digits + NUL (for provenance).
 * ECM_EIO when the file cannot be read. */
ecm_status ecm_io_sha256_file(const char *path, char hex[65]);

/* Non-zero when a and b name the same existing file (same device and inode, following
 * symbolic links); 0 when either is NULL or does not exist. */
int ecm_io_same_file(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
