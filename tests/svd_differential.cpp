// Differential property test (issue 8): on random matrices of many shapes, spectra and scalings, the
// five solvers must agree with each other within their documented accuracy:
//   golub_kahan vs jacobi  |Δσᵢ| ≤ c·max(m,n)·ε·σ₁              (both backward stable)
//   gram vs jacobi         |Δσᵢ| ≤ c·max(m,n)·ε·σ₁²/σᵢ           (the Gram route squares κ; docs/svd.md)
//   lanczos (top k)        |Δσᵢ| ≤ 1e-8·σ₁                      (default tolerance 1e-10·σ₁ on the residual)
//   randomized (top k)     |Δσᵢ| ≤ 1e-6·σ₁ + 100·σᵢ·(σ_{l+1}/σᵢ)^(4q+2)   (l = k + p sketch columns, q power
//                          steps: the decay-dependent bound of Halko–Martinsson–Tropp / Gu 2015 — on flat
//                          spectra randomized SVD is only approximately right, as docs/svd.md says)
// and their singular subspaces must agree within the angle that perturbation theory allows for the
// gap to the rest of the spectrum (Wedin: sin θ ≤ ‖E‖/gap). Jacobi is the reference: it is the
// most accurate. When LAPACK is found (LOWRANK_TEST_HAVE_LAPACK), a second case checks Jacobi and
// Golub-Kahan against LAPACK dgesdd on the same matrices, with the same bounds.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "lowrank/svd.hpp"
#include "support/matrices.hpp"

#if LOWRANK_TEST_HAVE_LAPACK
#include <lapacke.h>
#endif

using lowrank::Index;
using namespace lowrank_test;

namespace {
/// sin of the largest principal angle between span(A) and span(B) (orthonormal columns).
double subspace_sine(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) {
  if (A.cols() == 0) return 0;
  const Eigen::MatrixXd R = A - B * (B.transpose() * A);
  return Eigen::JacobiSVD<Eigen::MatrixXd>(R).singularValues()(0);
}

struct Case {
  Index m, n;
  double kappa;   // σ₁/σ_min of a geometric spectrum
  double scale;   // the whole matrix times this (1e±150 and 1e-300 check the internal scaling)
  std::uint64_t seed;
};

/// Shapes × condition numbers × scalings, each with its own seed.
std::vector<Case> differential_cases() {
  std::vector<Case> cases;
  std::uint64_t seed = 1;
  for (auto [m, n] : std::vector<std::pair<Index, Index>>{{1, 1}, {7, 3}, {3, 7}, {24, 24}, {60, 17}, {17, 60},
                                                          {45, 44}, {80, 30}})
    for (double kappa : {10.0, 1e4, 1e10})
      for (double scale : {1.0, 1e-150, 1e150, 1e-300}) cases.push_back({m, n, kappa, scale, seed++});
  return cases;
}

/// The case's matrix: a geometric spectrum from 1 to 1/κ, random singular vectors, times the scale.
Eigen::MatrixXd case_matrix(const Case& c) {
  Rng rng(c.seed);
  const Eigen::VectorXd sigma = detail::geometric(std::min(c.m, c.n), c.kappa);
  return c.scale * detail::dense_with_spectrum(sigma, c.m, c.n, rng);
}
}  // namespace

TEST_CASE("differential: the five solvers agree on random matrices", "[svd][differential]") {
  const double eps = std::numeric_limits<double>::epsilon();
  for (const Case& c : differential_cases()) {
    const Index k = std::min(c.m, c.n);
    INFO(c.m << "x" << c.n << ", kappa " << c.kappa << ", scale " << c.scale << ", seed " << c.seed);
    const Eigen::MatrixXd A = case_matrix(c);
    const double mn = double(std::max(c.m, c.n));

    const auto jac = lowrank::jacobi_svd(A);
    const auto gk = lowrank::golub_kahan_svd(A);
    const auto gram = lowrank::gram_svd(A);
    REQUIRE(jac.S.size() == k);
    REQUIRE(gk.S.size() == k);
    REQUIRE(gram.S.size() == k);
    const double s1 = jac.S(0);
    for (Index i = 0; i < k; ++i) {
      CHECK(std::abs(gk.S(i) - jac.S(i)) <= 30 * mn * eps * s1);
      CHECK(std::abs(gram.S(i) - jac.S(i)) <= 30 * mn * eps * s1 * (s1 / jac.S(i)) + 30 * mn * eps * s1);
    }
    // Leading singular vectors of well-separated values: the gap of the geometric spectrum is
    // σᵢ − σᵢ₊₁ = σᵢ·(1 − κ^(−1/(k−1))); with ‖E‖ ≈ mn·ε·σ₁, Wedin gives sin θ ≲ mn·ε·σ₁/gap.
    for (Index i = 0; i + 1 < k && i < 3; ++i) {
      const double gap = jac.S(i) - jac.S(i + 1);
      if (gap <= 1e-3 * s1) continue;
      const double allowed = 100 * mn * eps * s1 / gap;
      CHECK(subspace_sine(gk.V.col(i), jac.V.col(i)) <= allowed);
      CHECK(subspace_sine(gram.V.col(i), jac.V.col(i)) <= allowed * (s1 / jac.S(i)));
    }

    // Truncated solvers: top r with r ≤ k/3 (at least 1).
    const Index r = std::max<Index>(1, k / 3);
    lowrank::LanczosOptions lo;
    lo.seed = c.seed;
    const auto lan = lowrank::lanczos_svd(A, r, lo);
    lowrank::RandomizedOptions ro;
    ro.seed = c.seed;
    const auto rnd = lowrank::randomized_svd(A, r, ro);
    REQUIRE(lan.S.size() == r);
    REQUIRE(rnd.S.size() == r);
    CHECK(lan.info.converged);
    const Index l = std::min(k, r + rnd.info.oversampling);
    const double sigma_next = l < k ? jac.S(l) : 0.0;  // σ_{l+1}
    const int q = std::max(0, rnd.info.iterations);
    INFO("randomized: l = " << l << ", q = " << q);
    for (Index i = 0; i < r; ++i) {
      CHECK(std::abs(lan.S(i) - jac.S(i)) <= 1e-8 * s1);
      const double decay = std::pow(sigma_next / jac.S(i), 4 * q + 2);
      CHECK(std::abs(rnd.S(i) - jac.S(i)) <= 1e-6 * s1 + 100 * jac.S(i) * decay);
    }
    // The leading r-dimensional subspace, when σ_r is separated from σ_{r+1}.
    if (r < k) {
      const double gap = jac.S(r - 1) - jac.S(r);
      if (gap > 1e-3 * s1) {
        CHECK(subspace_sine(lan.V, jac.V.leftCols(r)) <= 1e-6 * s1 / gap);
        const double decay = std::pow(sigma_next / jac.S(r - 1), 2 * q + 1);
        CHECK(subspace_sine(rnd.V, jac.V.leftCols(r)) <= 1e-5 * s1 / gap + 100 * decay);
      }
    }
  }
}

