#ifndef SPARSETEXT_CKERNELS_H
#define SPARSETEXT_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The hot loops that Swift does not vectorize, in C: the autoencoder's optimizer kernels, the
/// classifier's products with dense codes and the ASCII tokenizer. Each is compiled with AVX2
/// where the processor has it (chosen at load time) and for the x86-64 baseline elsewhere.
/// Every variant performs the same operations per element, in the same order, so results are
/// identical on every x86-64 processor.

/// Adam on `n` parameters: g' = g + lambda*p; m = 0.9m + 0.1g'; v = 0.999v + 0.001g'^2;
/// p -= ((lr / c1) * m) / (sqrt(v * (1 / c2)) + 1e-8). Returns the sum of squares of p before
/// the update, accumulated as `sparsetext_sum_of_squares` does (for the weight-decay term).
/// `g` may be NULL for a zero gradient (rows a batch did not touch), with the same result as a
/// zero-filled array. When `next` is not NULL, the first `ahead` floats from it (at most `n`)
/// are prefetched into cache during the update: the data the caller reads next, fetched while
/// this loop is bound by memory anyway.
double sparsetext_adam(float *p, float *m, float *v, const float *g, ptrdiff_t n, float lambda,
                       float lr, float c1, float c2, const float *next, ptrdiff_t ahead);

/// The sum of squares of `n` floats, accumulated in eight interleaved Float lanes (a fixed
/// order, whatever the vector width) and then summed in Double.
double sparsetext_sum_of_squares(const float *x, ptrdiff_t n);

/// `sum_c (double)x[c] * w[c]` over `n` entries: the logistic regression's products with a dense
/// Float block (codes) and Double weights. Eight Double lanes, each lane's products added in
/// order, the lanes then summed 0 to 7, then the tail: the same on every processor.
double sparsetext_dot_f32_f64(const float *x, const double *w, ptrdiff_t n);

/// `y[c] += a * (double)x[c]` over `n` entries (the gradient of the same products).
void sparsetext_axpy_f32_f64(double a, const float *x, double *y, ptrdiff_t n);

/// scikit-learn's default tokens (`(?u)\b\w\w+\b`: runs of two or more word characters,
/// which in ASCII are `[0-9A-Za-z_]`) of `n` bytes of ASCII text, 32 bytes at a time. Writes the
/// tokens' bytes one after another to `out` (lowercased when `lowercase` is not zero; room for
/// `n + 32` bytes), the end of each token in `out` to `ends` (room for `n / 2 + 1`), and the
/// bytes written to `*length`. Returns the number of tokens, or -1 as soon as it meets a byte
/// of 0x80 or above, leaving nothing usable: the caller then scans the text itself.
ptrdiff_t sparsetext_scan_ascii_words(const uint8_t *text, ptrdiff_t n, int lowercase,
                                      uint8_t *out, ptrdiff_t *ends, ptrdiff_t *length);

/// Sets the calling thread's floating-point unit to flush denormal results and inputs to zero
/// (x86-64: MXCSR's FTZ and DAZ bits; elsewhere nothing) and returns the previous state for
/// `sparsetext_flush_denormals_end`. Optimizer state that decays geometrically (Adam's first
/// moment of a unit that stops receiving gradient) otherwise reaches the denormal range, where
/// every operation on it costs tens of cycles.
unsigned sparsetext_flush_denormals_begin(void);

/// Restores the state `sparsetext_flush_denormals_begin` returned.
void sparsetext_flush_denormals_end(unsigned saved);

/// ZIP's CRC-32 of `n` bytes, continuing from `crc` (0 to start; the result of an earlier call
/// to continue over the next bytes). On x86-64 processors with PCLMULQDQ (chosen at load time)
/// inputs of 79 bytes or more are folded 64 bytes at a time by carry-less multiplication (about
/// 13 GB/s from memory and 24 GB/s from cache on a Xeon VM); on ARM with the CRC32 extension
/// each instruction takes eight bytes; elsewhere, and for short inputs, tables take eight bytes
/// at a time (1.5 GB/s). The result is the same on every path.
uint32_t sparsetext_crc32(uint32_t crc, const uint8_t *bytes, ptrdiff_t n);

/// Estimated scores of `count` queries against `rows` rows of an embedding index's int8 copy
/// (`d` codes per row, row after row): `out[q * ldo + r] = scales[r] * Σ_i codes[r * d + i] *
/// queries[q * ldq + i] + bounds[r]`, the estimate plus the row's error bound, which is the
/// highest score row `r` can have. Compiled for AVX-512, AVX2 and the x86-64 baseline (chosen
/// at load time); the variants round differently, within the caller's bound.
void sparsetext_scan_int8(const int8_t *codes, ptrdiff_t rows, ptrdiff_t d, const float *scales,
                          const float *bounds, const float *queries, ptrdiff_t ldq,
                          ptrdiff_t count, float *out, ptrdiff_t ldo);

/// The int8 copy of `rows` rows of `d` floats that `sparsetext_scan_int8` reads: row `r`'s
/// scale is `max|x| / 127` and its codes `x / scale` rounded (half away from zero) into
/// [-127, 127]; `errors[r]` is the L2 norm of the row's quantization error `x − scale · code`,
/// computed in double precision whatever the rounding (0, with scale 0, for a zero row).
void sparsetext_quantize_int8(const float *x, ptrdiff_t rows, ptrdiff_t d, int8_t *codes,
                              float *scales, double *errors);

#endif
