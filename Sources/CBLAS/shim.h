#ifndef SPARSETEXT_CBLAS_SHIM_H
#define SPARSETEXT_CBLAS_SHIM_H
// OpenBLAS's cblas.h also declares openblas_get_num_threads / openblas_set_num_threads.
#include <cblas.h>
#endif
