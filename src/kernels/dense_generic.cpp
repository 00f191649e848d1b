// The dense kernels compiled with the build's own flags: the fallback, and the only copy off x86.
#define Eigen lowrank_eigen_generic
#define LOWRANK_DENSE_NAMESPACE dense_generic
#include "kernels/dense_isa.hpp"
