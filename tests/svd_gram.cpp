// gram_svd: LAPACK test ratios where the Gram route can meet them (σ_min ≥ 32·√ε·σ₁, no warning), the
// Gram-specific bound |σ̂² − σ²| = O(ε·σ₁²) on every matrix type, the accuracy loss below √ε·σ₁ and
// the warning that reports it, errors.
#include <catch2/catch.hpp>

#include <Eigen/SVD>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lowrank/svd/gram.hpp"
#include "lowrank/svd/jacobi.hpp"
#include "support/matrices.hpp"
#include "support/svd_checks.hpp"

using lowrank::GramOptions;
using lowrank::Index;
using lowrank::Vectors;
using lowrank_test::MatrixKind;

namespace {
const char* vectors_name(Vectors v) { return v == Vectors::none ? "none" : v == Vectors::thin ? "thin" : "full"; }
}  // namespace

TEMPLATE_TEST_CASE("gram_svd: LAPACK ratios, or the warning and the Gram error bound", "[svd][gram]", float,
                   double) {
  const double eps = double(std::numeric_limits<TestType>::epsilon());
  for (const auto kind : lowrank_test::all_matrix_kinds())
    for (const auto& [m, n] : lowrank_test::test_shapes())
      for (const auto vec : {Vectors::none, Vectors::thin, Vectors::full}) {
        const auto t = lowrank_test::make_test_matrix<TestType>(kind, m, n, 13);
        GramOptions opt;
        opt.vectors = vec;
        const auto r = lowrank::gram_svd(t.A, opt);
        INFO(t.name << ", vectors " << vectors_name(vec) << ", warning \"" << r.info.warning << "\"");
        REQUIRE(r.info.converged);
        REQUIRE(r.info.method == "gram");
        const lowrank::Vector<double> ref =
            t.sigma_known ? t.sigma : lowrank_test::reference_singular_values(t.A);
        const double s1 = ref(0), kappa_inv = s1 > 0 ? ref(ref.size() - 1) / s1 : 1.0;
        const double mn = double(std::max(m, n));
        // The Gram bound: λ = σ² is computed to an absolute O(max(m,n)·ε·σ₁²), whatever κ is.
        // (Computed on σ/σ₁, so that σ² cannot overflow for the matrices scaled near overflow.)
        const lowrank::Vector<double> S = r.S.template cast<double>();
        const double lambda_ratio =
            s1 > 0 ? ((S / s1).cwiseAbs2() - (ref / s1).cwiseAbs2()).cwiseAbs().maxCoeff() / (mn * eps)
                   : S.cwiseAbs().maxCoeff();
        INFO("max |σ̂² − σ²| / (σ₁²·max(m,n)·ε) = " << lambda_ratio << ", true σ_min/σ₁ = " << kappa_inv);
        REQUIRE(lambda_ratio < 30);
        if (r.info.warning.empty()) {
          // No warning: the true spectrum is above the threshold (up to the error in σ_min itself).
          REQUIRE(kappa_inv > 16 * std::sqrt(eps));
          if (kappa_inv * mn > 0.1) {
            // σ relative error ε·(σ₁/σ)² is within the LAPACK ratio when σ₁/σ_min ≲ max(m,n).
            lowrank_test::check_svd(t.A, r, t.sigma, vec);
          } else {
            const auto q = lowrank_test::svd_ratios(t.A, r, t.sigma, vec);
            INFO("residual " << q.residual << ", orth U " << q.orth_u << ", orth V " << q.orth_v);
            REQUIRE(q.orth_u < 30);
            REQUIRE(q.orth_v < 30);
          }
        } else {
          // Warned: the spectrum really reaches below ~32·√ε·σ₁, and the message says what is lost.
          REQUIRE(kappa_inv < 64 * std::sqrt(eps));
          REQUIRE(r.info.warning.find("squared") != std::string::npos);
          const auto q = lowrank_test::svd_ratios(t.A, r, t.sigma, vec);
          INFO("residual " << q.residual << ", orth U " << q.orth_u << ", orth V " << q.orth_v);
          // U and V stay orthonormal (eigenvectors + Householder QR) even where they are inaccurate.
          REQUIRE(q.orth_u < 30);
          REQUIRE(q.orth_v < 30);
        }
      }
}

