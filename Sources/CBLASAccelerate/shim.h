#ifndef SPARSETEXT_CBLAS_ACCELERATE_SHIM_H
#define SPARSETEXT_CBLAS_ACCELERATE_SHIM_H
#define ACCELERATE_NEW_LAPACK 1
#include <Accelerate/Accelerate.h>
static inline int openblas_get_num_threads(void) { return 1; }
static inline void openblas_set_num_threads(int num_threads) { (void)num_threads; }
#endif
