/* Reading TIFF stacks through libtiff: probing, validation, strips/tiles/ImageJ contiguous
 * data, conversion to float, ImageJ calibration and the provenance read-back.
 * libtiff reads through our own client procedures (a file descriptor or a memory buffer),
 * with its messages routed per handle into our detail message. */
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tiffio.h>

#include "io/io_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

/* libtiff's largest single allocation when the run sets no memory budget. */
#define ECM__TIFF_MAX_ALLOC ((tmsize_t)1 << 30)

/* ---- the byte source behind a TIFF handle ---- */

typedef struct ecm__src {
  int fd;                   /* -1 for a memory source */
  const unsigned char *mem; /* memory source, or NULL */
  uint64_t size, pos;
  const char *name;
  char err[512];  /* first libtiff error since the last clear */
  char warn[256]; /* last libtiff warning */
} ecm__src;

static void ecm__src_clear(ecm__src *s) {
  s->err[0] = '\0';
  s->warn[0] = '\0';
}

/* What libtiff said, for a detail message. */
static const char *ecm__src_why(const ecm__src *s, const char *fallback) {
  if (s->err[0]) return s->err;
  if (s->warn[0]) return s->warn;
  return fallback;
}

static tmsize_t ecm__src_read(thandle_t h, void *buf, tmsize_t n) {
  ecm__src *s = h;
  if (n <= 0 || s->pos >= s->size) return 0;
  uint64_t avail = s->size - s->pos;
  size_t want = (uint64_t)n < avail ? (size_t)n : (size_t)avail;
  if (s->mem) {
    memcpy(buf, s->mem + s->pos, want);
    s->pos += want;
    return (tmsize_t)want;
  }
  size_t done = 0;
  while (done < want) {
    ssize_t r = pread(s->fd, (char *)buf + done, want - done, (off_t)(s->pos + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      if (done == 0) return -1;
      break;
    }
    if (r == 0) break;
    done += (size_t)r;
  }
  s->pos += done;
  return (tmsize_t)done;
}

static tmsize_t ecm__src_write(thandle_t h, void *buf, tmsize_t n) {
  (void)h;
  (void)buf;
  (void)n;
  return -1; /* inputs are never written */
}

static toff_t ecm__src_seek(thandle_t h, toff_t off, int whence) {
  ecm__src *s = h;
  uint64_t base;
  switch (whence) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = s->pos;
      break;
    case SEEK_END:
      base = s->size;
      break;
    default:
      return (toff_t)-1;
  }
  s->pos = base + (uint64_t)off; /* modular: SEEK_CUR/END with a "negative" offset wraps */
  return (toff_t)s->pos;
}

static int ecm__src_close(thandle_t h) {
  (void)h;
  return 0;
}

static toff_t ecm__src_size(thandle_t h) {
  return (toff_t)((ecm__src *)h)->size;
}

static int ecm__src_map(thandle_t h, void **base, toff_t *size) {
  (void)h;
  (void)base;
  (void)size;
  return 0;
}

static void ecm__src_unmap(thandle_t h, void *base, toff_t size) {
  (void)h;
  (void)base;
  (void)size;
}

static int ecm__tiff_on_error(TIFF *tif, void *user, const char *module, const char *fmt,
                              va_list ap) {
  (void)tif;
  ecm__src *s = user;
  if (!s || s->err[0]) return 1; /* keep the first error: later ones are consequences */
  char msg[400];
  vsnprintf(msg, sizeof msg, fmt, ap);
  /* libtiff often starts with the file name, which our detail already carries. */
  size_t nl = strlen(s->name);
  const char *m = msg;
  if (strncmp(msg, s->name, nl) == 0 && msg[nl] == ':' && msg[nl + 1] == ' ') m = msg + nl + 2;
  if (module && *module && strcmp(module, s->name) != 0)
    snprintf(s->err, sizeof s->err, "%s: %s", module, m);
  else
    snprintf(s->err, sizeof s->err, "%s", m);
  return 1; /* handled: libtiff must not print */
}

static int ecm__tiff_on_warning(TIFF *tif, void *user, const char *module, const char *fmt,
                                va_list ap) {
  (void)tif;
  (void)module;
  ecm__src *s = user;
  if (s) vsnprintf(s->warn, sizeof s->warn, fmt, ap);
  return 1;
}

/* Read n bytes at off straight from the source (ImageJ contiguous data). */
static ecm_status ecm__src_pread(ecm__src *s, void *buf, size_t n, uint64_t off) {
  char eb[128];
  if (off > s->size || n > s->size - off)
    return ecm__status_set(ECM_EFORMAT, "truncated: %zu bytes at offset %llu, file has %llu", n,
                           (unsigned long long)off, (unsigned long long)s->size);
  if (s->mem) {
    memcpy(buf, s->mem + off, n);
    return ECM_OK;
  }
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(s->fd, (char *)buf + done, n - done, (off_t)(off + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0)
      return ecm__status_set(ECM_EIO, "read error at offset %llu: %s",
                             (unsigned long long)(off + done),
                             ecm__io_errstr(errno, eb, sizeof eb));
    if (r == 0)
      return ecm__status_set(ECM_EFORMAT, "truncated: the file ended at offset %llu",
                             (unsigned long long)(off + done));
    done += (size_t)r;
  }
  return ECM_OK;
}

/* Open a file as a source: read-only, refusing directories and devices. */
static ecm_status ecm__src_open_file(ecm__src *s, const char *path) {
  char eb[128];
  memset(s, 0, sizeof *s);
  s->fd = -1;
  s->name = path;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return ecm__status_set(ECM_EIO, "cannot open: %s", ecm__io_errstr(errno, eb, sizeof eb));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return ecm__status_set(ECM_EIO, "cannot stat: %s", ecm__io_errstr(err, eb, sizeof eb));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return ecm__status_set(ECM_EIO, "not a regular file");
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* frames are read in file order */
  s->fd = fd;
  s->size = (uint64_t)st.st_size;
  return ECM_OK;
}

static void ecm__src_open_memory(ecm__src *s, const void *data, size_t len, const char *name) {
  memset(s, 0, sizeof *s);
  s->fd = -1;
  s->mem = data ? data : (const unsigned char *)"";
  s->size = data ? len : 0;
  s->name = name ? name : "<memory>";
}

