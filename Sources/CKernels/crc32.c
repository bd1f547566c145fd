#include "CKernels.h"

#include <string.h>

// CRC-32 as ZIP and zlib compute it: the reflected polynomial 0xEDB88320, the register inverted
// before and after. Three implementations give the same results:
// - x86-64 with PCLMULQDQ and SSE4.1 (chosen when the library loads): carry-less multiplication
//   folds 64 bytes at a time, with slicing by 8 for the bytes before a 16-byte boundary and the
//   last few bytes;
// - ARM with the CRC32 instructions (known when compiling): eight bytes per instruction;
// - everywhere else: slicing by 8, eight table lookups per eight bytes.

#if defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#define SPARSETEXT_CRC_ARM 1
#include <arm_acle.h>
#elif defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SPARSETEXT_CRC_PCLMUL 1
#include <immintrin.h>
#endif

#if defined(SPARSETEXT_CRC_ARM)

// `__crc32b` and `__crc32d` advance the (already inverted) register over one byte and over
// eight little-endian bytes, with the same polynomial and bit order as the tables below.
static uint32_t crc32_arm(uint32_t c, const uint8_t *bytes, ptrdiff_t n) {
  while (n > 0 && ((uintptr_t)bytes & 7) != 0) {
    c = __crc32b(c, *bytes++);
    n--;
  }
  while (n >= 8) {
    uint64_t word;
    memcpy(&word, bytes, 8);
    c = __crc32d(c, word);
    bytes += 8;
    n -= 8;
  }
  while (n-- > 0) c = __crc32b(c, *bytes++);
  return c;
}

uint32_t sparsetext_crc32(uint32_t crc, const uint8_t *bytes, ptrdiff_t n) {
  return ~crc32_arm(~crc, bytes, n);
}

#else

// Slicing by 8: table[k][b] is the CRC of byte b followed by k zero bytes, so eight table
// lookups advance the register over eight bytes at once. The tables are built when the library
// loads.
static uint32_t crc_table[8][256];

// The register `c` (already inverted) advanced over `n` bytes, eight at a time.
static uint32_t crc32_table(uint32_t c, const uint8_t *bytes, ptrdiff_t n) {
  // Byte by byte up to an eight-byte boundary, then eight at a time, then the tail.
  while (n > 0 && ((uintptr_t)bytes & 7) != 0) {
    c = crc_table[0][(c ^ *bytes++) & 0xFF] ^ (c >> 8);
    n--;
  }
  while (n >= 8) {
    uint32_t low, high;
    memcpy(&low, bytes, 4);
    memcpy(&high, bytes + 4, 4);
    low ^= c;
    c = crc_table[7][low & 0xFF] ^ crc_table[6][(low >> 8) & 0xFF] ^
        crc_table[5][(low >> 16) & 0xFF] ^ crc_table[4][low >> 24] ^
        crc_table[3][high & 0xFF] ^ crc_table[2][(high >> 8) & 0xFF] ^
        crc_table[1][(high >> 16) & 0xFF] ^ crc_table[0][high >> 24];
    bytes += 8;
    n -= 8;
  }
  while (n-- > 0) c = crc_table[0][(c ^ *bytes++) & 0xFF] ^ (c >> 8);
  return c;
}

#if defined(SPARSETEXT_CRC_PCLMUL)