// The textbook caveat (MML §4.5.2 squares κ), demonstrated: σ spanning 1 … 1e-12 in double. Above
// ~1e-4·σ₁ the relative error follows ε·(σ₁/σ)²; below √ε·σ₁ ≈ 1.5e-8 the values are noise of size
// ~√ε·σ₁, far worse than a method that does not square (jacobi_svd: absolute error O(ε·σ₁)).
TEST_CASE("gram_svd loses the singular values below sqrt(eps)*sigma_1, and warns", "[svd][gram][accuracy]") {
  const Index m = 120, n = 40;
  lowrank_test::Rng rng(77);
  Eigen::VectorXd sigma(n);
  for (Index i = 0; i < n; ++i) sigma(i) = std::pow(1e-12, double(i) / double(n - 1));
  const Eigen::MatrixXd A = lowrank_test::random_orthonormal(m, n, rng) * sigma.asDiagonal() *
                            lowrank_test::random_orthonormal(n, n, rng).transpose();
  const double eps = std::numeric_limits<double>::epsilon();
  const auto g = lowrank::gram_svd(A);
  const auto j = lowrank::jacobi_svd(A);
  INFO("warning: " << g.info.warning);
  REQUIRE_FALSE(g.info.warning.empty());
  REQUIRE(g.info.warning.find("gram_svd") == 0);
  double worst_gram_small = 0, worst_jacobi_small = 0;
  for (Index i = 0; i < n; ++i) {
    const double rel_g = std::abs(g.S(i) - sigma(i)) / sigma(i);
    if (sigma(i) >= 1e-4) {
      INFO("σ = " << sigma(i) << ": gram relative error " << rel_g << ", bound 100·ε·(σ₁/σ)² = "
                  << 100 * eps / (sigma(i) * sigma(i)));
      REQUIRE(rel_g < 100 * eps / (sigma(i) * sigma(i)));
    }
    if (sigma(i) < std::sqrt(eps)) {
      worst_gram_small = std::max(worst_gram_small, std::abs(g.S(i) - sigma(i)));
      worst_jacobi_small = std::max(worst_jacobi_small, std::abs(j.S(i) - sigma(i)));
    }
  }
  INFO("largest absolute error among σ < √ε: gram " << worst_gram_small << ", jacobi " << worst_jacobi_small);
  // Noise of order √ε·σ₁ for gram (≥ 1e4·ε here: the values below 1e-12…1e-8 are not even ordered
  // right), against O(max(m,n)·ε·σ₁) for jacobi_svd.
  REQUIRE(worst_gram_small > 1e4 * eps);
  REQUIRE(worst_jacobi_small < 30 * double(m) * eps);
  // The smallest σ = 1e-12 has no correct digit.
  const double rel_min = std::abs(g.S(n - 1) - sigma(n - 1)) / sigma(n - 1);
  INFO("σ_min = 1e-12: gram gives " << g.S(n - 1) << " (relative error " << rel_min << ")");
  REQUIRE(rel_min > 0.5);
  REQUIRE(g.info.residual_estimate == Approx(std::sqrt(eps)).epsilon(1e-6));
}

TEST_CASE("gram_svd: well-conditioned tall-skinny input meets the LAPACK ratios without a warning",
          "[svd][gram]") {
  const auto t = lowrank_test::make_test_matrix<double>(MatrixKind::random_kappa_1e2, 400, 50, 3);
  for (const auto vec : {Vectors::thin, Vectors::full}) {
    GramOptions opt;
    opt.vectors = vec;
    const auto r = lowrank::gram_svd(t.A, opt);
    INFO("vectors " << vectors_name(vec) << ", warning \"" << r.info.warning << "\"");
    REQUIRE(r.info.warning.empty());
    REQUIRE(r.info.residual_estimate < 1e-13);
    lowrank_test::check_svd(t.A, r, t.sigma, vec);
  }
  // Wide: the same matrix transposed (the n×n Gram matrix is then AAᵀ).
  const Eigen::MatrixXd At = t.A.transpose();
  const auto r = lowrank::gram_svd(At);
  lowrank_test::check_svd(At, r, t.sigma, Vectors::thin);
}