static void ecm__src_close_file(ecm__src *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
}

static uint64_t ecm__get_uint(const unsigned char *p, int n, int le) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)p[le ? i : n - 1 - i] << (8 * i);
  return v;
}

/* Look at the first IFD before libtiff does: an IFD without entries and absurd dimensions
 * get a clear message (libtiff reports the latter as "zero number of strips"). Entries the
 * file does not hold are left to libtiff's own checks. */
static ecm_status ecm__check_first_ifd(ecm__src *s, int le, int big, uint64_t ifd) {
  unsigned char e[20];
  int cn = big ? 8 : 2, esz = big ? 20 : 12;
  if (s->size - ifd < (uint64_t)cn) return ECM_OK;
  ECM__TRY(ecm__src_pread(s, e, (size_t)cn, ifd));
  uint64_t n = ecm__get_uint(e, cn, le);
  if (n == 0) return ecm__status_set(ECM_EFORMAT, "the first IFD has no entries (no image)");
  uint64_t w = 0, h = 0;
  for (uint64_t i = 0; i < n && i < 4096; i++) {
    uint64_t at = ifd + (uint64_t)cn + i * (uint64_t)esz;
    if (at > s->size || s->size - at < (uint64_t)esz) break;
    ECM__TRY(ecm__src_pread(s, e, (size_t)esz, at));
    unsigned tag = (unsigned)ecm__get_uint(e, 2, le), type = (unsigned)ecm__get_uint(e + 2, 2, le);
    uint64_t count = ecm__get_uint(e + 4, big ? 8 : 4, le);
    const unsigned char *val = e + (big ? 12 : 8);
    if ((tag != 256 && tag != 257) || count != 1) continue;
    uint64_t v = type == 3    ? ecm__get_uint(val, 2, le)
                 : type == 4  ? ecm__get_uint(val, 4, le)
                 : type == 16 ? ecm__get_uint(val, 8, le)
                              : 0;
    if (tag == 256)
      w = v;
    else
      h = v;
  }
  if (w > ECM_MAX_DIM || h > ECM_MAX_DIM)
    return ecm__status_set(ECM_EOVERFLOW, "%llux%llu pixels exceed the limit of %zu per side",
                           (unsigned long long)w, (unsigned long long)h, (size_t)ECM_MAX_DIM);
  return ECM_OK;
}

/* Check the header ourselves first: clearer messages than libtiff's, and an IFD-less file
 * is "no data", not "malformed". */
static ecm_status ecm__check_header(ecm__src *s) {
  unsigned char h[16];
  if (s->size == 0) return ecm__status_set(ECM_EFORMAT, "empty file (0 bytes)");
  size_t n = s->size < sizeof h ? (size_t)s->size : sizeof h;
  ECM__TRY(ecm__src_pread(s, h, n, 0));
  int le = n >= 2 && h[0] == 'I' && h[1] == 'I', be = n >= 2 && h[0] == 'M' && h[1] == 'M';
  if (!le && !be) {
    if (n >= 4)
      return ecm__status_set(ECM_EFORMAT, "not a TIFF file (starts with bytes %02x %02x %02x %02x)",
                             h[0], h[1], h[2], h[3]);
    return ecm__status_set(ECM_EFORMAT, "not a TIFF file (%zu bytes)", n);
  }
  if (n < 8) return ecm__status_set(ECM_EFORMAT, "truncated: %zu bytes is no TIFF header", n);
  unsigned version = le ? (unsigned)h[2] | (unsigned)h[3] << 8 : (unsigned)h[2] << 8 | h[3];
  uint64_t ifd = 0;
  if (version == 42) {
    for (int i = 0; i < 4; i++) ifd |= (uint64_t)h[le ? 4 + i : 7 - i] << (8 * i);
  } else if (version == 43) {
    if (n < 16) return ecm__status_set(ECM_EFORMAT, "truncated: %zu bytes is no BigTIFF header", n);
    for (int i = 0; i < 8; i++) ifd |= (uint64_t)h[le ? 8 + i : 15 - i] << (8 * i);
  } else {
    return ecm__status_set(ECM_EFORMAT, "not a TIFF file (version %u, expected 42 or 43)", version);
  }
  if (ifd == 0) return ecm__status_set(ECM_ENODATA, "no image: the TIFF has no IFD");
  if (ifd >= s->size)
    return ecm__status_set(ECM_EFORMAT, "truncated: first IFD at offset %llu, file has %llu bytes",
                           (unsigned long long)ifd, (unsigned long long)s->size);
  return ecm__check_first_ifd(s, le, version == 43, ifd);
}

static ecm_status ecm__tiff_open(ecm__src *s, const ecm_run *run, TIFF **out) {
  *out = NULL;
  ECM__TRY(ecm__check_header(s));
  TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
  if (!o) return ecm__status_set(ECM_ENOMEM, "cannot allocate libtiff options");
  TIFFOpenOptionsSetErrorHandlerExtR(o, ecm__tiff_on_error, s);
  TIFFOpenOptionsSetWarningHandlerExtR(o, ecm__tiff_on_warning, s);
  tmsize_t cap = ECM__TIFF_MAX_ALLOC;
  if (run && run->memory_budget && run->memory_budget < (size_t)cap)
    cap = (tmsize_t)run->memory_budget;
  TIFFOpenOptionsSetMaxSingleMemAlloc(o, cap);
  ecm__src_clear(s);
  s->pos = 0;
  TIFF *t =
      TIFFClientOpenExt(s->name, "rm", (thandle_t)s, ecm__src_read, ecm__src_write, ecm__src_seek,
                        ecm__src_close, ecm__src_size, ecm__src_map, ecm__src_unmap, o);
  TIFFOpenOptionsFree(o);
  if (!t)
    return ecm__status_set(ECM_EFORMAT, "not a readable TIFF: %s",
                           ecm__src_why(s, "libtiff rejected the header or first IFD"));
  *out = t;
  return ECM_OK;
}

/* ---- pages ---- */

typedef struct ecm__page {
  uint32_t w, h;
  uint16_t bps, spp, fmt, photo, comp;
  int has_photo, tiled;
  uint32_t tw, th, rps;
} ecm__page;

