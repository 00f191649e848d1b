// The dense kernels compiled for the avx2 instruction set (flags in CMakeLists.txt).
#define Eigen lowrank_eigen_avx2
#define LOWRANK_DENSE_NAMESPACE dense_avx2
#include "kernels/dense_isa.hpp"
