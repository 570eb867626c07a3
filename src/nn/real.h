/*
 * real.h - the element type of the layers, chosen at compile time.
 *
 * Every file in src/nn/layers/ is written once against `real` and compiled
 * twice: as float (the training build; functions named nn_xxx) and with
 * -DNN_F64 as double (functions named nn_xxx_f64), which the finite-difference
 * gradient checks use. Include this first in a layer source file.
 */
#ifndef NN_REAL_H
#define NN_REAL_H

#include <cblas.h>

#include "golu.h"

#ifdef NN_F64
typedef double real;
#define NN(name) name##_f64
#define NN_DTYPE GOLU_F64
#define nn_gemm  cblas_dgemm
#define nn_gemv  cblas_dgemv
#define nn_axpy  cblas_daxpy
#else
typedef float real;
#define NN(name) name
#define NN_DTYPE GOLU_F32
#define nn_gemm  cblas_sgemm
#define nn_gemv  cblas_sgemv
#define nn_axpy  cblas_saxpy
#endif

#endif