static void ecm__page_get(TIFF *t, ecm__page *p) {
  memset(p, 0, sizeof *p);
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &p->w);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &p->h);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &p->bps);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &p->spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &p->fmt);
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &p->comp);
  p->has_photo = TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &p->photo);
  p->tiled = TIFFIsTiled(t);
  if (p->tiled) {
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &p->tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &p->th);
  } else {
    TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &p->rps);
    if (p->rps == 0 || p->rps > p->h) p->rps = p->h;
  }
}

static const char *ecm__kind_name(uint16_t fmt) {
  switch (fmt) {
    case SAMPLEFORMAT_INT:
      return "signed integer";
    case SAMPLEFORMAT_IEEEFP:
      return "float";
    default:
      return "unsigned integer";
  }
}

/* Can we read this page at all? `k` is the 1-based page number for messages. */
static ecm_status ecm__page_check(const ecm__page *p, size_t k) {
  if (p->w == 0 || p->h == 0)
    return ecm__status_set(ECM_EFORMAT, "frame %zu has no pixels (%ux%u)", k, p->w, p->h);
  if (p->w > ECM_MAX_DIM || p->h > ECM_MAX_DIM)
    return ecm__status_set(ECM_EOVERFLOW,
                           "frame %zu: %ux%u pixels exceed the limit of %zu per side", k, p->w,
                           p->h, (size_t)ECM_MAX_DIM);
  if (p->has_photo && p->photo == PHOTOMETRIC_PALETTE)
    return ecm__status_set(ECM_EUNSUPPORTED,
                           "frame %zu: palette (indexed-colour) image: convert it to 8-bit "
                           "grayscale first (ImageJ: Image>Type>8-bit)",
                           k);
  if (p->spp != 1) {
    if (p->has_photo && (p->photo == PHOTOMETRIC_RGB || p->photo == PHOTOMETRIC_YCBCR))
      return ecm__status_set(ECM_EUNSUPPORTED,
                             "frame %zu: RGB colour image (%u samples per pixel): convert it to "
                             "8-, 16- or 32-bit grayscale first (ImageJ: Image>Type)",
                             k, p->spp);
    return ecm__status_set(ECM_EUNSUPPORTED,
                           "frame %zu: %u samples per pixel: only single-channel grayscale is "
                           "read (ImageJ: Image>Color>Split Channels)",
                           k, p->spp);
  }
  if (p->has_photo && p->photo != PHOTOMETRIC_MINISBLACK && p->photo != PHOTOMETRIC_MINISWHITE)
    return ecm__status_set(
        ECM_EUNSUPPORTED, "frame %zu: photometric interpretation %u is not grayscale", k, p->photo);
  if (p->fmt == SAMPLEFORMAT_COMPLEXINT || p->fmt == SAMPLEFORMAT_COMPLEXIEEEFP)
    return ecm__status_set(ECM_EUNSUPPORTED, "frame %zu: complex samples (%u-bit) are not read", k,
                           p->bps);
  if (p->fmt == SAMPLEFORMAT_IEEEFP) {
    if (p->bps == 64)
      return ecm__status_set(ECM_EUNSUPPORTED,
                             "frame %zu: 64-bit float samples: convert to 32-bit first (ImageJ: "
                             "Image>Type>32-bit)",
                             k);
    if (p->bps != 32)
      return ecm__status_set(ECM_EUNSUPPORTED,
                             "frame %zu: %u-bit float samples (only 32-bit float is read)", k,
                             p->bps);
  } else if (p->fmt == SAMPLEFORMAT_UINT || p->fmt == SAMPLEFORMAT_INT ||
             p->fmt == SAMPLEFORMAT_VOID) {
    if (p->bps == 1)
      return ecm__status_set(ECM_EUNSUPPORTED,
                             "frame %zu: 1-bit (bilevel) image: convert it to 8-bit first", k);
    if (p->bps != 8 && p->bps != 16 && p->bps != 32)
      return ecm__status_set(ECM_EUNSUPPORTED,
                             "frame %zu: %u-bit samples (only 8, 16 and 32 bits are read)", k,
                             p->bps);
  } else {
    return ecm__status_set(ECM_EUNSUPPORTED, "frame %zu: unknown sample format %u", k, p->fmt);
  }
  if (!TIFFIsCODECConfigured(p->comp))
    return ecm__status_set(ECM_EUNSUPPORTED,
                           "frame %zu: compression scheme %u is not supported by this libtiff", k,
                           p->comp);
  if (p->tiled) {
    size_t tb;
    if (p->tw == 0 || p->th == 0 || p->tw > ECM_MAX_DIM || p->th > ECM_MAX_DIM)
      return ecm__status_set(ECM_EFORMAT, "frame %zu: invalid tile size %ux%u", k, p->tw, p->th);
    ECM__TRY(ecm_size_mul3(p->tw, p->th, p->bps / 8, &tb));
  }
  return ECM_OK;
}

static int ecm__same_kind(uint16_t a, uint16_t b) {
  if (a == SAMPLEFORMAT_VOID) a = SAMPLEFORMAT_UINT;
  if (b == SAMPLEFORMAT_VOID) b = SAMPLEFORMAT_UINT;
  return a == b;
}

static ecm_status ecm__page_match(const ecm__page *ref, const ecm__page *p, size_t k) {
  if (p->w != ref->w || p->h != ref->h)
    return ecm__status_set(ECM_EFORMAT, "frame %zu: expected %ux%u, got %ux%u", k, ref->w, ref->h,
                           p->w, p->h);
  if (p->bps != ref->bps || !ecm__same_kind(p->fmt, ref->fmt))
    return ecm__status_set(ECM_EFORMAT, "frame %zu: expected %u-bit %s samples, got %u-bit %s", k,
                           ref->bps, ecm__kind_name(ref->fmt), p->bps, ecm__kind_name(p->fmt));
  if (p->tiled != ref->tiled)
    return ecm__status_set(ECM_EUNSUPPORTED, "frame %zu: stored in %s, the first page in %s", k,
                           p->tiled ? "tiles" : "strips", ref->tiled ? "tiles" : "strips");
  if (p->tiled && (p->tw != ref->tw || p->th != ref->th))
    return ecm__status_set(ECM_EUNSUPPORTED, "frame %zu: %ux%u tiles, the first page has %ux%u", k,
                           p->tw, p->th, ref->tw, ref->th);
  return ECM_OK;
}

