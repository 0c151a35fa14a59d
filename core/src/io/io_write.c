/* Writing ImageJ-compatible TIFF stacks and maps.
 *
 * The file is laid out exactly as ImageJ 1.x writes its own stacks, because ImageJ reads an
 * "images=N" stack from the first IFD alone and expects the N frames to follow each other:
 *
 *   header | IFD 0 | IFD 0 values (description, resolution, IJMetadata) | frame 0 .. frame N-1
 *   | IFD 1 .. IFD N-1 (each pointing into the contiguous frame data)
 *
 * Every frame is one uncompressed strip, little-endian. All offsets are known before the
 * first byte is written, so the file is streamed once into a temporary file that is renamed
 * into place at the end (see io_file.c). libtiff is not used here: it cannot produce this
 * layout. */
#define _FILE_OFFSET_BITS 64

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

#define ECM__IJ_VERSION "1.53t"

enum {
  ECM__T_BYTE = 1,
  ECM__T_ASCII = 2,
  ECM__T_SHORT = 3,
  ECM__T_LONG = 4,
  ECM__T_RATIONAL = 5,
  ECM__T_LONG8 = 16
};

ecm_write_opts ecm_write_default_opts(void) {
  ecm_write_opts o;
  memset(&o, 0, sizeof o);
  o.pixel_type = ECM_PIXEL_F32;
  o.overwrite = 0;
  o.provenance = NULL;
  o.protect_path = NULL;
  o.display_min = o.display_max = 0.0;
  return o;
}

/* ---- little-endian encoding ---- */