// Folding with carry-less multiplication (Intel, "Fast CRC Computation for Generic Polynomials
// Using PCLMULQDQ Instruction", 2009), in the reflected bit order, where the first byte holds
// the highest powers of x and bit 0 of a 32-bit value is the coefficient of x^31.
//
// The CRC of a message M is M * x^32 mod P. Four 128-bit lanes hold 64 bytes of the message
// (the register XORed into the first four). Moving a lane D bits later in the message means
// multiplying it by x^D; modulo P that is a 32-bit polynomial, so each 64-bit half of the lane
// is multiplied (PCLMULQDQ) by a 33-bit constant and the 96-bit products are XORed into the
// lane D bits on. In the reflected order a 64-by-33-bit product lands 32 powers of x above
// where a plain product would, so the first (higher) half takes x^(D+32) mod P and the second
// x^(D-32) mod P. Each constant is shifted left one bit, because a reflected product of an
// n-bit and an m-bit value is n + m - 1 bits long and would otherwise come out one power short.
//
// - k1, k2 = x^(512+32), x^(512-32): folds each lane onto the next 64 bytes (D = 512).
// - k3, k4 = x^(128+32), x^(128-32): folds the four lanes into one and that lane onto each
//   following 16 bytes (D = 128); k4 also folds the last lane's first half onto its second,
//   leaving 96 bits.
// - k5 = x^64: folds the first 32 of those 96 bits onto the other 64.
// - Barrett reduction takes the remaining 64 bits A modulo P without division: with
//   mu = floor(x^64 / P), the quotient of A by P is floor(floor(A / x^32) * mu / x^32), and
//   A minus quotient times P leaves the 32-bit CRC. mu and P have 33 bits each (reflected).
//
// All of them (x^k mod P by repeated multiplication by x, mu by long division) are computed
// when the library loads rather than written out: k1 = 0x154442BD4, k2 = 0x1C6E41596,
// k3 = 0x1751997D0, k4 = 0x0CCAA009E, k5 = 0x163CD6124, P = 0x1DB710641, mu = 0x1F7011641.
static uint64_t crc_fold_512[2] __attribute__((aligned(16)));
static uint64_t crc_fold_128[2] __attribute__((aligned(16)));
static uint64_t crc_fold_64[2] __attribute__((aligned(16)));
static uint64_t crc_barrett[2] __attribute__((aligned(16)));
static int crc_use_pclmul;

// x^k mod P, reflected (bit 31 is the coefficient of x^0), and shifted left one bit.
static uint64_t crc_x_to_the(int k) {
  uint32_t c = 0x80000000u;
  while (k-- > 0) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  return (uint64_t)c << 1;
}

// The register `c` (already inverted) advanced over `n` bytes: at least 64 and a multiple of 16.
__attribute__((target("pclmul,sse4.1"))) static uint32_t
crc32_pclmul(uint32_t c, const uint8_t *bytes, ptrdiff_t n) {
  __m128i x1 = _mm_loadu_si128((const __m128i *)bytes);
  __m128i x2 = _mm_loadu_si128((const __m128i *)(bytes + 16));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(bytes + 32));
  __m128i x4 = _mm_loadu_si128((const __m128i *)(bytes + 48));
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)c));
  bytes += 64;
  n -= 64;

  // Four lanes folded onto the next 64 bytes at a time: eight independent multiplications.
  // Reading 4 KiB ahead into cache nearly doubles the speed on data from memory (the hardware
  // prefetcher alone leaves it at half the memory bandwidth) and costs nothing on data in cache.
  // A prefetch past the end of the buffer is harmless: it never faults.
  __m128i k = _mm_load_si128((const __m128i *)crc_fold_512);
  while (n >= 64) {
    _mm_prefetch((const char *)((uintptr_t)bytes + 4096), _MM_HINT_T0);
    __m128i h1 = _mm_clmulepi64_si128(x1, k, 0x00), l1 = _mm_clmulepi64_si128(x1, k, 0x11);
    __m128i h2 = _mm_clmulepi64_si128(x2, k, 0x00), l2 = _mm_clmulepi64_si128(x2, k, 0x11);
    __m128i h3 = _mm_clmulepi64_si128(x3, k, 0x00), l3 = _mm_clmulepi64_si128(x3, k, 0x11);
    __m128i h4 = _mm_clmulepi64_si128(x4, k, 0x00), l4 = _mm_clmulepi64_si128(x4, k, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(h1, l1), _mm_loadu_si128((const __m128i *)bytes));
    x2 = _mm_xor_si128(_mm_xor_si128(h2, l2), _mm_loadu_si128((const __m128i *)(bytes + 16)));
    x3 = _mm_xor_si128(_mm_xor_si128(h3, l3), _mm_loadu_si128((const __m128i *)(bytes + 32)));
    x4 = _mm_xor_si128(_mm_xor_si128(h4, l4), _mm_loadu_si128((const __m128i *)(bytes + 48)));
    bytes += 64;
    n -= 64;
  }

  // The four lanes into one, then that lane onto each remaining 16 bytes.
  k = _mm_load_si128((const __m128i *)crc_fold_128);