/* Uncompressed pages must lie inside the file: refuse before allocating anything. When the
 * page is uncompressed, striped, and its strips follow each other, *block gets the offset of
 * its pixel data (read later with one pread, bypassing libtiff); else UINT64_MAX. */
static ecm_status ecm__page_extent(TIFF *t, const ecm__src *s, const ecm__page *p, size_t k,
                                   uint64_t *block) {
  *block = UINT64_MAX;
  if (p->comp != COMPRESSION_NONE) return ECM_OK;
  uint64_t bpp = p->bps / 8;
  uint32_t n = p->tiled ? TIFFNumberOfTiles(t) : TIFFNumberOfStrips(t);
  uint64_t need_n = p->tiled ? 0 : ((uint64_t)p->h + p->rps - 1) / p->rps;
  if (!p->tiled && n < need_n)
    return ecm__status_set(ECM_EFORMAT, "frame %zu: %u strips, %llu needed for %u rows", k, n,
                           (unsigned long long)need_n, p->h);
  int contiguous = !p->tiled;
  uint64_t first = 0, expect = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t need;
    if (p->tiled) {
      need = (uint64_t)p->tw * p->th * bpp;
    } else {
      if (i >= need_n) break;
      uint64_t row0 = (uint64_t)i * p->rps;
      uint64_t rows = p->h - row0 < p->rps ? p->h - row0 : p->rps;
      need = rows * p->w * bpp;
    }
    int err = 0;
    uint64_t off = TIFFGetStrileOffsetWithErr(t, i, &err);
    if (err)
      return ecm__status_set(ECM_EFORMAT, "frame %zu: cannot read the offset of %s %u", k,
                             p->tiled ? "tile" : "strip", i);
    if (off > s->size || need > s->size - off)
      return ecm__status_set(
          ECM_EFORMAT, "truncated: frame %zu needs %llu bytes at offset %llu, file has %llu", k,
          (unsigned long long)need, (unsigned long long)off, (unsigned long long)s->size);
    if (i == 0) first = expect = off;
    if (off != expect) contiguous = 0;
    expect = off + need;
  }
  if (contiguous) *block = first;
  return ECM_OK;
}

/* ---- what the file holds ---- */

typedef struct ecm__layout {
  ecm__page first;
  size_t n_ifd;   /* pages walked */
  int contiguous; /* ImageJ: frames follow each other from contig_off */
  uint64_t contig_off, frame_bytes;
  uint64_t *blocks;   /* per page: offset of its uncompressed pixel block, or NULL when
                         some page needs libtiff to decode it (owned) */
  float value_offset; /* ImageJ signed 16-bit: -32768 */
} ecm__layout;

static void ecm__layout_free(ecm__layout *L) {
  free(L->blocks);
  L->blocks = NULL;
}

/* Remember page k's block offset (k 0-based); gives up on the fast path quietly. */
static void ecm__layout_block(ecm__layout *L, size_t k, uint64_t block, size_t *cap) {
  if (k > 0 && !L->blocks) return;
  if (block == UINT64_MAX) {
    ecm__layout_free(L);
    return;
  }
  if (k >= *cap) {
    size_t nc = *cap ? 2 * *cap : 64;
    uint64_t *b = realloc(L->blocks, nc * sizeof *b);
    if (!b) {
      ecm__layout_free(L);
      return;
    }
    L->blocks = b;
    *cap = nc;
  }
  L->blocks[k] = block;
}

static ecm_status ecm__read_calibration(TIFF *t, const ecm__io_ij_desc *d, ecm_tiff_info *info) {
  ecm_calib *c = &info->calib;
  ecm_calib_init(c);
  if (d->finterval > 0) {
    c->frame_interval = d->finterval;
    /* ImageJ leaves tunit out when it is its default, "sec". */
    snprintf(c->time_unit, sizeof c->time_unit, "%s", d->has_tunit ? d->tunit : "s");
  }
  float xr = 0, yr = 0;
  uint16_t ru = 0;
  int has_x = TIFFGetField(t, TIFFTAG_XRESOLUTION, &xr);
  int has_y = TIFFGetField(t, TIFFTAG_YRESOLUTION, &yr);
  int has_ru = TIFFGetField(t, TIFFTAG_RESOLUTIONUNIT, &ru);
  double px = has_x ? ecm__io_pixel_from_res(xr) : 0.0;
  double py = has_y ? ecm__io_pixel_from_res(yr) : 0.0;
  if (!(py > 0)) py = px;
  char unit[ECM_UNIT_CAP] = "";
  if (px > 0) {
    if (d->is_imagej) {
      if (d->has_unit) {
        snprintf(unit, sizeof unit, "%s", d->unit);
        /* ImageJ's own rule for files whose resolution unit is cm but whose unit is µm. */
        if (has_ru && ru == RESUNIT_CENTIMETER && !strcmp(unit, "um")) {
          px *= 10000;
          py *= 10000;
        }
      }
    } else if (has_ru && ru == RESUNIT_INCH) {
      snprintf(unit, sizeof unit, "inch");
    } else if (has_ru && ru == RESUNIT_CENTIMETER) {
      snprintf(unit, sizeof unit, "cm");
    }
  }
  if (unit[0]) {
    c->pixel_width = px;
    c->pixel_height = py;
    snprintf(c->space_unit, sizeof c->space_unit, "%s", unit);
  }
  info->z_spacing = d->spacing;
  return ECM_OK;
}