static void ecm__le(unsigned char *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static int ecm__host_le(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* ---- IFD entries ---- */

typedef struct ecm__ent {
  uint16_t tag, type;
  uint64_t count;
  const unsigned char *data; /* little-endian value bytes */
  size_t size;
  uint64_t offset;        /* where data lives when it does not fit in the entry */
  unsigned char small[8]; /* storage for short values */
} ecm__ent;

typedef struct ecm__ifd {
  ecm__ent e[24];
  size_t n;
} ecm__ifd;

static ecm__ent *ecm__ifd_add(ecm__ifd *f, uint16_t tag, uint16_t type, uint64_t count) {
  ecm__ent *e = &f->e[f->n++];
  memset(e, 0, sizeof *e);
  e->tag = tag;
  e->type = type;
  e->count = count;
  return e;
}

static void ecm__ifd_short(ecm__ifd *f, uint16_t tag, uint16_t v) {
  ecm__ent *e = ecm__ifd_add(f, tag, ECM__T_SHORT, 1);
  ecm__le(e->small, v, 2);
  e->data = e->small;
  e->size = 2;
}

static void ecm__ifd_long(ecm__ifd *f, uint16_t tag, uint32_t v) {
  ecm__ent *e = ecm__ifd_add(f, tag, ECM__T_LONG, 1);
  ecm__le(e->small, v, 4);
  e->data = e->small;
  e->size = 4;
}

/* An offset or byte count: LONG in classic TIFF, LONG8 in BigTIFF. */
static void ecm__ifd_off(ecm__ifd *f, uint16_t tag, uint64_t v, int big) {
  ecm__ent *e = ecm__ifd_add(f, tag, big ? ECM__T_LONG8 : ECM__T_LONG, 1);
  ecm__le(e->small, v, big ? 8 : 4);
  e->data = e->small;
  e->size = big ? 8 : 4;
}

static ecm__ent *ecm__ifd_rational(ecm__ifd *f, uint16_t tag, double x) {
  uint32_t num, den;
  ecm__io_rational(x, &num, &den);
  ecm__ent *e = ecm__ifd_add(f, tag, ECM__T_RATIONAL, 1);
  ecm__le(e->small, num, 4);
  ecm__le(e->small + 4, den, 4);
  e->data = e->small;
  e->size = 8;
  return e;
}

static void ecm__ifd_blob(ecm__ifd *f, uint16_t tag, uint16_t type, uint64_t count,
                          const void *data, size_t size) {
  ecm__ent *e = ecm__ifd_add(f, tag, type, count);
  e->data = data;
  e->size = size;
}

static size_t ecm__ifd_bytes(size_t n, int big) {
  return big ? 8 + 20 * n + 8 : 2 + 12 * n + 4;
}

static uint64_t ecm__align(uint64_t x, uint64_t a) {
  return (x + a - 1) / a * a;
}

/* Give every value that does not fit in its entry an offset from *cursor on (unless it has
 * one already: values shared with IFD 0). */
static void ecm__ifd_place(ecm__ifd *f, int big, uint64_t *cursor) {
  size_t cap = big ? 8 : 4;
  for (size_t i = 0; i < f->n; i++) {
    ecm__ent *e = &f->e[i];
    if (e->size <= cap || e->offset) continue;
    e->offset = *cursor;
    *cursor = ecm__align(*cursor + e->size, 2);
  }
}

/* Serialise an IFD into out (ecm__ifd_bytes long). */
static void ecm__ifd_emit(const ecm__ifd *f, int big, uint64_t next, unsigned char *out) {
  size_t cap = big ? 8 : 4, pos = 0;
  ecm__le(out, f->n, big ? 8 : 2);
  pos = big ? 8 : 2;
  for (size_t i = 0; i < f->n; i++) {
    const ecm__ent *e = &f->e[i];
    unsigned char *q = out + pos;
    memset(q, 0, big ? 20 : 12);
    ecm__le(q, e->tag, 2);
    ecm__le(q + 2, e->type, 2);
    ecm__le(q + 4, e->count, big ? 8 : 4);
    unsigned char *v = q + (big ? 12 : 8);
    if (e->size <= cap)
      memcpy(v, e->data, e->size);
    else
      ecm__le(v, e->offset, big ? 8 : 4);
    pos += big ? 20 : 12;
  }
  ecm__le(out + pos, next, big ? 8 : 4);
}

/* Copy the out-of-entry values of an IFD into `area`, which starts at file offset `base`. */
static void ecm__ifd_values(const ecm__ifd *f, int big, unsigned char *area, uint64_t base) {
  size_t cap = big ? 8 : 4;
  for (size_t i = 0; i < f->n; i++) {
    const ecm__ent *e = &f->e[i];
    if (e->size > cap && e->offset >= base) memcpy(area + (e->offset - base), e->data, e->size);
  }
}

/* ---- text ---- */

static int ecm__time_calibrated(const ecm_calib *c) {
  return c->frame_interval > 0 && isfinite(c->frame_interval) && c->time_unit[0] &&
         strcmp(c->time_unit, "frame") != 0 && strcmp(c->time_unit, "frames") != 0;
}

/* JSON made printable ASCII for ImageJ's Info property: non-ASCII and control characters
 * inside strings become \uXXXX escapes (same JSON value), line breaks outside strings spaces. */
static void ecm__json_ascii(ecm__strbuf *sb, const char *s) {
  int in_str = 0, esc = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    unsigned long cp = *p;
    size_t n = 1;
    if (cp >= 0x80) { /* decode UTF-8; invalid bytes are taken as Latin-1 */
      int len = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 1;
      unsigned long v = cp & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
      int ok = len > 1;
      for (int i = 1; ok && i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
          ok = 0;
        else
          v = (v << 6) | (p[i] & 0x3F);
      }
      if (ok && !(v >= 0xD800 && v <= 0xDFFF) && v <= 0x10FFFF) {
        cp = v;
        n = (size_t)len;
      }
    }
    p += n;
    if (cp >= 0x20 && cp < 0x7F) {
      char c = (char)cp;
      ecm__sb_append(sb, &c, 1);
      if (in_str) {
        if (esc)
          esc = 0;
        else if (c == '\\')
          esc = 1;
        else if (c == '"')
          in_str = 0;
      } else if (c == '"') {
        in_str = 1;
      }
      continue;
    }
    esc = 0;
    if (!in_str) {
      ecm__sb_append(sb, " ", 1);
    } else if (cp < 0x10000) {
      ecm__sb_printf(sb, "\\u%04lx", cp);
    } else {
      unsigned long u = cp - 0x10000;
      ecm__sb_printf(sb, "\\u%04lx\\u%04lx", 0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF));
    }
  }
}

