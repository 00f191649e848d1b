// Fuzz target: every public SVD entry point on matrices decoded from the input (any shape up to
// 64×64, any bit pattern: NaN, ±Inf, denormals, ±1e308). Each call must end in a sane result or a
// lowrank::Error: finite, sorted, non-negative singular values and a bounded residual.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "lowrank/svd.hpp"

namespace {
template <class Result>
void check_result(const Eigen::MatrixXd& A, const Result& r, bool check_residual) {
  for (Eigen::Index i = 0; i < r.S.size(); ++i) {
    if (!std::isfinite(r.S(i)) || r.S(i) < 0) __builtin_trap();
    if (i > 0 && r.S(i) > r.S(i - 1)) __builtin_trap();
  }
  if (!r.U.allFinite() || !r.V.allFinite()) __builtin_trap();
  if (check_residual && r.info.converged) {
    // Scale-free check in the scaled domain: ‖A − USVᵀ‖ ≤ 1e-6·‖A‖ (loose: the tests hold the tight bounds),
    // plus what returning σ in A's own units costs: each σ is rounded to a double, and among denormals
    // that is an absolute ½·denorm_min, relatively large (a 3×2 matrix of denormals near 1e-320 has
    // σ to 11 bits: tests/fuzz/regressions/svd/denormal_sigma_rounding).
    const double scale = A.cwiseAbs().maxCoeff();
    if (scale > 0 && std::isfinite(scale)) {
      const Eigen::MatrixXd As = A / scale;
      const Eigen::MatrixXd R = As - r.U * (r.S / scale).asDiagonal() * r.V.transpose();
      const double sigma_rounding = double(r.S.size()) * std::numeric_limits<double>::denorm_min() / scale;
      if (!(R.norm() <= 1e-6 * std::max(As.norm(), 1e-300) + sigma_rounding)) __builtin_trap();
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const Eigen::Index m = 1 + data[0] % 64, n = 1 + data[1] % 64;
  const int which = data[2] % 5;
  data += 3;
  size -= 3;
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(m, n);
  // Entries: 8 raw bytes each while they last, then a repeating small pattern.
  for (Eigen::Index k = 0; k < m * n; ++k) {
    double v = 0;
    if (std::size_t(k + 1) * 8 <= size) std::memcpy(&v, data + k * 8, 8);
    else if (size > 0) v = double(int(data[std::size_t(k) % size]) - 128);
    A(k % m, k / m) = v;
  }
  try {
    switch (which) {
      case 0: check_result(A, lowrank::jacobi_svd(A), true); break;
      case 1: check_result(A, lowrank::golub_kahan_svd(A), true); break;
      case 2: check_result(A, lowrank::gram_svd(A), false); break;  // squares κ: no residual promise for tiny σ
      case 3: check_result(A, lowrank::randomized_svd(A, std::min<Eigen::Index>(3, std::min(m, n))), false); break;
      case 4: check_result(A, lowrank::lanczos_svd(A, std::min<Eigen::Index>(3, std::min(m, n))), false); break;
    }
  } catch (const lowrank::Error&) {
  }
  return 0;
}