/* Walk every IFD, validate it and work out frames, calibration and layout. */
static ecm_status ecm__scan_impl(TIFF *t, ecm__src *s, ecm_tiff_info *info, ecm__layout *L) {
  memset(info, 0, sizeof *info);
  memset(L, 0, sizeof *L);
  info->file_bytes = s->size;
  info->is_bigtiff = TIFFIsBigTIFF(t) != 0;
  ecm__page_get(t, &L->first);
  ECM__TRY(ecm__page_check(&L->first, 1));
  const ecm__page *p0 = &L->first;
  info->ny = p0->h;
  info->nx = p0->w;
  info->bits_per_sample = p0->bps;
  info->sample_kind = p0->fmt == SAMPLEFORMAT_INT      ? ECM_SAMPLE_INT
                      : p0->fmt == SAMPLEFORMAT_IEEEFP ? ECM_SAMPLE_FLOAT
                                                       : ECM_SAMPLE_UINT;
  info->is_tiled = p0->tiled;

  char *desc = NULL;
  ecm__io_ij_desc d;
  if (TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc)
    ecm__io_ij_parse(desc, strlen(desc), &d);
  else
    ecm__io_ij_parse(NULL, 0, &d);
  info->is_imagej = d.is_imagej;
  if (d.images_huge)
    return ecm__status_set(ECM_EOVERFLOW,
                           "ImageJ description claims more than %zu images: corrupt header",
                           (size_t)ECM_MAX_DIM);
  ECM__TRY(ecm__read_calibration(t, &d, info));
  if (d.is_imagej && d.has_cf && d.cf == 0 && d.has_c0 && d.has_c1 && d.c0 == -32768.0 &&
      d.c1 == 1.0 && p0->bps == 16 && p0->fmt != SAMPLEFORMAT_INT &&
      p0->fmt != SAMPLEFORMAT_IEEEFP) {
    L->value_offset = -32768.0f; /* ImageJ's signed 16-bit images: raw - 32768 */
    info->sample_kind = ECM_SAMPLE_INT;
  }
  uint64_t block;
  size_t cap = 0;
  ECM__TRY(ecm__page_extent(t, s, p0, 1, &block));
  ecm__layout_block(L, 0, block, &cap);

  /* The remaining IFDs (ImageJ: no further than images=N). */
  size_t n = 1;
  while (!TIFFLastDirectory(t) && !(d.images > 1 && n >= d.images)) {
    if (n >= ECM_MAX_DIM)
      return ecm__status_set(ECM_EOVERFLOW, "more than %zu pages", (size_t)ECM_MAX_DIM);
    ecm__src_clear(s);
    if (!TIFFReadDirectory(t))
      return ecm__status_set(ECM_EFORMAT, "frame %zu: cannot read its IFD: %s", n + 1,
                             ecm__src_why(s, "corrupt IFD"));
    n++;
    ecm__page p;
    ecm__page_get(t, &p);
    ECM__TRY(ecm__page_check(&p, n));
    ECM__TRY(ecm__page_match(p0, &p, n));
    ECM__TRY(ecm__page_extent(t, s, &p, n, &block));
    ecm__layout_block(L, n - 1, block, &cap);
  }
  L->n_ifd = n;

  size_t nt = n;
  if (d.is_imagej && d.images > 1 && d.images > n) {
    /* ImageJ's stacks over 4 GB: the first IFD only, the frames follow its data. */
    size_t bytes;
    ECM__TRY(ecm_size_mul3(p0->w, p0->h, p0->bps / 8, &bytes));
    if (p0->comp != COMPRESSION_NONE || p0->tiled)
      return ecm__status_set(ECM_EFORMAT,
                             "ImageJ description says images=%zu but the file has %zu IFD(s) and "
                             "its first page is %s: cannot locate the other frames",
                             d.images, n, p0->tiled ? "tiled" : "compressed");
    /* The first page's strips must be one contiguous block. */
    ecm__src_clear(s);
    if (!TIFFSetDirectory(t, 0))
      return ecm__status_set(ECM_EFORMAT, "cannot re-read the first IFD: %s",
                             ecm__src_why(s, "corrupt IFD"));
    uint32_t ns = TIFFNumberOfStrips(t);
    uint64_t off0 = TIFFGetStrileOffset(t, 0), expect = off0;
    for (uint32_t i = 0; i < ns; i++) {
      if (TIFFGetStrileOffset(t, i) != expect)
        return ecm__status_set(ECM_EFORMAT,
                               "ImageJ description says images=%zu but the first page's strips "
                               "are not contiguous: cannot locate the other frames",
                               d.images);
      uint64_t row0 = (uint64_t)i * p0->rps;
      uint64_t rows = p0->h - row0 < p0->rps ? p0->h - row0 : p0->rps;
      expect += rows * p0->w * (p0->bps / 8);
    }
    uint64_t need = (uint64_t)bytes * d.images; /* checked just below */
    if ((uint64_t)bytes != 0 && need / bytes != d.images)
      return ecm__status_set(ECM_EOVERFLOW, "images=%zu of %zu bytes overflow", d.images, bytes);
    if (off0 > s->size || need > s->size - off0)
      return ecm__status_set(ECM_EFORMAT, "truncated: images=%zu needs %llu bytes, file has %llu",
                             d.images, (unsigned long long)(off0 + need),
                             (unsigned long long)s->size);
    L->contiguous = 1;
    L->contig_off = off0;
    L->frame_bytes = bytes;
    nt = d.images;
    info->imagej_contiguous = 1;
  }

  /* Hyperstack dimensions, as ImageJ applies them: only when they multiply to the count. */
  info->channels = info->slices = info->frames = 1;
  if (d.is_imagej) {
    size_t c = d.channels ? d.channels : 1, z = d.slices ? d.slices : 1,
           f = d.frames ? d.frames : 1;
    if ((double)c * (double)z * (double)f == (double)nt) {
      if (c > 1)
        return ecm__status_set(ECM_EUNSUPPORTED,
                               "%zu channels: split channels in ImageJ first (Image>Color>Split "
                               "Channels)",
                               c);
      if (z > 1 && f > 1)
        return ecm__status_set(ECM_EUNSUPPORTED,
                               "hyperstack with %zu slices and %zu frames: reduce it to one time "
                               "series in ImageJ first (Image>Stacks>Tools>Reduce Dimensionality)",
                               z, f);
      info->slices = z;
      info->frames = f;
      info->z_as_time = z > 1;
    } else {
      info->frames = nt;
    }
  } else {
    info->frames = nt;
  }
  info->nt = nt;
  size_t total;
  ECM__TRY(ecm_size_mul3(nt, info->ny, info->nx, &total));
  if (total > SIZE_MAX / sizeof(float))
    return ecm__status_set(ECM_EOVERFLOW, "%zu x %zu x %zu floats overflow memory size", nt,
                           info->ny, info->nx);
  L->frame_bytes = (uint64_t)info->ny * info->nx * (uint64_t)(p0->bps / 8);
  if (L->contiguous) ecm__layout_free(L);
  return ECM_OK;
}

