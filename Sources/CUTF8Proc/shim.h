#ifndef SPARSETEXT_CUTF8PROC_SHIM_H
#define SPARSETEXT_CUTF8PROC_SHIM_H
#include <utf8proc.h>
#endif
