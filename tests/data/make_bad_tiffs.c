/* Generator of the bad-input catalogue tests/data/bad/: small TIFF files broken in one way
 * each, written byte by byte (libtiff refuses to write most of them), with the ecm_status
 * every reader entry point must return.
 *
 *   cc -std=c11 -Icore/include -o make_bad_tiffs tests/data/make_bad_tiffs.c
 *   ./make_bad_tiffs tests/data/bad          # the .tif files and README.md
 *
 * tests/unit/test_io.c includes this file (with MK_NO_MAIN), regenerates the catalogue in
 * its work folder, checks that the committed files are identical, then reads every one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/status.h"

/* ---- a byte buffer with TIFF helpers ---- */

typedef struct mk_buf {
  unsigned char *b;
  size_t len, cap;
  int be;         /* big-endian ("MM") */
  size_t next_at; /* where the last IFD's next-IFD offset lives (0: the header's) */
} mk_buf;

static void mk_reserve(mk_buf *m, size_t extra) {
  if (m->len + extra <= m->cap) return;
  size_t cap = m->cap ? m->cap : 256;
  while (cap < m->len + extra) cap *= 2;
  unsigned char *p = realloc(m->b, cap);
  if (!p) {
    fprintf(stderr, "make_bad_tiffs: out of memory\n");
    exit(1);
  }
  m->b = p;
  m->cap = cap;
}

static void mk_bytes(mk_buf *m, const void *p, size_t n) {
  mk_reserve(m, n);
  if (n) memcpy(m->b + m->len, p, n);
  m->len += n;
}

static void mk_put(mk_buf *m, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; i++) m->b[at + i] = (unsigned char)(v >> (8 * (m->be ? n - 1 - i : i)));
}

static void mk_int(mk_buf *m, uint64_t v, int n) {
  mk_reserve(m, (size_t)n);
  m->len += (size_t)n;
  mk_put(m, m->len - (size_t)n, v, n);
}

static void mk_pad(mk_buf *m) {
  if (m->len & 1) mk_int(m, 0, 1);
}

/* Classic TIFF header; the first IFD offset is patched when the first IFD is written. */
static void mk_header(mk_buf *m, int be) {
  memset(m, 0, sizeof *m);
  m->be = be;
  mk_bytes(m, be ? "MM" : "II", 2);
  mk_int(m, 42, 2);
  mk_int(m, 0, 4);
  m->next_at = 4;
}

enum { MK_BYTE = 1, MK_ASCII = 2, MK_SHORT = 3, MK_LONG = 4, MK_RATIONAL = 5 };

typedef struct mk_tag {
  uint16_t tag, type;
  uint32_t count;
  uint32_t value;   /* a single SHORT or LONG, or an offset */
  const void *blob; /* data placed before the IFD (count * type size bytes) */
  size_t blob_len;
} mk_tag;

static int mk_type_size(uint16_t type) {
  return type == MK_SHORT ? 2 : type == MK_LONG ? 4 : type == MK_RATIONAL ? 8 : 1;
}

/* Write blobs, then an IFD with these tags (sorted by the caller), and link it from the
 * previous IFD. Returns the IFD's offset. */
static size_t mk_ifd(mk_buf *m, mk_tag *t, int n) {
  for (int i = 0; i < n; i++) {
    if (!t[i].blob) continue;
    mk_pad(m);
    size_t at = m->len;
    if (t[i].type == MK_ASCII || t[i].type == MK_BYTE) {
      mk_bytes(m, t[i].blob, t[i].blob_len);
    } else { /* SHORT/LONG arrays given as uint32 values, in file byte order */
      const uint32_t *v = t[i].blob;
      for (uint32_t k = 0; k < t[i].count; k++) mk_int(m, v[k], mk_type_size(t[i].type));
    }
    t[i].value = (uint32_t)at;
  }
  mk_pad(m);
  size_t at = m->len;
  mk_put(m, m->next_at, at, 4);
  mk_int(m, (uint64_t)n, 2);
  for (int i = 0; i < n; i++) {
    mk_int(m, t[i].tag, 2);
    mk_int(m, t[i].type, 2);
    mk_int(m, t[i].count, 4);
    if (!t[i].blob && t[i].type == MK_SHORT && t[i].count == 1) {
      mk_int(m, t[i].value, 2);
      mk_int(m, 0, 2);
    } else {
      mk_int(m, t[i].value, 4);
    }
  }
  m->next_at = m->len;
  mk_int(m, 0, 4);
  return at;
}