static ecm_status ecm__scan(TIFF *t, ecm__src *s, ecm_tiff_info *info, ecm__layout *L) {
  ecm_status st = ecm__scan_impl(t, s, info, L);
  if (st != ECM_OK) ecm__layout_free(L);
  return st;
}

/* ---- conversion to float ---- */

typedef struct ecm__cvt {
  int bits;     /* 8, 16, 32 */
  uint16_t fmt; /* SAMPLEFORMAT_* */
  int swap;     /* bytes are in the other order */
  float offset; /* added to every value */
} ecm__cvt;

#if defined(__GNUC__)
#define ECM__BSWAP16(v) __builtin_bswap16(v)
#define ECM__BSWAP32(v) __builtin_bswap32(v)
#else
#define ECM__BSWAP16(v) ((uint16_t)((v) << 8 | (v) >> 8))
#define ECM__BSWAP32(v) ((v) >> 24 | (((v) >> 8) & 0xff00u) | (((v) << 8) & 0xff0000u) | (v) << 24)
#endif

/* One tight loop per sample type, so that the compiler vectorises each. */
#define ECM__CVT(T, EXPR)                       \
  for (size_t i = 0; i < n; i++) {              \
    T v;                                        \
    memcpy(&v, src + sizeof(T) * i, sizeof(T)); \
    dst[i] = (EXPR);                            \
  }

/* n samples at src (any alignment) to dst. */
static void ecm__convert(float *restrict dst, const unsigned char *restrict src, size_t n,
                         const ecm__cvt *c) {
  int sgn = c->fmt == SAMPLEFORMAT_INT, flt = c->fmt == SAMPLEFORMAT_IEEEFP;
  if (c->bits == 8) {
    if (sgn) {
      ECM__CVT(int8_t, (float)v)
    } else {
      ECM__CVT(uint8_t, (float)v)
    }
  } else if (c->bits == 16) {
    if (sgn && c->swap) {
      ECM__CVT(uint16_t, (float)(int16_t)ECM__BSWAP16(v))
    } else if (sgn) {
      ECM__CVT(int16_t, (float)v)
    } else if (c->swap) {
      ECM__CVT(uint16_t, (float)ECM__BSWAP16(v))
    } else {
      ECM__CVT(uint16_t, (float)v)
    }
  } else if (flt) {
    if (c->swap) {
      for (size_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, src + 4 * i, 4);
        v = ECM__BSWAP32(v);
        memcpy(dst + i, &v, 4);
      }
    } else {
      memcpy(dst, src, 4 * n);
    }
  } else if (sgn) {
    if (c->swap) {
      ECM__CVT(uint32_t, (float)(int32_t)ECM__BSWAP32(v))
    } else {
      ECM__CVT(int32_t, (float)v)
    }
  } else {
    if (c->swap) {
      ECM__CVT(uint32_t, (float)ECM__BSWAP32(v))
    } else {
      ECM__CVT(uint32_t, (float)v)
    }
  }
  if (c->offset != 0.0f) /* ImageJ's signed 16-bit convention only */
    for (size_t i = 0; i < n; i++) dst[i] += c->offset;
}

/* The n raw samples lying at the start of dst's memory become n floats in place. Blocks are
 * converted from the last to the first, each through a small copy, so no raw byte is
 * overwritten before it is read. */
#define ECM__CVT_BLOCK 2048
static void ecm__expand_inplace(float *dst, size_t n, const ecm__cvt *c) {
  if (c->bits == 32 && c->fmt == SAMPLEFORMAT_IEEEFP && !c->swap && c->offset == 0.0f) return;
  unsigned char tmp[ECM__CVT_BLOCK * 4];
  size_t bpp = (size_t)c->bits / 8;
  size_t nblk = (n + ECM__CVT_BLOCK - 1) / ECM__CVT_BLOCK;
  for (size_t b = nblk; b-- > 0;) {
    size_t i0 = b * ECM__CVT_BLOCK, m = n - i0 < ECM__CVT_BLOCK ? n - i0 : ECM__CVT_BLOCK;
    memcpy(tmp, (unsigned char *)dst + i0 * bpp, m * bpp);
    ecm__convert(dst + i0, tmp, m, c);
  }
}

/* ---- reading one page ---- */

static ecm_status ecm__read_page(TIFF *t, ecm__src *s, const ecm__page *p, const ecm__cvt *c,
                                 float *dst, unsigned char *tile_buf, size_t k) {
  size_t w = p->w, h = p->h, bpp = (size_t)p->bps / 8;
  if (!p->tiled) {
    uint32_t ns = TIFFNumberOfStrips(t);
    size_t need = (h + p->rps - 1) / p->rps;
    if (ns < need)
      return ecm__status_set(ECM_EFORMAT, "frame %zu: %u strips, %zu needed", k, ns, need);
    for (size_t i = 0; i < need; i++) {
      size_t row0 = i * p->rps, rows = h - row0 < p->rps ? h - row0 : p->rps;
      float *rdst = dst + row0 * w;
      tmsize_t nbytes = (tmsize_t)(rows * w * bpp);
      ecm__src_clear(s);
      tmsize_t got = TIFFReadEncodedStrip(t, (uint32_t)i, rdst, nbytes);
      if (got != nbytes)
        return ecm__status_set(ECM_EFORMAT, "frame %zu: cannot read strip %zu: %s", k, i,
                               ecm__src_why(s, "short strip"));
      ecm__expand_inplace(rdst, rows * w, c);
    }
    return ECM_OK;
  }
  size_t tw = p->tw, th = p->th;
  tmsize_t tbytes = (tmsize_t)(tw * th * bpp);
  for (size_t y0 = 0; y0 < h; y0 += th) {
    for (size_t x0 = 0; x0 < w; x0 += tw) {
      uint32_t tile = TIFFComputeTile(t, (uint32_t)x0, (uint32_t)y0, 0, 0);
      ecm__src_clear(s);
      tmsize_t got = TIFFReadEncodedTile(t, tile, tile_buf, tbytes);
      if (got != tbytes)
        return ecm__status_set(ECM_EFORMAT, "frame %zu: cannot read tile %u: %s", k, tile,
                               ecm__src_why(s, "short tile"));
      size_t rows = h - y0 < th ? h - y0 : th, cols = w - x0 < tw ? w - x0 : tw;
      for (size_t r = 0; r < rows; r++)
        ecm__convert(dst + (y0 + r) * w + x0, tile_buf + r * tw * bpp, cols, c);
    }
  }
  return ECM_OK;
}

