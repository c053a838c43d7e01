#ifndef PSEUDOTRACK_COPENBLAS_SHIM_H
#define PSEUDOTRACK_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