/* A plain grayscale page: pixels first (one strip), then its IFD. */
typedef struct mk_page {
  uint32_t w, h;
  int bps, spp, fmt, photo, comp;
  const char *desc;     /* ImageDescription or NULL */
  size_t data_len;      /* bytes of pixel data written (default w*h*spp*bps/8) */
  uint32_t strip_bytes; /* StripByteCounts (default: the full strip) */
  uint32_t strip_off;   /* StripOffsets override (0: where the data was written) */
  int no_strip_offsets;
} mk_page;

static size_t mk_page_write(mk_buf *m, const mk_page *p) {
  size_t full = (size_t)p->w * p->h * (size_t)p->spp * (size_t)p->bps / 8;
  size_t n = p->data_len ? p->data_len : full;
  mk_pad(m);
  size_t data_at = m->len;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)(i * 7 + 3);
    mk_bytes(m, &c, 1);
  }
  mk_tag t[16];
  int k = 0;
  t[k++] = (mk_tag){256, MK_LONG, 1, p->w, NULL, 0};
  t[k++] = (mk_tag){257, MK_LONG, 1, p->h, NULL, 0};
  t[k++] = (mk_tag){258, MK_SHORT, 1, (uint32_t)p->bps, NULL, 0};
  t[k++] = (mk_tag){259, MK_SHORT, 1, (uint32_t)(p->comp ? p->comp : 1), NULL, 0};
  t[k++] = (mk_tag){262, MK_SHORT, 1, (uint32_t)p->photo, NULL, 0};
  if (p->desc)
    t[k++] =
        (mk_tag){270, MK_ASCII, (uint32_t)strlen(p->desc) + 1, 0, p->desc, strlen(p->desc) + 1};
  if (!p->no_strip_offsets)
    t[k++] = (mk_tag){273, MK_LONG, 1, p->strip_off ? p->strip_off : (uint32_t)data_at, NULL, 0};
  t[k++] = (mk_tag){277, MK_SHORT, 1, (uint32_t)p->spp, NULL, 0};
  t[k++] = (mk_tag){278, MK_LONG, 1, p->h, NULL, 0};
  t[k++] = (mk_tag){279, MK_LONG, 1, p->strip_bytes ? p->strip_bytes : (uint32_t)full, NULL, 0};
  if (p->fmt) t[k++] = (mk_tag){339, MK_SHORT, 1, (uint32_t)p->fmt, NULL, 0};
  return mk_ifd(m, t, k);
}

static mk_page mk_gray(uint32_t w, uint32_t h, int bps, int fmt) {
  mk_page p;
  memset(&p, 0, sizeof p);
  p.w = w;
  p.h = h;
  p.bps = bps;
  p.spp = 1;
  p.fmt = fmt;
  p.photo = 1;
  return p;
}

/* ---- the catalogue ---- */

static void mk_empty(mk_buf *m) {
  memset(m, 0, sizeof *m);
}

static void mk_text(mk_buf *m) {
  memset(m, 0, sizeof *m);
  mk_bytes(m, "This is a text file, not a TIFF.\n", 33);
}

static void mk_png(mk_buf *m) {
  static const unsigned char sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                      0,    0,   0,   13,  'I',  'H',  'D',  'R'};
  memset(m, 0, sizeof *m);
  mk_bytes(m, sig, sizeof sig);
}