/* ---- the public readers, on any source ---- */

static ecm_status ecm__probe_src(ecm__src *s, ecm_tiff_info *info) {
  TIFF *t = NULL;
  ecm__layout L = {0};
  ecm_tiff_info tmp;
  ECM__TRY(ecm__tiff_open(s, NULL, &t));
  ecm_status st = ecm__scan(t, s, info ? info : &tmp, &L);
  ecm__layout_free(&L);
  TIFFClose(t);
  return st;
}

static ecm_status ecm__read_src(ecm__src *s, size_t first, size_t count, const ecm_run *run,
                                ecm_stack **out, ecm_tiff_info *info_out) {
  TIFF *t = NULL;
  ecm__layout L = {0};
  ecm_tiff_info info;
  ecm_stack *stk = NULL;
  unsigned char *tile_buf = NULL;
  ECM__TRY(ecm__run_report(run, 0.0, "reading"));
  ECM__TRY(ecm__tiff_open(s, run, &t));
  ecm_status st = ecm__scan(t, s, &info, &L);
  if (st != ECM_OK) goto done;
  if (info_out) *info_out = info;
  if (first >= info.nt) {
    st = ecm__status_set(ECM_ENODATA, "first frame %zu is past the last frame (%zu frames)",
                         first + 1, info.nt);
    goto done;
  }
  if (count == 0) count = info.nt - first;
  if (count > info.nt - first) {
    st = ecm__status_set(ECM_ENODATA, "frames %zu to %zu requested, the stack has %zu", first + 1,
                         first + count, info.nt);
    goto done;
  }
  const ecm__page *p0 = &L.first;
  size_t frame_px = info.ny * info.nx, out_bytes, tile_bytes = 0;
  st = ecm_size_mul3(count, frame_px, sizeof(float), &out_bytes);
  if (st != ECM_OK) goto done;
  if (p0->tiled) tile_bytes = (size_t)p0->tw * p0->th * (p0->bps / 8); /* checked in page_check */
  if (out_bytes > SIZE_MAX - tile_bytes) {
    st = ecm__status_set(ECM_EOVERFLOW, "stack size overflows");
    goto done;
  }
  st = ecm__run_reserve(run, out_bytes + tile_bytes, "reading the stack");
  if (st != ECM_OK) goto done;
  st = ecm_stack_alloc(count, info.ny, info.nx, &stk);
  if (st != ECM_OK) goto done;
  stk->calib = info.calib;
  if (tile_bytes) {
    tile_buf = malloc(tile_bytes);
    if (!tile_buf) {
      st = ecm__status_set(ECM_ENOMEM, "cannot allocate a %zu-byte tile buffer", tile_bytes);
      goto done;
    }
  }
  ecm__cvt cv = {p0->bps, p0->fmt, 0, L.value_offset};
  if (L.contiguous || L.blocks) {
    /* Uncompressed frames in one block each: read them directly, in file order. */
    cv.swap = TIFFIsByteSwapped(t) != 0;
    for (size_t i = 0; i < count; i++) {
      float *dst = stk->data + i * frame_px;
      uint64_t off =
          L.contiguous ? L.contig_off + (uint64_t)(first + i) * L.frame_bytes : L.blocks[first + i];
      st = ecm__src_pread(s, dst, (size_t)L.frame_bytes, off);
      if (st != ECM_OK) {
        st = ecm__status_prefix(st, "frame %zu", first + i + 1);
        goto done;
      }
      ecm__expand_inplace(dst, frame_px, &cv);
      st = ecm__run_report(run, (double)(i + 1) / (double)count, "reading");
      if (st != ECM_OK) goto done;
    }
  } else {
    ecm__src_clear(s);
    if (!TIFFSetDirectory(t, (tdir_t)first)) {
      st = ecm__status_set(ECM_EFORMAT, "frame %zu: cannot read its IFD: %s", first + 1,
                           ecm__src_why(s, "corrupt IFD"));
      goto done;
    }
    for (size_t i = 0; i < count; i++) {
      size_t k = first + i + 1;
      if (i > 0) {
        ecm__src_clear(s);
        if (!TIFFReadDirectory(t)) {
          st = ecm__status_set(ECM_EFORMAT, "frame %zu: cannot read its IFD: %s", k,
                               ecm__src_why(s, "corrupt IFD"));
          goto done;
        }
      }
      ecm__page p;
      ecm__page_get(t, &p);
      if ((st = ecm__page_check(&p, k)) != ECM_OK || (st = ecm__page_match(p0, &p, k)) != ECM_OK)
        goto done;
      st = ecm__read_page(t, s, &p, &cv, stk->data + i * frame_px, tile_buf, k);
      if (st != ECM_OK) goto done;
      st = ecm__run_report(run, (double)(i + 1) / (double)count, "reading");
      if (st != ECM_OK) goto done;
    }
  }
done:
  free(tile_buf);
  ecm__layout_free(&L);
  if (t) TIFFClose(t);
  if (st != ECM_OK) {
    ecm_stack_free(stk);
    return st;
  }
  *out = stk;
  return ECM_OK;
}

ecm_status ecm_io_probe(const char *path, ecm_tiff_info *info) {
  ecm__src s;
  if (!path || !info) return ecm__status_set(ECM_EINVAL, "ecm_io_probe: NULL argument");
  memset(info, 0, sizeof *info);
  ecm_status st = ecm__src_open_file(&s, path);
  if (st == ECM_OK) st = ecm__probe_src(&s, info);
  ecm__src_close_file(&s);
  if (st != ECM_OK) {
    memset(info, 0, sizeof *info);
    return ecm__status_prefix(st, "%s", path);
  }
  return ECM_OK;
}

