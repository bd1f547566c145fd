#include "CKernels.h"

// The scan of an embedding index's int8 copy. Its scores are estimates whose error the caller
// bounds (rows are rescored exactly afterwards), so the variants may round differently: fused
// multiply-adds are welcome here, unlike in kernels.c.

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define SPARSETEXT_SEARCH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SPARSETEXT_SEARCH_CLONES
#endif

// Sixteen values with the alignment of one element, so loads through them may be unaligned.
typedef int8_t codes16 __attribute__((ext_vector_type(16), aligned(1)));
typedef float floats16 __attribute__((ext_vector_type(16), aligned(4)));

typedef float floats8 __attribute__((ext_vector_type(8)));
typedef float floats4 __attribute__((ext_vector_type(4)));

// The sum of sixteen lanes, halves added pairwise (a macro: a vector passed to a function
// would need the widest target's calling convention).
#define REDUCE16(v, sum)                                                                       \
  do {                                                                                         \
    floats8 half = (v).lo + (v).hi;                                                            \
    floats4 quarter = half.lo + half.hi;                                                       \
    (sum) = (quarter.x + quarter.z) + (quarter.y + quarter.w);                                 \
  } while (0)

// Up to four queries against one row: the row's codes are widened once and multiplied with
// each query. `W` is the number of queries (a constant in each instantiation, so the
// accumulators stay in registers).
#define SCAN_ROW(W)                                                                            \
  do {                                                                                         \
    floats16 acc[W];                                                                           \
    for (int q = 0; q < W; q++) acc[q] = 0;                                                    \
    ptrdiff_t i = 0;                                                                           \
    for (; i + 16 <= d; i += 16) {                                                             \
      floats16 x = __builtin_convertvector(*(const codes16 *)(row + i), floats16);            \
      for (int q = 0; q < W; q++) acc[q] += x * *(const floats16 *)(query[q] + i);            \
    }                                                                                          \
    for (int q = 0; q < W; q++) {                                                              \
      float sum;                                                                               \
      REDUCE16(acc[q], sum);                                                                   \
      for (ptrdiff_t t = i; t < d; t++) sum += (float)row[t] * query[q][t];                    \
      o[q * ldo + r] = scales[r] * sum + bounds[r];                                            \
    }                                                                                          \
  } while (0)

SPARSETEXT_SEARCH_CLONES
void sparsetext_scan_int8(const int8_t *codes, ptrdiff_t rows, ptrdiff_t d, const float *scales,
                          const float *bounds, const float *queries, ptrdiff_t ldq,
                          ptrdiff_t count, float *out, ptrdiff_t ldo) {
  for (ptrdiff_t first = 0; first < count; first += 4) {
    const ptrdiff_t w = count - first < 4 ? count - first : 4;
    const float *query[4];
    for (int q = 0; q < 4; q++) query[q] = queries + (first + (q < w ? q : 0)) * ldq;
    float *const o = out + first * ldo;
    for (ptrdiff_t r = 0; r < rows; r++) {
      const int8_t *row = codes + r * d;
      switch (w) {
      case 1: SCAN_ROW(1); break;
      case 2: SCAN_ROW(2); break;
      case 3: SCAN_ROW(3); break;
      default: SCAN_ROW(4); break;
      }
    }
  }
}

SPARSETEXT_SEARCH_CLONES
void sparsetext_quantize_int8(const float *x, ptrdiff_t rows, ptrdiff_t d, int8_t *codes,
                              float *scales, double *errors) {
  for (ptrdiff_t r = 0; r < rows; r++) {
    const float *row = x + r * d;
    int8_t *code = codes + r * d;
    float largest = 0;
    for (ptrdiff_t i = 0; i < d; i++) {
      const float magnitude = row[i] < 0 ? -row[i] : row[i];
      largest = magnitude > largest ? magnitude : largest;
    }
    if (!(largest > 0)) {
      for (ptrdiff_t i = 0; i < d; i++) code[i] = 0;
      scales[r] = 0;
      errors[r] = 0;
      continue;
    }
    const float scale = largest / 127, inverse = 127 / largest;
    double sum = 0;
    for (ptrdiff_t i = 0; i < d; i++) {
      // Rounded half away from zero by truncation, which every variant vectorizes; the error
      // is measured below whatever the rounding did.
      float v = row[i] * inverse;
      v = v < 0 ? v - 0.5f : v + 0.5f;
      v = v > 127 ? 127 : v < -127 ? -127 : v;
      const int q = (int)v;
      code[i] = (int8_t)q;
      const double e = (double)row[i] - (double)scale * (double)q;
      sum += e * e;
    }
    scales[r] = scale;
    errors[r] = __builtin_sqrt(sum);
  }
}