TEST_CASE(
    "gram_svd reads views in place (a leading dimension, tall and wide), evaluates other expressions, "
    "and scales only far from 1",
    "[svd][gram]") {
  const auto t = lowrank_test::make_test_matrix<double>(MatrixKind::random_kappa_1e2, 300, 40, 5);
  const auto reference = lowrank::gram_svd(t.A);
  lowrank_test::check_svd(t.A, reference, t.sigma, Vectors::thin);
  // The same matrix inside a larger array: a column-major block with outer stride 307 (read in place).
  Eigen::MatrixXd big = Eigen::MatrixXd::Constant(307, 45, std::numeric_limits<double>::quiet_NaN());
  big.block(4, 2, 300, 40) = t.A;
  const auto block = big.block(4, 2, 300, 40);
  const auto from_block = lowrank::gram_svd(block);
  lowrank_test::check_svd(t.A, from_block, t.sigma, Vectors::thin);
  CHECK((from_block.S - reference.S).cwiseAbs().maxCoeff() == 0.0);  // same arithmetic on the same numbers
  // Wide, from a block of the transposed array (A·Aᵀ through the kernels' transpose flag).
  Eigen::MatrixXd bigt = Eigen::MatrixXd::Constant(43, 310, std::numeric_limits<double>::quiet_NaN());
  bigt.block(1, 7, 40, 300) = t.A.transpose();
  const Eigen::MatrixXd At = t.A.transpose();
  const auto wide = lowrank::gram_svd(bigt.block(1, 7, 40, 300));
  lowrank_test::check_svd(At, wide, t.sigma, Vectors::thin);
  // Row-major storage and a lazy expression: evaluated once, same singular values.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = t.A;
  const auto from_row_major = lowrank::gram_svd(row_major);
  lowrank_test::check_svd(t.A, from_row_major, t.sigma, Vectors::thin);
  const auto from_expression = lowrank::gram_svd(t.A * 1.0);
  CHECK((from_expression.S - reference.S).cwiseAbs().maxCoeff() == 0.0);
  // Far from 1 (2^±600: AᵀA would overflow or underflow) a copy scaled by a power of two is used; power-of-two
  // scaling is exact, so σ scale exactly and the vectors are the same.
  for (const int p : {600, -600}) {
    INFO("A scaled by 2^" << p);
    const Eigen::MatrixXd scaled = t.A * std::ldexp(1.0, p);
    const auto r = lowrank::gram_svd(scaled);
    REQUIRE(r.S.allFinite());
    CHECK((r.S / std::ldexp(1.0, p) - reference.S).cwiseAbs().maxCoeff() <= 1e-14 * reference.S(0));
    CHECK((r.U - reference.U).cwiseAbs().maxCoeff() <= 1e-12);
    CHECK((r.V - reference.V).cwiseAbs().maxCoeff() <= 1e-12);
  }
  // Float: copied and scaled beyond 2^±8 (where n·m²·2^(4e) could overflow the eigensolver's norms).
  const Eigen::MatrixXf Af = t.A.cast<float>();
  const auto reference_f = lowrank::gram_svd(Af);
  for (const int p : {20, -20}) {
    INFO("float A scaled by 2^" << p);
    const Eigen::MatrixXf scaled = Af * std::ldexp(1.0f, p);
    const auto r = lowrank::gram_svd(scaled);
    REQUIRE(r.S.allFinite());
    CHECK((r.S / std::ldexp(1.0f, p) - reference_f.S).cwiseAbs().maxCoeff() <= 1e-6f * reference_f.S(0));
    CHECK((r.U - reference_f.U).cwiseAbs().maxCoeff() <= 1e-4f);
    CHECK((r.V - reference_f.V).cwiseAbs().maxCoeff() <= 1e-4f);
  }
}

