// The library's explicit instantiations of the solvers and Eigen decompositions for float and double
// (LOWRANK_EXTERN_TEMPLATE in lowrank/config.hpp): every `extern template` line of the headers below
// becomes its definition here, so that programs and tests including them do not compile them again.
#define LOWRANK_DEFINE_INSTANCES 1
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/svd/gram.hpp"
#include "lowrank/svd/jacobi.hpp"
#include "lowrank/svd/lanczos.hpp"
#include "lowrank/svd/randomized.hpp"