static void mk_short_header(mk_buf *m) {
  memset(m, 0, sizeof *m);
  mk_bytes(m, "II*\0\x08\x00", 6);
}

static void mk_bad_version(mk_buf *m) {
  mk_header(m, 0);
  mk_put(m, 2, 41, 2);
  mk_put(m, 4, 8, 4);
}

static void mk_no_ifd(mk_buf *m) {
  mk_header(m, 0);
  mk_int(m, 0, 8); /* a few bytes of nothing; the IFD offset stays 0 */
}

static void mk_ifd_past_eof(mk_buf *m) {
  mk_header(m, 0);
  mk_put(m, 4, 4096, 4);
}

static void mk_truncated_ifd(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 8, 1);
  mk_header(m, 0);
  mk_page_write(m, &p);
  m->len -= 12 * 8; /* cut the IFD after two of its ten entries */
}

static void mk_empty_ifd(mk_buf *m) {
  mk_header(m, 0);
  mk_ifd(m, NULL, 0);
}

static void mk_truncated_pixels(mk_buf *m) {
  mk_page p = mk_gray(16, 16, 16, 1);
  mk_header(m, 0);
  size_t ifd = mk_page_write(m, &p);
  /* Move the strip 400 bytes before the end of the file: 112 of its 512 bytes are missing. */
  size_t at = ifd + 2 + 12 * 5 + 8; /* StripOffsets value (6th entry) */
  mk_put(m, at, m->len - 400, 4);
}

static void mk_strip_past_eof(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 8, 1);
  p.strip_off = 1u << 30;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_missing_strip_offsets(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 8, 1);
  p.no_strip_offsets = 1;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_zero_width(mk_buf *m) {
  mk_page p = mk_gray(0, 8, 8, 1);
  p.data_len = 8;
  p.strip_bytes = 8;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_huge_dims(mk_buf *m) {
  mk_page p = mk_gray(1u << 31, 1u << 31, 8, 1);
  p.data_len = 64;
  p.strip_bytes = 64;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_rgb(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 8, 1);
  p.spp = 3;
  p.photo = 2;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_gray_alpha(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 8, 1);
  p.spp = 2;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_bilevel(mk_buf *m) {
  mk_page p = mk_gray(16, 8, 1, 1);
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_gray12(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 12, 1);
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_float64(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 64, 3);
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_float16(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 16, 3);
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_int64(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 64, 2);
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_complex_int(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 32, 5);
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_complex_float(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 64, 6);
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_palette(mk_buf *m) {
  static uint32_t cmap[3 * 256];
  for (int i = 0; i < 3 * 256; i++) cmap[i] = (uint32_t)(i % 256) * 257u;
  mk_header(m, 0);
  unsigned char px[64];
  for (int i = 0; i < 64; i++) px[i] = (unsigned char)i;
  size_t data_at = m->len;
  mk_bytes(m, px, sizeof px);
  mk_tag t[] = {
      {256, MK_LONG, 1, 8, NULL, 0},  {257, MK_LONG, 1, 8, NULL, 0},
      {258, MK_SHORT, 1, 8, NULL, 0}, {259, MK_SHORT, 1, 1, NULL, 0},
      {262, MK_SHORT, 1, 3, NULL, 0}, {273, MK_LONG, 1, (uint32_t)data_at, NULL, 0},
      {277, MK_SHORT, 1, 1, NULL, 0}, {278, MK_LONG, 1, 8, NULL, 0},
      {279, MK_LONG, 1, 64, NULL, 0}, {320, MK_SHORT, 3 * 256, 0, cmap, sizeof cmap},
  };
  mk_ifd(m, t, (int)(sizeof t / sizeof t[0]));
}

static void mk_cmyk(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 8, 1);
  p.spp = 4;
  p.photo = 5;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_unknown_compression(mk_buf *m) {
  mk_page p = mk_gray(8, 8, 8, 1);
  p.comp = 60000;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_corrupt_lzw(mk_buf *m) {
  mk_page p = mk_gray(16, 16, 16, 1);
  p.comp = 5; /* LZW, but the strip holds garbage */
  p.data_len = 40;
  p.strip_bytes = 40;
  mk_header(m, 0);
  mk_page_write(m, &p);
}

static void mk_mismatched_size(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 16, 1), b = mk_gray(7, 8, 16, 1);
  mk_header(m, 0);
  mk_page_write(m, &a);
  mk_page_write(m, &b);
}

static void mk_mismatched_format(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 32, 1), b = mk_gray(8, 8, 32, 3);
  mk_header(m, 0);
  mk_page_write(m, &a);
  mk_page_write(m, &a);
  mk_page_write(m, &b);
}

static void mk_mismatched_bits(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 8, 1), b = mk_gray(8, 8, 16, 1);
  mk_header(m, 0);
  mk_page_write(m, &a);
  mk_page_write(m, &b);
}

static void mk_mismatched_signed(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 16, 1), b = mk_gray(8, 8, 16, 2);
  mk_header(m, 0);
  mk_page_write(m, &a);
  mk_page_write(m, &b);
}

