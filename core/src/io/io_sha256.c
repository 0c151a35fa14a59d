/* SHA-256 (FIPS 180-4), streaming, and ecm_io_sha256_file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "io/io_internal.h"
#include "status/status_internal.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#include <immintrin.h>
#define ECM__SHA_NI 1
#endif

static const uint32_t ecm__sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t ecm__rotr(uint32_t x, unsigned n) {
  return (x >> n) | (x << (32 - n));
}

static void ecm__sha256_block(uint32_t h[8], const uint8_t *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ecm__rotr(w[i - 15], 7) ^ ecm__rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ecm__rotr(w[i - 2], 17) ^ ecm__rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t S1 = ecm__rotr(e, 6) ^ ecm__rotr(e, 11) ^ ecm__rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = k + S1 + ch + ecm__sha_k[i] + w[i];
    uint32_t S0 = ecm__rotr(a, 2) ^ ecm__rotr(a, 13) ^ ecm__rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = S0 + maj;
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += k;
}

#ifdef ECM__SHA_NI
/* The same compression with the x86 SHA extensions (about 5x faster on a 1 GB stack), for
 * `blocks` consecutive 64-byte blocks. The message schedule rotates through four registers:
 * group i (rounds 4i..4i+3) consumes W[i%4]; sha256msg1/msg2 prepare the group four ahead. */
__attribute__((target("sha,sse4.1,ssse3"))) static void ecm__sha256_blocks_ni(
    uint32_t h[8], const uint8_t *p, size_t blocks) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);
  __m128i st1 = _mm_loadu_si128((const __m128i *)&h[4]);
  tmp = _mm_shuffle_epi32(tmp, 0xB1);            /* CDAB */
  st1 = _mm_shuffle_epi32(st1, 0x1B);            /* EFGH */
  __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);    /* ABEF */
  st1 = _mm_blend_epi16(st1, tmp, 0xF0);         /* CDGH */
  for (; blocks; blocks--, p += 64) {
    __m128i abef = st0, cdgh = st1, w[4], msg;
    for (int i = 0; i < 16; i++) {
      if (i < 4) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), mask);
      msg = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)&ecm__sha_k[4 * i]));
      st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
      if (i >= 3 && i <= 14) {
        __m128i t = _mm_alignr_epi8(w[i & 3], w[(i + 3) & 3], 4);
        w[(i + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(w[(i + 1) & 3], t), w[i & 3]);
      }
      msg = _mm_shuffle_epi32(msg, 0x0E);
      st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
      if (i >= 1 && i <= 12) w[(i + 3) & 3] = _mm_sha256msg1_epu32(w[(i + 3) & 3], w[i & 3]);
    }
    st0 = _mm_add_epi32(st0, abef);
    st1 = _mm_add_epi32(st1, cdgh);
  }
  tmp = _mm_shuffle_epi32(st0, 0x1B);            /* FEBA */
  st1 = _mm_shuffle_epi32(st1, 0xB1);            /* DCHG */
  st0 = _mm_blend_epi16(tmp, st1, 0xF0);         /* DCBA */
  st1 = _mm_alignr_epi8(st1, tmp, 8);            /* HGFE */
  _mm_storeu_si128((__m128i *)&h[0], st0);
  _mm_storeu_si128((__m128i *)&h[4], st1);
}

static int ecm__sha_ni_available(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 29) & 1u;
}
#endif

static int ecm__sha_portable_only = 0;

void ecm__io_sha256_portable_only(int on) { ecm__sha_portable_only = on; }

/* Compress `blocks` consecutive 64-byte blocks, with the SHA extensions when present. */
static void ecm__sha256_blocks(uint32_t h[8], const uint8_t *p, size_t blocks) {
#ifdef ECM__SHA_NI
  static int have = -1; /* benign race: every thread computes the same value */
  if (have < 0) have = ecm__sha_ni_available();
  if (have && !ecm__sha_portable_only) {
    ecm__sha256_blocks_ni(h, p, blocks);
    return;
  }
#endif
  for (; blocks; blocks--, p += 64) ecm__sha256_block(h, p);
}

void ecm__io_sha256_init(ecm__io_sha256 *c) {
  static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, h0, sizeof h0);
  c->nbytes = 0;
  c->fill = 0;
}

void ecm__io_sha256_update(ecm__io_sha256 *c, const void *data, size_t len) {
  const uint8_t *p = data;
  c->nbytes += len;
  if (c->fill) {
    size_t take = 64 - c->fill < len ? 64 - c->fill : len;
    memcpy(c->block + c->fill, p, take);
    c->fill += take;
    p += take;
    len -= take;
    if (c->fill < 64) return;
    ecm__sha256_block(c->h, c->block);
    c->fill = 0;
  }
  if (len >= 64) {
    ecm__sha256_blocks(c->h, p, len / 64);
    p += len / 64 * 64;
    len %= 64;
  }
  if (len) {
    memcpy(c->block, p, len);
    c->fill = len;
  }
}

void ecm__io_sha256_final(ecm__io_sha256 *c, uint8_t out[32]) {
  uint64_t bits = c->nbytes * 8;
  c->block[c->fill++] = 0x80;
  if (c->fill > 56) {
    memset(c->block + c->fill, 0, 64 - c->fill);
    ecm__sha256_block(c->h, c->block);
    c->fill = 0;
  }
  memset(c->block + c->fill, 0, 56 - c->fill);
  for (int i = 0; i < 8; i++) c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
  ecm__sha256_block(c->h, c->block);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(c->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)c->h[i];
  }
}

void ecm__io_sha256_hex(const uint8_t digest[32], char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  hex[64] = '\0';
}

ecm_status ecm_io_sha256_file(const char *path, char hex[65]) {
  char eb[128];
  if (!path || !hex) return ecm__status_set(ECM_EINVAL, "ecm_io_sha256_file: NULL argument");
  hex[0] = '\0';
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ecm__status_set(ECM_EIO, "%s: cannot open: %s", path,
                           ecm__io_errstr(errno, eb, sizeof eb));
  ecm__io_sha256 c;
  ecm__io_sha256_init(&c);
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return ecm__status_set(ECM_EIO, "%s: read error: %s", path,
                             ecm__io_errstr(err, eb, sizeof eb));
    }
    if (n == 0) break;
    ecm__io_sha256_update(&c, buf, (size_t)n);
  }
  close(fd);
  uint8_t d[32];
  ecm__io_sha256_final(&c, d);
  ecm__io_sha256_hex(d, hex);
  return ECM_OK;
}