#define CRC_FOLD_128(lane, next)                                                                 \
  lane = _mm_xor_si128(                                                                          \
      _mm_xor_si128(_mm_clmulepi64_si128(lane, k, 0x00), _mm_clmulepi64_si128(lane, k, 0x11)), \
      next)
  CRC_FOLD_128(x1, x2);
  CRC_FOLD_128(x1, x3);
  CRC_FOLD_128(x1, x4);
  while (n >= 16) {
    CRC_FOLD_128(x1, _mm_loadu_si128((const __m128i *)bytes));
    bytes += 16;
    n -= 16;
  }
#undef CRC_FOLD_128

  // 128 bits to 96: the first half times k4 onto the second half (moved to the bottom).
  const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
  x2 = _mm_clmulepi64_si128(x1, k, 0x10);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
  // 96 bits to 64: the first 32 times k5 onto the other 64.
  k = _mm_load_si128((const __m128i *)crc_fold_64);
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, low32), k, 0x00), x2);
  // Barrett reduction: the quotient's 32 bits (times mu, keeping the top half), times P,
  // cancel the first 32 bits and leave the remainder in the second 32.
  k = _mm_load_si128((const __m128i *)crc_barrett);
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, low32), k, 0x10);
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, low32), k, 0x00);
  return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x1, x2), 1);
}

// The folding constants, and whether this processor has the instructions.
static void crc32_prepare_pclmul(void) {
  crc_fold_512[0] = crc_x_to_the(512 + 32);
  crc_fold_512[1] = crc_x_to_the(512 - 32);
  crc_fold_128[0] = crc_x_to_the(128 + 32);
  crc_fold_128[1] = crc_x_to_the(128 - 32);
  crc_fold_64[0] = crc_x_to_the(64);
  crc_fold_64[1] = 0;
  // mu = floor(x^64 / P) by long division in the ordinary bit order (P = 0x104C11DB7 there):
  // `r` holds the 33 coefficients of the running remainder from degree i + 32 down to i.
  uint64_t quotient = 0, r = 1ull << 32;
  for (int i = 32; i >= 0; i--) {
    if (r >> 32) {
      quotient |= 1ull << i;
      r ^= 0x104C11DB7ull;
    }
    r <<= 1;
  }
  // mu and P reflected as 33-bit values (P's constant term becomes bit 0, its x^32 bit 32).
  uint64_t mu = 0;
  for (int i = 0; i <= 32; i++) mu |= ((quotient >> i) & 1) << (32 - i);
  crc_barrett[0] = ((uint64_t)0xEDB88320u << 1) | 1;
  crc_barrett[1] = mu;
  __builtin_cpu_init();
  crc_use_pclmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

#endif

__attribute__((constructor)) static void crc32_prepare(void) {
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int bit = 0; bit < 8; bit++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = crc_table[0][b];
    for (int k = 1; k < 8; k++) {
      c = crc_table[0][c & 0xFF] ^ (c >> 8);
      crc_table[k][b] = c;
    }
  }
#if defined(SPARSETEXT_CRC_PCLMUL)
  crc32_prepare_pclmul();
#endif
}

uint32_t sparsetext_crc32(uint32_t crc, const uint8_t *bytes, ptrdiff_t n) {
  uint32_t c = ~crc;
#if defined(SPARSETEXT_CRC_PCLMUL)
  // Folding needs 64 bytes after the bytes up to a 16-byte boundary; the table takes the rest.
  if (crc_use_pclmul && n >= 64 + 15) {
    ptrdiff_t head = (ptrdiff_t)((16 - ((uintptr_t)bytes & 15)) & 15);
    c = crc32_table(c, bytes, head);
    bytes += head;
    n -= head;
    ptrdiff_t body = n & ~(ptrdiff_t)15;
    c = crc32_pclmul(c, bytes, body);
    bytes += body;
    n -= body;
  }
#endif
  return ~crc32_table(c, bytes, n);
}

#endif