static void mk_ifd_loop(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 8, 1);
  mk_header(m, 0);
  size_t first = mk_page_write(m, &a);
  mk_page_write(m, &a);
  mk_put(m, m->next_at, first, 4); /* the second IFD points back at the first */
}

static void mk_second_ifd_past_eof(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 8, 1);
  mk_header(m, 0);
  mk_page_write(m, &a);
  mk_put(m, m->next_at, 1u << 20, 4);
}

static void mk_imagej_channels(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 8, 1);
  a.desc = "ImageJ=1.53t\nimages=3\nchannels=3\nmode=composite\n";
  mk_page b = mk_gray(8, 8, 8, 1);
  mk_header(m, 0);
  mk_page_write(m, &a);
  mk_page_write(m, &b);
  mk_page_write(m, &b);
}

static void mk_imagej_slices_frames(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 8, 1);
  a.desc = "ImageJ=1.53t\nimages=4\nslices=2\nframes=2\nhyperstack=true\n";
  mk_page b = mk_gray(8, 8, 8, 1);
  mk_header(m, 0);
  mk_page_write(m, &a);
  for (int i = 0; i < 3; i++) mk_page_write(m, &b);
}

static void mk_imagej_contig_truncated(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 16, 1);
  a.desc = "ImageJ=1.53t\nimages=5\nframes=5\nloop=false\n";
  mk_header(m, 0);
  mk_page_write(m, &a);
  for (int i = 0; i < 2 * 128; i++) mk_int(m, (uint64_t)i, 1); /* frames 2-3 of 5 */
}

static void mk_imagej_contig_compressed(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 8, 1);
  a.desc = "ImageJ=1.53t\nimages=5\nframes=5\n";
  a.comp = 32773; /* PackBits */
  mk_header(m, 0);
  mk_page_write(m, &a);
  for (int i = 0; i < 4 * 64; i++) mk_int(m, 0, 1);
}

static void mk_imagej_huge_images(mk_buf *m) {
  mk_page a = mk_gray(8, 8, 8, 1);
  a.desc = "ImageJ=1.53t\nimages=99999999999\nframes=99999999999\n";
  mk_header(m, 0);
  mk_page_write(m, &a);
}

static void mk_tiled_zero_tile(mk_buf *m) {
  mk_header(m, 0);
  unsigned char px[256] = {0};
  size_t data_at = m->len;
  mk_bytes(m, px, sizeof px);
  mk_tag t[] = {
      {256, MK_LONG, 1, 16, NULL, 0},
      {257, MK_LONG, 1, 16, NULL, 0},
      {258, MK_SHORT, 1, 8, NULL, 0},
      {259, MK_SHORT, 1, 1, NULL, 0},
      {262, MK_SHORT, 1, 1, NULL, 0},
      {277, MK_SHORT, 1, 1, NULL, 0},
      {322, MK_LONG, 1, 0, NULL, 0},
      {323, MK_LONG, 1, 16, NULL, 0},
      {324, MK_LONG, 1, (uint32_t)data_at, NULL, 0},
      {325, MK_LONG, 1, 256, NULL, 0},
  };
  mk_ifd(m, t, (int)(sizeof t / sizeof t[0]));
}

