#ifndef SPARSETEXT_CKERNELS_H
#define SPARSETEXT_CKERNELS_H

#include <stddef.h>

/// Elementwise optimizer kernels of the sparse autoencoder, in C so the compiler can vectorize
/// them with AVX2 where the processor has it (chosen at load time) and SSE2 elsewhere. Every
/// variant performs the same IEEE operations per element, in the same order, so results are
/// identical on every x86-64 processor.

/// Adam on `n` parameters: g' = g + lambda*p; m = 0.9m + 0.1g'; v = 0.999v + 0.001g'^2;
/// p -= lr * (m / c1) / (sqrt(v / c2) + 1e-8). Returns the sum of squares of p before the
/// update, accumulated as `sparsetext_sum_of_squares` does (for the weight-decay term).
/// `g` may be NULL for a zero gradient (rows a batch did not touch), with the same result as a
/// zero-filled array.
double sparsetext_adam(float *p, float *m, float *v, const float *g, ptrdiff_t n, float lambda,
                     float lr, float c1, float c2);

/// The sum of squares of `n` floats, accumulated in eight interleaved Float lanes (a fixed
/// order, whatever the vector width) and then summed in Double.
double sparsetext_sum_of_squares(const float *x, ptrdiff_t n);

#endif