static void ecm__desc_num(ecm__strbuf *sb, const char *key, double v) {
  char num[40];
  ecm__io_fmt_double(num, sizeof num, v);
  ecm__sb_printf(sb, "%s=%s\n", key, num);
}

/* The ImageJ description: what ImageJ 1.x itself writes for a 1-channel time series. */
static void ecm__build_description(ecm__strbuf *sb, const ecm_view *v, double vmin, double vmax,
                                   const char *provenance) {
  const ecm_calib *c = &v->calib;
  ecm__sb_puts(sb, "ImageJ=" ECM__IJ_VERSION "\n");
  if (v->nt > 1) ecm__sb_printf(sb, "images=%zu\nframes=%zu\n", v->nt, v->nt);
  if (ecm_calib_has_space(c)) {
    char u[ECM_UNIT_CAP];
    if (ecm__io_norm_space_unit(c->space_unit, u)) {
      ecm__sb_puts(sb, "unit=");
      ecm__io_prop_escape(sb, u);
      ecm__sb_puts(sb, "\n");
    }
  }
  if (ecm__time_calibrated(c)) {
    char u[ECM_UNIT_CAP];
    ecm__desc_num(sb, "finterval", c->frame_interval);
    if (!ecm__io_norm_time_unit(c->time_unit, u)) snprintf(u, sizeof u, "s");
    ecm__sb_puts(sb, "tunit=");
    ecm__io_prop_escape(sb, strcmp(u, "s") == 0 ? "sec" : u); /* ImageJ's spelling */
    ecm__sb_puts(sb, "\n");
  }
  if (v->nt > 1) ecm__sb_puts(sb, "loop=false\n");
  ecm__desc_num(sb, "min", vmin);
  ecm__desc_num(sb, "max", vmax);
  if (provenance) {
    ecm__sb_puts(sb, "ecm_provenance=");
    ecm__io_prop_escape(sb, provenance);
    ecm__sb_puts(sb, "\n");
  }
}

/* ---- pixel conversion ---- */

static inline double ecm__clamp_round(float x, double hi) {
  if (!(x > 0.0f)) return 0.0; /* also NaN */
  double r = floor((double)x + 0.5);
  return r > hi ? hi : r;
}

static void ecm__frame_out(const ecm_view *v, size_t t, ecm_pixel_type type, unsigned char *out,
                           int host_le) {
  size_t ny = v->ny, nx = v->nx;
  for (size_t y = 0; y < ny; y++) {
    const float *row = v->data + (ptrdiff_t)t * v->st + (ptrdiff_t)y * v->sy;
    if (type == ECM_PIXEL_F32) {
      unsigned char *q = out + y * nx * 4;
      if (v->sx == 1 && host_le) {
        memcpy(q, row, nx * 4);
      } else {
        for (size_t x = 0; x < nx; x++) {
          uint32_t b;
          float f = row[(ptrdiff_t)x * v->sx];
          memcpy(&b, &f, 4);
          ecm__le(q + 4 * x, b, 4);
        }
      }
    } else if (type == ECM_PIXEL_U16) {
      unsigned char *q = out + y * nx * 2;
      for (size_t x = 0; x < nx; x++) {
        uint16_t b = (uint16_t)ecm__clamp_round(row[(ptrdiff_t)x * v->sx], 65535.0);
        q[2 * x] = (unsigned char)b;
        q[2 * x + 1] = (unsigned char)(b >> 8);
      }
    } else {
      unsigned char *q = out + y * nx;
      for (size_t x = 0; x < nx; x++)
        q[x] = (unsigned char)ecm__clamp_round(row[(ptrdiff_t)x * v->sx], 255.0);
    }
  }
}