static void mk_tiled_truncated(mk_buf *m) {
  mk_header(m, 0);
  static const uint32_t offs[4] = {8, 8, 8, 1u << 24};
  static const uint32_t cnts[4] = {256, 256, 256, 256};
  unsigned char px[256] = {0};
  mk_bytes(m, px, sizeof px);
  mk_tag t[] = {
      {256, MK_LONG, 1, 32, NULL, 0}, {257, MK_LONG, 1, 32, NULL, 0},
      {258, MK_SHORT, 1, 8, NULL, 0}, {259, MK_SHORT, 1, 1, NULL, 0},
      {262, MK_SHORT, 1, 1, NULL, 0}, {277, MK_SHORT, 1, 1, NULL, 0},
      {322, MK_LONG, 1, 16, NULL, 0}, {323, MK_LONG, 1, 16, NULL, 0},
      {324, MK_LONG, 4, 0, offs, 0},  {325, MK_LONG, 4, 0, cnts, 0},
  };
  mk_ifd(m, t, (int)(sizeof t / sizeof t[0]));
}

static void mk_mixed_tiling(mk_buf *m) {
  mk_page a = mk_gray(16, 16, 8, 1);
  mk_header(m, 0);
  mk_page_write(m, &a);
  unsigned char px[256] = {0};
  size_t data_at = m->len;
  mk_bytes(m, px, sizeof px);
  mk_tag t[] = {
      {256, MK_LONG, 1, 16, NULL, 0},
      {257, MK_LONG, 1, 16, NULL, 0},
      {258, MK_SHORT, 1, 8, NULL, 0},
      {259, MK_SHORT, 1, 1, NULL, 0},
      {262, MK_SHORT, 1, 1, NULL, 0},
      {277, MK_SHORT, 1, 1, NULL, 0},
      {322, MK_LONG, 1, 16, NULL, 0},
      {323, MK_LONG, 1, 16, NULL, 0},
      {324, MK_LONG, 1, (uint32_t)data_at, NULL, 0},
      {325, MK_LONG, 1, 256, NULL, 0},
  };
  mk_ifd(m, t, (int)(sizeof t / sizeof t[0]));
}

typedef struct mk_case {
  const char *name;
  ecm_status status; /* from ecm_io_read_stack (and ecm_io_probe unless probe_ok) */
  const char *why;
  void (*make)(mk_buf *);
  int probe_ok; /* headers are fine: only decoding the pixels finds the problem */
} mk_case;

