// The library's explicit instantiations for float of the solvers and Eigen decompositions
// (LOWRANK_EXTERN_TEMPLATE in lowrank/config.hpp): every `extern template` line for float in the headers
// below becomes its definition here, so that programs and tests including them do not compile them again.
// instances_double.cpp does the same for double; two files so that the halves compile in parallel.
#define LOWRANK_DEFINE_FLOAT_INSTANCES 1
#include "lowrank/svd/detail/eigen_instances.hpp"
#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/svd/gram.hpp"
#include "lowrank/svd/jacobi.hpp"
#include "lowrank/svd/lanczos.hpp"
#include "lowrank/svd/randomized.hpp"