#if LOWRANK_TEST_HAVE_LAPACK
TEST_CASE("differential: Jacobi and Golub-Kahan agree with LAPACK dgesdd", "[svd][differential][lapack]") {
  const double eps = std::numeric_limits<double>::epsilon();
  for (const Case& c : differential_cases()) {
    const Index k = std::min(c.m, c.n);
    INFO(c.m << "x" << c.n << ", kappa " << c.kappa << ", scale " << c.scale << ", seed " << c.seed);
    const Eigen::MatrixXd A = case_matrix(c);
    const double mn = double(std::max(c.m, c.n));

    Eigen::MatrixXd W = A;  // dgesdd overwrites its input
    Eigen::VectorXd S(k);
    Eigen::MatrixXd U(c.m, k), VT(k, c.n);
    const int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', int(c.m), int(c.n), W.data(), int(c.m), S.data(), U.data(),
                                    int(c.m), VT.data(), int(k));
    REQUIRE(info == 0);
    const auto jac = lowrank::jacobi_svd(A);
    const auto gk = lowrank::golub_kahan_svd(A);
    const double s1 = S(0);
    for (Index i = 0; i < k; ++i) {  // all three backward stable: σ within c·max(m,n)·ε·σ₁
      CHECK(std::abs(jac.S(i) - S(i)) <= 30 * mn * eps * s1);
      CHECK(std::abs(gk.S(i) - S(i)) <= 30 * mn * eps * s1);
    }
    const Eigen::MatrixXd V = VT.transpose();
    for (Index i = 0; i + 1 < k && i < 3; ++i) {  // Wedin, as in the case above
      const double gap = S(i) - S(i + 1);
      if (gap <= 1e-3 * s1) continue;
      const double allowed = 100 * mn * eps * s1 / gap;
      CHECK(subspace_sine(jac.V.col(i), V.col(i)) <= allowed);
      CHECK(subspace_sine(gk.V.col(i), V.col(i)) <= allowed);
      CHECK(subspace_sine(gk.U.col(i), U.col(i)) <= allowed);
    }
  }
}
#endif

TEST_CASE("dense solvers: a singular value beyond the double range is an Error, not Inf", "[svd][limits]") {
  // Every entry is finite, but σ₁ = ‖rows‖·‖cols‖ = 1e308·√2·2 ≈ 2.8e308 > DBL_MAX (found by fuzz_svd).
  Eigen::MatrixXd A(4, 4);
  A.row(0).setConstant(1e308);
  A.row(1).setConstant(-1e308);
  A.row(2).setConstant(4.9e-324);
  A.row(3).setConstant(1e-300);
  auto is_overflow = [](const lowrank::Error& e) {
    return e.code() == lowrank::Errc::non_finite && std::string(e.what()).find("overflows") != std::string::npos;
  };
  CHECK_THROWS_MATCHES(lowrank::jacobi_svd(A), lowrank::Error, Catch::Predicate<lowrank::Error>(is_overflow));
  CHECK_THROWS_MATCHES(lowrank::golub_kahan_svd(A), lowrank::Error, Catch::Predicate<lowrank::Error>(is_overflow));
  CHECK_THROWS_MATCHES(lowrank::gram_svd(A), lowrank::Error, Catch::Predicate<lowrank::Error>(is_overflow));
  // Half of it is representable (σ₁ ≈ 1.4e308) and comes back finite and right.
  const Eigen::MatrixXd B = A / 2;
  CHECK(lowrank::jacobi_svd(B).S(0) == Approx(2 * std::sqrt(2.0) * 0.5e308).epsilon(1e-12));
  CHECK(lowrank::golub_kahan_svd(B).S(0) == Approx(2 * std::sqrt(2.0) * 0.5e308).epsilon(1e-12));
}