TEST_CASE(
    "gram_svd: the O(n^2) estimate of U's orthogonality matches the explicit one, and skipping the "
    "QR pass on its word keeps U orthonormal to 2.5*m*eps",
    "[svd][gram]") {
  // B = W·V·D⁻¹ before any QR pass; the prediction is a block 1-norm estimate of ‖I − D⁻¹·VᵀGV·D⁻¹‖₁ (a
  // lower bound of it). It may overestimate the actual loss (then a QR pass runs that was not needed) but
  // must not underestimate much: gram_svd trusts it to skip the pass. A single-vector estimator (Hager's)
  // missed the 300×300 κ = 2 matrix by 3×.
  using Mat = Eigen::MatrixXd;
  const double eps = std::numeric_limits<double>::epsilon();
  lowrank_test::Rng rng(29);
  const auto gaussian = [&rng](Index m, Index n) {
    Mat A(m, n);
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < m; ++i) A(i, j) = rng.normal();
    return A;
  };
  for (const auto& [m, n] :
       std::vector<std::pair<Index, Index>>{{1200, 150}, {600, 300}, {300, 300}, {400, 200}, {250, 250}})
    for (const double kappa : {0.0, 2.0, 100.0}) {  // 0: Gaussian entries, else a geometric spectrum
      const Mat A =
          kappa == 0 ? gaussian(m, n)
                     : lowrank_test::detail::dense_with_spectrum(lowrank_test::detail::geometric(n, kappa), m, n, rng);
      Mat G;
      lowrank::detail::gram_lower(A, G);
      Eigen::VectorXd w;
      Mat Z;
      REQUIRE(lowrank::detail::symmetric_eigen_dc(G, w, Z));
      const Mat V = Z.rowwise().reverse();
      Mat B = A * V;
      Eigen::VectorXd d(n);
      for (Index j = 0; j < n; ++j) {
        d(j) = B.col(j).norm();
        B.col(j) /= d(j);
      }
      const double actual = (Mat::Identity(n, n) - B.transpose() * B).cwiseAbs().colwise().sum().maxCoeff();
      const double predicted = lowrank::detail::predicted_orthogonality_loss(G, V, d);
      INFO(m << "x" << n << (kappa == 0 ? " Gaussian" : " geometric, kappa " + std::to_string(kappa)) << ": actual "
             << actual / (double(m) * eps) << " m*eps, predicted " << predicted / (double(m) * eps));
      // Near the 2·m·ε threshold, the estimate decides whether the QR pass runs: there it must be tight
      // both ways (under, U would keep a loss above the threshold; over, a needless pass). Far above it
      // (the near-singular square Gaussian, ~300·m·ε, where the prediction's own rounding is of the order
      // of what it predicts: 1.09× with the tridiagonalization at SSE4, 1.57× at AVX2; and a block 1-norm
      // estimate is a lower bound: 600×300, κ = 100 gave 38.1 against 57.1·m·ε in an ASan build on a CPU
      // with AVX-512 VP2INTERSECT, 39.8 against 49.1 in the release build) both sides only have to agree
      // that a QR pass is needed.
      if (actual <= 10 * double(m) * eps) {
        CHECK(predicted >= 0.7 * actual);
        CHECK(predicted <= 1.5 * actual + double(m) * eps * 0.05);
      } else {
        CHECK(predicted > 2 * double(m) * eps);
      }
      // And the solver's own U, with or without the QR pass, is within 2.5·m·ε of orthonormal.
      const auto r = lowrank::gram_svd(A);
      const double orth = (Mat::Identity(n, n) - r.U.transpose() * r.U).cwiseAbs().colwise().sum().maxCoeff();
      CHECK(orth <= 2.5 * double(m) * eps);
    }
}

TEST_CASE("gram_svd: errors name the problem", "[svd][gram][errors]") {
  using Catch::Matchers::Contains;
  Eigen::MatrixXf empty(3, 0);
  REQUIRE_THROWS_AS(lowrank::gram_svd(empty), lowrank::Error);
  Eigen::MatrixXf A = Eigen::MatrixXf::Ones(5, 4);
  A(4, 1) = std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_WITH(lowrank::gram_svd(A), Contains("gram_svd") && Contains("(4, 1)"));
  A(4, 1) = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_WITH(lowrank::gram_svd(A), Contains("non-finite"));
  A(4, 1) = 0;
  GramOptions bad;
  bad.tolerance = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(lowrank::gram_svd(A, bad), Contains("tolerance"));
  bad = {};
  bad.max_iterations = -1;
  REQUIRE_THROWS_WITH(lowrank::gram_svd(A, bad), Contains("max_iterations"));
}