static const mk_case mk_cases[] = {
    {"empty.tif", ECM_EFORMAT, "0 bytes", mk_empty, 0},
    {"text_file.tif", ECM_EFORMAT, "a text file named .tif", mk_text, 0},
    {"png_signature.tif", ECM_EFORMAT, "a PNG header", mk_png, 0},
    {"short_header.tif", ECM_EFORMAT, "6 bytes: the TIFF header is cut off", mk_short_header, 0},
    {"bad_version.tif", ECM_EFORMAT, "byte order mark followed by version 41 (not 42/43)",
     mk_bad_version, 0},
    {"no_ifd.tif", ECM_ENODATA, "valid header whose first-IFD offset is 0: no image at all",
     mk_no_ifd, 0},
    {"ifd_past_eof.tif", ECM_EFORMAT, "first IFD offset 4096 in a 8-byte file", mk_ifd_past_eof, 0},
    {"truncated_ifd.tif", ECM_EFORMAT, "the file ends in the middle of the first IFD",
     mk_truncated_ifd, 0},
    {"empty_ifd.tif", ECM_EFORMAT, "an IFD with zero entries (no width, no height)", mk_empty_ifd,
     0},
    {"truncated_pixels.tif", ECM_EFORMAT, "16x16 16-bit strip of 512 bytes, 400 left in the file",
     mk_truncated_pixels, 0},
    {"strip_past_eof.tif", ECM_EFORMAT, "StripOffsets points 1 GiB past the end", mk_strip_past_eof,
     0},
    {"missing_strip_offsets.tif", ECM_EFORMAT, "no StripOffsets tag", mk_missing_strip_offsets, 0},
    {"zero_width.tif", ECM_EFORMAT, "ImageWidth 0", mk_zero_width, 0},
    {"huge_dims.tif", ECM_EOVERFLOW, "2^31 x 2^31 pixels claimed, 64 bytes of data", mk_huge_dims,
     0},
    {"rgb.tif", ECM_EUNSUPPORTED, "8-bit RGB (3 samples per pixel)", mk_rgb, 0},
    {"gray_alpha.tif", ECM_EUNSUPPORTED, "2 samples per pixel", mk_gray_alpha, 0},
    {"bilevel.tif", ECM_EUNSUPPORTED, "1-bit black and white", mk_bilevel, 0},
    {"gray12.tif", ECM_EUNSUPPORTED, "12-bit samples", mk_gray12, 0},
    {"float64.tif", ECM_EUNSUPPORTED, "64-bit float samples", mk_float64, 0},
    {"float16.tif", ECM_EUNSUPPORTED, "16-bit (half) float samples", mk_float16, 0},
    {"int64.tif", ECM_EUNSUPPORTED, "64-bit signed integer samples", mk_int64, 0},
    {"complex_int.tif", ECM_EUNSUPPORTED, "SampleFormat 5 (complex integer)", mk_complex_int, 0},
    {"complex_float.tif", ECM_EUNSUPPORTED, "SampleFormat 6 (complex float)", mk_complex_float, 0},
    {"palette.tif", ECM_EUNSUPPORTED, "8-bit palette (indexed colour) with a ColorMap", mk_palette,
     0},
    {"cmyk.tif", ECM_EUNSUPPORTED, "CMYK (Photometric 5, 4 samples)", mk_cmyk, 0},
    {"unknown_compression.tif", ECM_EUNSUPPORTED, "Compression 60000 (no such codec)",
     mk_unknown_compression, 0},
    {"corrupt_lzw.tif", ECM_EFORMAT, "LZW-compressed strip holding garbage", mk_corrupt_lzw, 1},
    {"mismatched_size.tif", ECM_EFORMAT, "page 1 is 8x8, page 2 is 7x8", mk_mismatched_size, 0},
    {"mismatched_format.tif", ECM_EFORMAT, "pages 1-2 are 32-bit unsigned, page 3 is 32-bit float",
     mk_mismatched_format, 0},
    {"mismatched_bits.tif", ECM_EFORMAT, "page 1 is 8-bit, page 2 is 16-bit", mk_mismatched_bits,
     0},
    {"mismatched_signed.tif", ECM_EFORMAT, "page 1 is 16-bit unsigned, page 2 16-bit signed",
     mk_mismatched_signed, 0},
    {"mixed_tiling.tif", ECM_EUNSUPPORTED, "page 1 in strips, page 2 in 16x16 tiles",
     mk_mixed_tiling, 0},
    {"ifd_loop.tif", ECM_EFORMAT, "the second IFD points back at the first", mk_ifd_loop, 0},
    {"second_ifd_past_eof.tif", ECM_EFORMAT, "the next-IFD offset of page 1 is past the end",
     mk_second_ifd_past_eof, 0},
    {"imagej_channels.tif", ECM_EUNSUPPORTED, "ImageJ hyperstack with channels=3",
     mk_imagej_channels, 0},
    {"imagej_slices_frames.tif", ECM_EUNSUPPORTED, "ImageJ hyperstack with slices=2 and frames=2",
     mk_imagej_slices_frames, 0},
    {"imagej_contig_truncated.tif", ECM_EFORMAT,
     "ImageJ images=5, one IFD, only 3 frames of contiguous data", mk_imagej_contig_truncated, 0},
    {"imagej_contig_compressed.tif", ECM_EFORMAT,
     "ImageJ images=5, one IFD, but the first page is PackBits-compressed",
     mk_imagej_contig_compressed, 0},
    {"imagej_huge_images.tif", ECM_EOVERFLOW, "ImageJ images=99999999999", mk_imagej_huge_images,
     0},
    {"tiled_zero_tile.tif", ECM_EFORMAT, "TileWidth 0", mk_tiled_zero_tile, 0},
    {"tiled_truncated.tif", ECM_EFORMAT, "32x32 in 16x16 tiles, the last tile 16 MiB past the end",
     mk_tiled_truncated, 0},
};