/* Display range from the data (finite values, after the conversion to the output type). */
static void ecm__data_range(const ecm_view *v, ecm_pixel_type type, double *lo, double *hi) {
  double mn = INFINITY, mx = -INFINITY;
  for (size_t t = 0; t < v->nt; t++)
    for (size_t y = 0; y < v->ny; y++) {
      const float *row = v->data + (ptrdiff_t)t * v->st + (ptrdiff_t)y * v->sy;
      for (size_t x = 0; x < v->nx; x++) {
        float f = row[(ptrdiff_t)x * v->sx];
        if (!isfinite(f)) continue;
        if (f < mn) mn = f;
        if (f > mx) mx = f;
      }
    }
  if (!(mn <= mx)) mn = mx = 0.0;
  if (type == ECM_PIXEL_U16) {
    mn = ecm__clamp_round((float)mn, 65535.0);
    mx = ecm__clamp_round((float)mx, 65535.0);
  } else if (type == ECM_PIXEL_U8) {
    mn = ecm__clamp_round((float)mn, 255.0);
    mx = ecm__clamp_round((float)mx, 255.0);
  }
  if (mx <= mn) mx = mn + 1.0;
  *lo = mn;
  *hi = mx;
}

/* ---- the writer ---- */

/* Build IFD 0 (with_first = 1) or a later IFD for a frame whose data starts at `strip`. */
static void ecm__build_ifd(ecm__ifd *f, const ecm_view *v, int bits, int fmt, int big,
                           uint64_t strip, uint64_t frame_bytes, int with_first,
                           const ecm__strbuf *desc, const ecm__strbuf *meta,
                           const unsigned char *meta_counts_le, const ecm__ifd *first) {
  f->n = 0;
  const ecm_calib *c = &v->calib;
  int space = ecm_calib_has_space(c);
  ecm__ifd_long(f, 254, 0);               /* NewSubfileType */
  ecm__ifd_long(f, 256, (uint32_t)v->nx); /* ImageWidth */
  ecm__ifd_long(f, 257, (uint32_t)v->ny); /* ImageLength */
  ecm__ifd_short(f, 258, (uint16_t)bits); /* BitsPerSample */
  ecm__ifd_short(f, 259, 1);              /* Compression: none */
  ecm__ifd_short(f, 262, 1);              /* Photometric: BlackIsZero */
  if (with_first)                         /* ImageDescription, NUL included */
    ecm__ifd_blob(f, 270, ECM__T_ASCII, desc->len + 1, ecm__sb_str(desc), desc->len + 1);
  ecm__ifd_off(f, 273, strip, big);       /* StripOffsets */
  ecm__ifd_short(f, 277, 1);              /* SamplesPerPixel */
  ecm__ifd_long(f, 278, (uint32_t)v->ny); /* RowsPerStrip: one strip per frame */
  ecm__ifd_off(f, 279, frame_bytes, big); /* StripByteCounts */
  if (space) {
    ecm__ent *xr = ecm__ifd_rational(f, 282, 1.0 / c->pixel_width);  /* XResolution */
    ecm__ent *yr = ecm__ifd_rational(f, 283, 1.0 / c->pixel_height); /* YResolution */
    if (first) { /* share IFD 0's stored rationals */
      for (size_t i = 0; i < first->n; i++) {
        if (first->e[i].tag == 282) xr->offset = first->e[i].offset;
        if (first->e[i].tag == 283) yr->offset = first->e[i].offset;
      }
    }
    ecm__ifd_short(f, 296, 1); /* ResolutionUnit: none (the unit is in the description) */
  }
  ecm__ifd_short(f, 339, (uint16_t)fmt); /* SampleFormat */
  if (with_first && meta && meta->len) {
    ecm__ifd_blob(f, ECM__IJ_TAG_META_COUNTS, ECM__T_LONG, 2, meta_counts_le, 8);
    ecm__ifd_blob(f, ECM__IJ_TAG_META, ECM__T_BYTE, meta->len, ecm__sb_str(meta), meta->len);
  }
}