ecm_status ecm_io_read_stack(const char *path, size_t first, size_t count, const ecm_run *run,
                             ecm_stack **out, ecm_tiff_info *info) {
  ecm__src s;
  if (!path || !out) return ecm__status_set(ECM_EINVAL, "ecm_io_read_stack: NULL argument");
  *out = NULL;
  ecm_status st = ecm__src_open_file(&s, path);
  if (st == ECM_OK) st = ecm__read_src(&s, first, count, run, out, info);
  ecm__src_close_file(&s);
  return st == ECM_OK ? ECM_OK : ecm__status_prefix(st, "%s", path);
}

ecm_status ecm__io_probe_memory(const void *data, size_t len, const char *name,
                                ecm_tiff_info *info) {
  ecm__src s;
  ecm__src_open_memory(&s, data, len, name);
  ecm_status st = ecm__probe_src(&s, info);
  return st == ECM_OK ? ECM_OK : ecm__status_prefix(st, "%s", s.name);
}

ecm_status ecm__io_read_memory(const void *data, size_t len, const char *name, size_t first,
                               size_t count, const ecm_run *run, ecm_stack **out,
                               ecm_tiff_info *info) {
  ecm__src s;
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm__io_read_memory: NULL output");
  *out = NULL;
  ecm__src_open_memory(&s, data, len, name);
  ecm_status st = ecm__read_src(&s, first, count, run, out, info);
  return st == ECM_OK ? ECM_OK : ecm__status_prefix(st, "%s", s.name);
}

/* ---- provenance ---- */

/* The ImageJ "Info" property of the current IFD (IJMetadata), appended to out. */
static int ecm__ij_info(TIFF *t, ecm__strbuf *out) {
  const TIFFField *fc = TIFFFindField(t, ECM__IJ_TAG_META_COUNTS, TIFF_ANY);
  const TIFFField *fm = TIFFFindField(t, ECM__IJ_TAG_META, TIFF_ANY);
  if (!fc || !fm) return 0;
  uint32_t nc = 0, nm = 0;
  void *pc = NULL, *pm = NULL;
  if (!TIFFGetField(t, ECM__IJ_TAG_META_COUNTS, &nc, &pc) || !pc || nc < 2) return 0;
  if (!TIFFGetField(t, ECM__IJ_TAG_META, &nm, &pm) || !pm) return 0;
  TIFFDataType tc = TIFFFieldDataType(fc), tm = TIFFFieldDataType(fm);
  if (tm != TIFF_BYTE && tm != TIFF_UNDEFINED && tm != TIFF_SBYTE) return 0;
  if (nc > 4096) return 0;
  uint32_t counts[4096];
  for (uint32_t i = 0; i < nc; i++) {
    if (tc == TIFF_LONG || tc == TIFF_SLONG)
      counts[i] = ((const uint32_t *)pc)[i];
    else if (tc == TIFF_SHORT || tc == TIFF_SSHORT)
      counts[i] = ((const uint16_t *)pc)[i];
    else
      return 0;
  }
  return ecm__io_ij_meta_info(pm, nm, counts, nc, TIFFIsBigEndian(t) != 0, out);
}

/* A line "ecm_provenance=..." of free text (the ImageJ Info property). */
static int ecm__info_line(const char *text, ecm__strbuf *out) {
  static const char key[] = "ecm_provenance=";
  for (const char *p = text; p && *p;) {
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    if (n >= sizeof key - 1 && strncmp(p, key, sizeof key - 1) == 0) {
      size_t m = n - (sizeof key - 1);
      if (m && p[sizeof key - 1 + m - 1] == '\r') m--;
      ecm__sb_append(out, p + sizeof key - 1, m);
      ecm__sb_append(out, "", 0);
      return !out->failed;
    }
    p = eol ? eol + 1 : NULL;
  }
  return 0;
}

static ecm_status ecm__provenance_src(ecm__src *s, char *buf, size_t cap) {
  TIFF *t = NULL;
  if (!buf || cap == 0)
    return ecm__status_set(ECM_EINVAL, "ecm_io_read_provenance: NULL buffer or zero capacity");
  buf[0] = '\0';
  ECM__TRY(ecm__tiff_open(s, NULL, &t));
  ecm__strbuf v, info;
  ecm__sb_init(&v);
  ecm__sb_init(&info);
  char *desc = NULL;
  int found = 0;
  if (TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc)
    found = ecm__io_prop_get(desc, strlen(desc), "ecm_provenance", &v);
  if (!found && ecm__ij_info(t, &info)) found = ecm__info_line(ecm__sb_str(&info), &v);
  TIFFClose(t);
  ecm_status st = ECM_OK;
  if (v.failed || info.failed)
    st = ecm__status_set(ECM_ENOMEM, "out of memory reading the provenance");
  else if (!found)
    st = ecm__status_set(ECM_ENODATA, "carries no ecm provenance");
  else if (v.len + 1 > cap)
    st = ecm__status_set(ECM_EINVAL, "provenance of %zu bytes does not fit a %zu-byte buffer",
                         v.len, cap);
  else
    memcpy(buf, ecm__sb_str(&v), v.len + 1);
  ecm__sb_free(&v);
  ecm__sb_free(&info);
  return st;
}

ecm_status ecm_io_read_provenance(const char *path, char *buf, size_t cap) {
  ecm__src s;
  if (!path) return ecm__status_set(ECM_EINVAL, "ecm_io_read_provenance: NULL path");
  if (buf && cap) buf[0] = '\0';
  ecm_status st = ecm__src_open_file(&s, path);
  if (st == ECM_OK) st = ecm__provenance_src(&s, buf, cap);
  ecm__src_close_file(&s);
  return st == ECM_OK ? ECM_OK : ecm__status_prefix(st, "%s", path);
}

ecm_status ecm__io_provenance_memory(const void *data, size_t len, const char *name, char *buf,
                                     size_t cap) {
  ecm__src s;
  ecm__src_open_memory(&s, data, len, name);
  ecm_status st = ecm__provenance_src(&s, buf, cap);
  return st == ECM_OK ? ECM_OK : ecm__status_prefix(st, "%s", s.name);
}
