// One instruction set's copy of the dense kernels (include/lowrank/kernels/dense.hpp): included by
// dense_generic.cpp, dense_avx2.cpp and dense_avx512.cpp after they define LOWRANK_DENSE_NAMESPACE and
// rename `Eigen`, so each copy has its own Eigen symbols and none can stand in for another at link time.
// The explicit instantiations below are what src/kernels/dense.cpp calls.
#include "lowrank/kernels/dense.hpp"

namespace lowrank::kernels::LOWRANK_DENSE_NAMESPACE {
template void gemm<double>(bool, bool, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, double, const double*,
                           std::ptrdiff_t, const double*, std::ptrdiff_t, double, double*, std::ptrdiff_t);
template void gemm<float>(bool, bool, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, float, const float*,
                          std::ptrdiff_t, const float*, std::ptrdiff_t, float, float*, std::ptrdiff_t);
template void syrk<double>(bool, std::ptrdiff_t, std::ptrdiff_t, double, const double*, std::ptrdiff_t, double,
                           double*, std::ptrdiff_t);
template void syrk<float>(bool, std::ptrdiff_t, std::ptrdiff_t, float, const float*, std::ptrdiff_t, float, float*,
                          std::ptrdiff_t);
template void trsm_right_lower_t<double>(std::ptrdiff_t, std::ptrdiff_t, const double*, std::ptrdiff_t, double*,
                                         std::ptrdiff_t);
template void trsm_right_lower_t<float>(std::ptrdiff_t, std::ptrdiff_t, const float*, std::ptrdiff_t, float*,
                                        std::ptrdiff_t);
template void dot_axpy<double>(std::ptrdiff_t, std::ptrdiff_t, const double*, std::ptrdiff_t, const double*,
                               const double*, double, double*, double*, double*);
template void dot_axpy<float>(std::ptrdiff_t, std::ptrdiff_t, const float*, std::ptrdiff_t, const float*, const float*,
                              float, float*, float*, float*);
template bool spd_inverse<double>(double*, std::ptrdiff_t, std::ptrdiff_t);
template bool spd_inverse<float>(float*, std::ptrdiff_t, std::ptrdiff_t);
template void tridiagonalize<double>(double*, std::ptrdiff_t, std::ptrdiff_t, double*, double*, double*);
template void tridiagonalize<float>(float*, std::ptrdiff_t, std::ptrdiff_t, float*, float*, float*);
}  // namespace lowrank::kernels::LOWRANK_DENSE_NAMESPACE