namespace {
/// Symmetric tridiagonal test matrices (diagonal, off-diagonal) of order n: the shapes that exercise
/// divide and conquer's deflation (zeros, repeated and clustered eigenvalues, splits) and its secular
/// equation (random, graded, Wilkinson's close pairs).
template <class S>
std::vector<std::pair<std::string, std::pair<lowrank::Vector<S>, lowrank::Vector<S>>>> tridiagonal_cases(Index n) {
  std::mt19937 gen(std::uint32_t(5 + n));
  std::normal_distribution<double> normal;
  const Index ne = std::max<Index>(n - 1, 0);
  using V = lowrank::Vector<S>;
  std::vector<std::pair<std::string, std::pair<V, V>>> cases;
  V d(n), e(ne);
  for (Index i = 0; i < n; ++i) d(i) = S(normal(gen));
  for (Index i = 0; i < ne; ++i) e(i) = S(normal(gen));
  cases.push_back({"random", {d, e}});
  V split = e;
  for (Index i = 0; i < ne; i += 7) split(i) = 0;
  cases.push_back({"random with zero couplings", {d, split}});
  cases.push_back({"zero", {V::Zero(n), V::Zero(ne)}});
  cases.push_back({"identity", {V::Ones(n), V::Zero(ne)}});
  cases.push_back({"ones, couplings 1e-9 (one tight cluster)", {V::Ones(n), V::Constant(ne, S(1e-9))}});
  V w(n);
  for (Index i = 0; i < n; ++i) w(i) = S(std::abs(double(i) - double(n - 1) / 2));
  cases.push_back({"Wilkinson (close pairs)", {w, V::Ones(ne)}});
  cases.push_back({"Toeplitz 2, -1", {V::Constant(n, S(2)), V::Constant(ne, S(-1))}});
  V g(n), ge(ne);
  for (Index i = 0; i < n; ++i) g(i) = S(std::pow(10.0, -12.0 * double(i) / double(std::max<Index>(1, n - 1))));
  for (Index i = 0; i < ne; ++i) ge(i) = S(0.5 * std::sqrt(double(g(i)) * double(g(i + 1))));
  cases.push_back({"graded 1 … 1e-12", {g, ge}});
  return cases;
}
}  // namespace

TEMPLATE_TEST_CASE("tridiagonal divide and conquer: LAPACK ratios and Eigen's eigenvalues", "[svd][gram][eigen]", float,
                   double) {
  using S = TestType;
  const double eps = double(std::numeric_limits<S>::epsilon());
#ifndef LOWRANK_TEST_EMULATED
  const std::vector<Index> orders = {1, 2, 33, 64, 65, 150, 301};
#else
  const std::vector<Index> orders = {1, 2, 33, 64, 65};  // qemu: three merge levels at most
#endif
  for (const Index n : orders)
    for (const auto& [name, de] : tridiagonal_cases<S>(n)) {
      const auto& [d, e] = de;
      lowrank::Matrix<S> T = lowrank::Matrix<S>::Zero(n, n);
      for (Index i = 0; i < n; ++i) T(i, i) = d(i);
      for (Index i = 0; i + 1 < n; ++i) T(i, i + 1) = T(i + 1, i) = e(i);
      lowrank::Vector<S> w = d;
      lowrank::Matrix<S> Z(n, n);
      INFO(name << ", n = " << n);
      REQUIRE(lowrank::detail::tridiagonal_eigen_dc<S>(w, e, Z));
      const Eigen::MatrixXd Td = T.template cast<double>(), Zd = Z.template cast<double>();
      const Eigen::VectorXd wd = w.template cast<double>();
      const double tnorm = std::max(Td.norm(), std::numeric_limits<double>::min());
      // LAPACK dstt21-style ratios: ‖T·Z − Z·Λ‖ / (‖T‖·n·ε) and ‖I − ZᵀZ‖ / (n·ε)
      const double residual = (Td * Zd - Zd * wd.asDiagonal()).norm() / (tnorm * double(n) * eps);
      const double orthogonality = (Zd.transpose() * Zd - Eigen::MatrixXd::Identity(n, n)).norm() / (double(n) * eps);
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> oracle(Td, Eigen::EigenvaluesOnly);
      const double values = (wd - oracle.eigenvalues()).cwiseAbs().maxCoeff() / (tnorm * double(n) * eps);
      CAPTURE(residual, orthogonality, values);
      REQUIRE(residual < 30);
      REQUIRE(orthogonality < 30);
      REQUIRE(values < 30);
      for (Index i = 0; i + 1 < n; ++i) REQUIRE(w(i) <= w(i + 1));  // ascending
    }
}