#define MK_NCASES (sizeof mk_cases / sizeof mk_cases[0])

/* Bytes of catalogue file i (caller frees m->b). */
static void mk_make(size_t i, mk_buf *m) {
  memset(m, 0, sizeof *m);
  mk_cases[i].make(m);
}

static const char *mk_status_name(ecm_status s) {
  switch (s) {
    case ECM_EFORMAT:
      return "ECM_EFORMAT";
    case ECM_ENODATA:
      return "ECM_ENODATA";
    case ECM_EOVERFLOW:
      return "ECM_EOVERFLOW";
    case ECM_EUNSUPPORTED:
      return "ECM_EUNSUPPORTED";
    default:
      return "?";
  }
}

/* README.md of the catalogue. */
static int mk_write_readme(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/README.md", dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f,
          "# Bad-input catalogue\n\n"
          "Small TIFF files, each broken in one way, and the `ecm_status` that `ecm_io_probe()`\n"
          "and `ecm_io_read_stack()` must return for it (always with a detail message that\n"
          "names the file). `tests/unit/test_io.c` reads every file, checks the status and the\n"
          "detail, and checks that these files are exactly what the generator writes.\n\n"
          "Regenerate (never edit by hand):\n\n"
          "    cc -std=c11 -Icore/include -o /tmp/make_bad_tiffs tests/data/make_bad_tiffs.c\n"
          "    /tmp/make_bad_tiffs tests/data/bad\n\n"
          "| file | how it is broken | expected status |\n|---|---|---|\n");
  for (size_t i = 0; i < MK_NCASES; i++)
    fprintf(
        f, "| `%s` | %s | `%s` (%d)%s |\n", mk_cases[i].name, mk_cases[i].why,
        mk_status_name(mk_cases[i].status), (int)mk_cases[i].status,
        mk_cases[i].probe_ok ? "; `ecm_io_probe()` gives `ECM_OK`: only decoding finds it" : "");
  return fclose(f) == 0 ? 0 : -1;
}

/* Write every catalogue file (and the README) into dir. Returns 0 on success. */
static int mk_write_all(const char *dir, int readme) {
  for (size_t i = 0; i < MK_NCASES; i++) {
    char path[4096];
    mk_buf m;
    mk_make(i, &m);
    snprintf(path, sizeof path, "%s/%s", dir, mk_cases[i].name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = m.len ? fwrite(m.b, 1, m.len, f) : 0;
    int bad = fclose(f) != 0 || w != m.len;
    free(m.b);
    if (bad) return -1;
  }
  return readme ? mk_write_readme(dir) : 0;
}

#ifndef MK_NO_MAIN
int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  if (mk_write_all(argv[1], 1) != 0) {
    perror("make_bad_tiffs");
    return 1;
  }
  printf("%zu files written to %s\n", (size_t)MK_NCASES, argv[1]);
  return 0;
}
#endif