ecm_status ecm__io_write_stack_ex(const char *path, const ecm_view *v, const ecm_write_opts *opts,
                                  const ecm_run *run, int force_bigtiff, int *bigtiff_written) {
  if (bigtiff_written) *bigtiff_written = 0;
  if (!path || !v || !v->data)
    return ecm__status_set(ECM_EINVAL, "ecm_io_write_stack: NULL argument");
  ecm_write_opts o = opts ? *opts : ecm_write_default_opts();
  if (v->nt == 0 || v->ny == 0 || v->nx == 0)
    return ecm__status_set(ECM_EINVAL, "%s: cannot write an empty %zu x %zu x %zu stack", path,
                           v->nt, v->ny, v->nx);
  if (v->nt > ECM_MAX_DIM || v->ny > ECM_MAX_DIM || v->nx > ECM_MAX_DIM)
    return ecm__status_set(ECM_EOVERFLOW, "%s: %zu x %zu x %zu exceeds the limit %zu", path, v->nt,
                           v->ny, v->nx, (size_t)ECM_MAX_DIM);
  int bits, fmt;
  switch (o.pixel_type) {
    case ECM_PIXEL_F32:
      bits = 32, fmt = 3;
      break;
    case ECM_PIXEL_U16:
      bits = 16, fmt = 1;
      break;
    case ECM_PIXEL_U8:
      bits = 8, fmt = 1;
      break;
    default:
      return ecm__status_set(ECM_EINVAL, "%s: unknown pixel type %d", path, (int)o.pixel_type);
  }
  double vmin = o.display_min, vmax = o.display_max;
  if (!isfinite(vmin) || !isfinite(vmax) || ((vmin != 0 || vmax != 0) && !(vmin < vmax)))
    return ecm__status_set(ECM_EINVAL, "%s: display range [%g, %g] is not an interval", path, vmin,
                           vmax);
  if (ecm_calib_has_space(&v->calib) &&
      (!isfinite(v->calib.pixel_width) || !isfinite(v->calib.pixel_height)))
    return ecm__status_set(ECM_EINVAL, "%s: pixel size is not finite", path);
  size_t frame_bytes;
  ECM__TRY(ecm_size_mul3(v->ny, v->nx, (size_t)bits / 8, &frame_bytes));
  uint64_t data_bytes = (uint64_t)frame_bytes * v->nt; /* checked just below */
  if (frame_bytes != 0 && data_bytes / frame_bytes != v->nt)
    return ecm__status_set(ECM_EOVERFLOW, "%s: %zu frames of %zu bytes overflow", path, v->nt,
                           frame_bytes);
  ECM__TRY(ecm__run_reserve(run, frame_bytes, "writing a frame"));
  ECM__TRY(ecm__run_report(run, 0.0, "writing"));
  if (vmin == 0 && vmax == 0) ecm__data_range(v, o.pixel_type, &vmin, &vmax);

  /* Text and metadata. */
  ecm__strbuf desc, meta, info;
  ecm__sb_init(&desc);
  ecm__sb_init(&meta);
  ecm__sb_init(&info);
  uint32_t counts[2] = {0, 0};
  unsigned char counts_le[8];
  ecm__build_description(&desc, v, vmin, vmax, o.provenance);
  if (o.provenance) {
    ecm__sb_puts(&info, "ecm_provenance=");
    ecm__json_ascii(&info, o.provenance);
    ecm__sb_puts(&info, "\n");
    if (!info.failed) ecm__io_ij_meta_build(&meta, counts, ecm__sb_str(&info), 0);
    ecm__le(counts_le, counts[0], 4);
    ecm__le(counts_le + 4, counts[1], 4);
  }
  ecm_status st = ECM_OK;
  unsigned char *head = NULL, *frame = NULL, *tail = NULL;
  ecm__io_atomic a = {.fd = -1};
  if (desc.failed || meta.failed || info.failed || desc.len >= UINT32_MAX ||
      meta.len >= UINT32_MAX) {
    st = ecm__status_set(ECM_ENOMEM, "%s: cannot build the image description", path);
    goto done;
  }

  /* Layout: classic TIFF unless the file reaches 4 GB. */
  int big = force_bigtiff ? 1 : 0;
  ecm__ifd f0, f1;
  uint64_t data_off = 0, tail_off = 0, ifd1_bytes = 0, total = 0;
  for (int pass = 0; pass < 2; pass++) {
    uint64_t hdr = big ? 16 : 8;
    ecm__build_ifd(&f0, v, bits, fmt, big, 0, frame_bytes, 1, &desc, &meta, counts_le, NULL);
    uint64_t cursor = hdr + ecm__ifd_bytes(f0.n, big);
    ecm__ifd_place(&f0, big, &cursor);
    data_off = ecm__align(cursor, 16);
    tail_off = ecm__align(data_off + data_bytes, 8);
    ecm__build_ifd(&f1, v, bits, fmt, big, 0, frame_bytes, 0, NULL, NULL, NULL, &f0);
    ifd1_bytes = ecm__ifd_bytes(f1.n, big);
    total = tail_off + (uint64_t)(v->nt - 1) * ifd1_bytes;
    if (big || total <= UINT32_MAX) break;
    big = 1;
  }
  /* Now with the real strip offset of frame 0. */
  ecm__build_ifd(&f0, v, bits, fmt, big, data_off, frame_bytes, 1, &desc, &meta, counts_le, NULL);
  {
    uint64_t cursor = (big ? 16 : 8) + ecm__ifd_bytes(f0.n, big);
    ecm__ifd_place(&f0, big, &cursor);
  }

  size_t head_len = (size_t)data_off;
  head = calloc(1, head_len);
  frame = malloc(frame_bytes);
  size_t tail_chunk = 256;
  tail = malloc(tail_chunk * (size_t)ifd1_bytes);
  if (!head || !frame || !tail) {
    st = ecm__status_set(ECM_ENOMEM, "%s: cannot allocate write buffers", path);
    goto done;
  }
  if (big) {
    memcpy(head, "II", 2);
    ecm__le(head + 2, 43, 2);
    ecm__le(head + 4, 8, 2);
    ecm__le(head + 6, 0, 2);
    ecm__le(head + 8, 16, 8);
  } else {
    memcpy(head, "II", 2);
    ecm__le(head + 2, 42, 2);
    ecm__le(head + 4, 8, 4);
  }
  uint64_t ifd0_at = big ? 16 : 8;
  ecm__ifd_emit(&f0, big, v->nt > 1 ? tail_off : 0, head + ifd0_at);
  ecm__ifd_values(&f0, big, head, 0);

  st = ecm__io_atomic_begin(&a, path, o.overwrite, o.protect_path);
  if (st != ECM_OK) goto done;
  st = ecm__io_atomic_write(&a, head, head_len);
  int host_le = ecm__host_le();
  for (size_t t = 0; st == ECM_OK && t < v->nt; t++) {
    ecm__frame_out(v, t, o.pixel_type, frame, host_le);
    st = ecm__io_atomic_write(&a, frame, frame_bytes);
    if (st == ECM_OK) st = ecm__run_report(run, 0.98 * (double)(t + 1) / (double)v->nt, "writing");
  }
  if (st == ECM_OK && tail_off > data_off + data_bytes) {
    static const unsigned char zeros[8] = {0};
    st = ecm__io_atomic_write(&a, zeros, (size_t)(tail_off - data_off - data_bytes));
  }
  for (size_t k = 1; st == ECM_OK && k < v->nt;) {
    size_t m = 0;
    for (; m < tail_chunk && k < v->nt; m++, k++) {
      uint64_t at = tail_off + (uint64_t)(k - 1) * ifd1_bytes;
      uint64_t next = k + 1 < v->nt ? at + ifd1_bytes : 0;
      ecm__build_ifd(&f1, v, bits, fmt, big, data_off + (uint64_t)k * frame_bytes, frame_bytes, 0,
                     NULL, NULL, NULL, &f0);
      ecm__ifd_emit(&f1, big, next, tail + m * ifd1_bytes);
    }
    st = ecm__io_atomic_write(&a, tail, m * (size_t)ifd1_bytes);
  }
  if (st == ECM_OK) st = ecm__run_report(run, 1.0, "writing");
  if (st == ECM_OK) {
    st = ecm__io_atomic_commit(&a);
    if (st == ECM_OK && bigtiff_written) *bigtiff_written = big;
  }
done:
  if (st != ECM_OK) ecm__io_atomic_abort(&a);
  free(head);
  free(frame);
  free(tail);
  ecm__sb_free(&desc);
  ecm__sb_free(&meta);
  ecm__sb_free(&info);
  return st;
}

ecm_status ecm_io_write_stack(const char *path, const ecm_view *v, const ecm_write_opts *opts,
                              const ecm_run *run, int *bigtiff_written) {
  return ecm__io_write_stack_ex(path, v, opts, run, 0, bigtiff_written);
}
