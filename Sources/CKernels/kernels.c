#include "CKernels.h"

#include <math.h>

// No contraction into fused multiply-adds: the AVX2 and baseline variants must round alike.
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define SPARSETEXT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SPARSETEXT_CLONES
#endif

// Eight floats with the alignment of one, so loads and stores through it may be unaligned.
typedef float lanes8 __attribute__((ext_vector_type(8), aligned(4)));
#define LOAD8(x) (*(const lanes8 *)(x))
#define STORE8(x, value) (*(lanes8 *)(x) = (value))

// One Adam pass; `g == NULL` reads as a zero gradient. The gradient is added to `0.0f` then, so
// every operation (signs of zero included) is the one a zero-filled gradient would give.
static inline __attribute__((always_inline)) double
adam_pass(float *restrict p, float *restrict m, float *restrict v, const float *restrict g,
          ptrdiff_t n, float lambda, float lr, float c1, float c2, const float *next,
          ptrdiff_t ahead) {
  lanes8 squares = 0;
  ptrdiff_t i = 0;
  // One square root and one division per parameter: the step size and the second bias
  // correction are folded into scalars first (divisions and square roots, not loads, bound
  // this loop when the parameters are in cache).
  const float step = lr / c1, inverse2 = 1.0f / c2;
  // Eight lanes at a time (explicit vectors: sqrtf's errno semantics would keep the compiler
  // from vectorizing a plain loop), then the same operations one at a time.
  for (; i + 8 <= n; i += 8) {
    // One cache line of the caller's next data per sixteen parameters, while this loop waits
    // on memory anyway.
    if ((i & 15) == 0 && i < ahead) __builtin_prefetch(next + i, 0, 3);
    lanes8 pi = LOAD8(p + i);
    squares += pi * pi;
    lanes8 gi = (g ? LOAD8(g + i) : (lanes8)0.0f) + lambda * pi;
    lanes8 mi = 0.9f * LOAD8(m + i) + 0.1f * gi;
    lanes8 vi = 0.999f * LOAD8(v + i) + 0.001f * gi * gi;
    STORE8(m + i, mi);
    STORE8(v + i, vi);
    STORE8(p + i, pi - (step * mi) / (__builtin_elementwise_sqrt(vi * inverse2) + 1e-8f));
  }
  double total = 0;
  for (int k = 0; k < 8; k++) total += squares[k];
  for (; i < n; i++) {
    total += (double)p[i] * p[i];
    float gi = (g ? g[i] : 0.0f) + lambda * p[i];
    float mi = 0.9f * m[i] + 0.1f * gi;
    float vi = 0.999f * v[i] + 0.001f * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (step * mi) / (__builtin_sqrtf(vi * inverse2) + 1e-8f);
  }
  return total;
}

SPARSETEXT_CLONES
double sparsetext_adam(float *restrict p, float *restrict m, float *restrict v,
                       const float *restrict g, ptrdiff_t n, float lambda, float lr, float c1,
                       float c2, const float *next, ptrdiff_t ahead) {
  if (!next) ahead = 0;
  // Two copies of the loop, so neither tests `g` per element.
  if (g) return adam_pass(p, m, v, g, n, lambda, lr, c1, c2, next, ahead);
  return adam_pass(p, m, v, NULL, n, lambda, lr, c1, c2, next, ahead);
}

SPARSETEXT_CLONES
double sparsetext_sum_of_squares(const float *restrict x, ptrdiff_t n) {
  lanes8 lanes = 0;
  ptrdiff_t i = 0;
  for (; i + 8 <= n; i += 8) {
    lanes8 xi = LOAD8(x + i);
    lanes += xi * xi;
  }
  double total = 0;
  for (int k = 0; k < 8; k++) total += lanes[k];
  for (; i < n; i++) total += (double)x[i] * x[i];
  return total;
}

// Eight doubles with the alignment of one.
typedef double dlanes8 __attribute__((ext_vector_type(8), aligned(8)));

SPARSETEXT_CLONES
double sparsetext_dot_f32_f64(const float *restrict x, const double *restrict w, ptrdiff_t n) {
  dlanes8 lanes = 0;
  ptrdiff_t i = 0;
  for (; i + 8 <= n; i += 8) {
    lanes += __builtin_convertvector(LOAD8(x + i), dlanes8) * *(const dlanes8 *)(w + i);
  }
  double total = 0;
  for (int k = 0; k < 8; k++) total += lanes[k];
  for (; i < n; i++) total += (double)x[i] * w[i];
  return total;
}

SPARSETEXT_CLONES
void sparsetext_axpy_f32_f64(double a, const float *restrict x, double *restrict y, ptrdiff_t n) {
  ptrdiff_t i = 0;
  for (; i + 8 <= n; i += 8) {
    dlanes8 *target = (dlanes8 *)(y + i);
    *target = *target + a * __builtin_convertvector(LOAD8(x + i), dlanes8);
  }
  for (; i < n; i++) y[i] += a * (double)x[i];
}

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

unsigned sparsetext_flush_denormals_begin(void) {
#if defined(__x86_64__)
  unsigned saved = _mm_getcsr();
  // FTZ (bit 15): results below the normal range become zero; DAZ (bit 6): such inputs read
  // as zero. Both are deterministic, so results stay the same run to run.
  _mm_setcsr(saved | 0x8040);
  return saved;
#else
  return 0;
#endif
}

void sparsetext_flush_denormals_end(unsigned saved) {
#if defined(__x86_64__)
  _mm_setcsr(saved);
#else
  (void)saved;
#endif
}
