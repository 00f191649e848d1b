#pragma once
/// \file svd.hpp  All SVD solvers: dense (jacobi_svd, golub_kahan_svd, gram_svd) and truncated
/// (randomized_svd, lanczos_svd on dense, sparse or matrix-free operators).
#include "lowrank/svd/common.hpp"
#include "lowrank/svd/jacobi.hpp"
#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/svd/gram.hpp"
#include "lowrank/operator.hpp"
#include "lowrank/svd/randomized.hpp"
#include "lowrank/svd/lanczos.hpp"
