// The dense kernels compiled for the avx512 instruction set (flags in CMakeLists.txt).
#define Eigen lowrank_eigen_avx512
#define LOWRANK_DENSE_NAMESPACE dense_avx512
#include "kernels/dense_isa.hpp"
