// jacobi_svd: LAPACK test ratios over the ddrvbd matrix types, high relative accuracy on graded
// matrices (oracle: the same algorithm in long double), extreme scaling, iteration cap, errors.
#include <catch2/catch.hpp>

#include <Eigen/SVD>
#include <cmath>
#include <limits>

#include "lowrank/svd/jacobi.hpp"
#include "support/matrices.hpp"
#include "support/svd_checks.hpp"

using lowrank::Index;
using lowrank::JacobiOptions;
using lowrank::Precondition;
using lowrank::Vectors;
using lowrank_test::MatrixKind;

namespace {

const char* precondition_name(Precondition p) {
  return p == Precondition::none ? "none" : p == Precondition::qr ? "qr" : "col_piv_qr";
}
const char* vectors_name(Vectors v) { return v == Vectors::none ? "none" : v == Vectors::thin ? "thin" : "full"; }

// Largest relative error max_i |σ_i − ref_i| / ref_i over the σ with ref_i > 0.
template <class A, class B>
double max_relative_error(const A& s, const B& ref) {
  double worst = 0;
  for (Index i = 0; i < ref.size(); ++i) {
    const double r = double(ref(i));
    if (r > 0) worst = std::max(worst, std::abs(double(s(i)) - r) / r);
  }
  return worst;
}

}  // namespace

TEMPLATE_TEST_CASE("jacobi_svd passes the LAPACK ratios on every matrix type", "[svd][jacobi]", float, double) {
  for (const auto kind : lowrank_test::all_matrix_kinds())
    for (const auto& [m, n] : lowrank_test::test_shapes())
      for (const auto vec : {Vectors::none, Vectors::thin, Vectors::full}) {
        const auto t = lowrank_test::make_test_matrix<TestType>(kind, m, n, 11);
        JacobiOptions opt;
        opt.vectors = vec;
        const auto r = lowrank::jacobi_svd(t.A, opt);
        INFO(t.name << ", vectors " << vectors_name(vec) << ", sweeps " << r.info.iterations);
        REQUIRE(r.info.converged);
        REQUIRE(r.info.method == "jacobi");
        lowrank_test::check_svd(t.A, r, t.sigma, vec);
      }
}

TEMPLATE_TEST_CASE("jacobi_svd: every preconditioner and panel width gives the same accuracy", "[svd][jacobi]",
                   float, double) {
  for (const auto pre : {Precondition::none, Precondition::qr, Precondition::col_piv_qr})
    for (const Index block : {Index(0), Index(1), Index(3)})
      for (const auto kind : {MatrixKind::random_kappa_1e8, MatrixKind::rank_deficient, MatrixKind::graded,
                              MatrixKind::diag_clustered, MatrixKind::scaled_underflow})
        for (const auto& [m, n] : std::vector<std::pair<Index, Index>>{{1, 1}, {1, 6}, {30, 30}, {47, 21}, {21, 47}})
          for (const auto vec : {Vectors::thin, Vectors::full})
            for (const double start : {1e3, 0.0}) {
              const auto t = lowrank_test::make_test_matrix<TestType>(kind, m, n, 5);
              JacobiOptions opt;
              opt.precondition = pre;
              opt.block_size = block;
              opt.vectors = vec;
              opt.eigenvector_start_grading = start;
              const auto r = lowrank::jacobi_svd(t.A, opt);
              INFO(t.name << ", precondition " << precondition_name(pre) << ", block " << block << ", vectors "
                          << vectors_name(vec) << ", eigenvector start grading " << start << ", sweeps "
                          << r.info.iterations);
              REQUIRE(r.info.converged);
              lowrank_test::check_svd(t.A, r, t.sigma, vec);
            }
}

// The relative-accuracy claim (issue 3): A = B·D, B well conditioned, D spanning 1e-15 … 1. Every σ,
// also the ~1e-15 ones, must have relative error ≲ 1e-13. Oracle: the same one-sided Jacobi in long
// double on the same (exactly representable) matrix — its own relative error is O(κ(B)·1e-19).
TEST_CASE("jacobi_svd has high relative accuracy on graded matrices", "[svd][jacobi][graded]") {
  for (const auto& [m, n] : std::vector<std::pair<Index, Index>>{{60, 60}, {120, 70}, {70, 120}})
    for (const std::uint64_t seed : {1u, 2u}) {
      const auto t = lowrank_test::make_test_matrix<double>(MatrixKind::graded, m, n, seed);
      JacobiOptions vals;
      vals.vectors = Vectors::none;
      const auto oracle = lowrank::jacobi_svd(t.A.cast<long double>().eval(), vals);
      REQUIRE(oracle.info.converged);
      const double ratio_span = double(oracle.S(0) / oracle.S(oracle.S.size() - 1));
      const Eigen::VectorXd bdc = Eigen::BDCSVD<Eigen::MatrixXd>(t.A).singularValues();
      const double bdc_err = max_relative_error(bdc, oracle.S);
      for (const auto pre : {Precondition::col_piv_qr, Precondition::qr, Precondition::none})
        for (const auto vec : {Vectors::none, Vectors::thin}) {
          JacobiOptions opt;
          opt.precondition = pre;
          opt.vectors = vec;
          const auto r = lowrank::jacobi_svd(t.A, opt);
          const double err = max_relative_error(r.S, oracle.S);
          INFO(t.name << ", precondition " << precondition_name(pre) << ", vectors " << vectors_name(vec)
                      << ": σ₁/σ_min = " << ratio_span << ", max relative error " << err
                      << " (Eigen BDCSVD: " << bdc_err << ")");
          REQUIRE(ratio_span > 1e13);  // the matrix really is graded
          REQUIRE(err < 1e-13);
          if (vec == Vectors::thin) lowrank_test::check_svd(t.A, r, lowrank::Vector<double>(), vec);
        }
    }
}

// The eigenvector start (JacobiOptions::eigenvector_start_grading): on an ungraded matrix the sweeps
// start from X·V₀ and only polish, to the same accuracy; on a graded one it steps aside entirely.
TEST_CASE("jacobi_svd: the eigenvector start saves sweeps, keeps the accuracy, and steps aside when graded",
          "[svd][jacobi]") {
  for (const auto pre : {Precondition::col_piv_qr, Precondition::qr, Precondition::none})
    for (const auto& [m, n] : std::vector<std::pair<Index, Index>>{{120, 120}, {300, 90}, {90, 160}}) {
      const auto t = lowrank_test::make_test_matrix<double>(MatrixKind::random_kappa_1e2, m, n, 21);
      JacobiOptions with, without;
      with.precondition = without.precondition = pre;
      without.eigenvector_start_grading = 0;
      const auto a = lowrank::jacobi_svd(t.A, with);
      const auto b = lowrank::jacobi_svd(t.A, without);
      const double diff = max_relative_error(a.S, b.S);
      INFO(m << "x" << n << ", precondition " << precondition_name(pre) << ": sweeps " << a.info.iterations
             << " with the start, " << b.info.iterations << " without; max relative σ difference " << diff);
      REQUIRE(a.info.converged);
      REQUIRE(b.info.converged);
      REQUIRE(a.info.iterations <= 4);
      REQUIRE(a.info.iterations + 3 <= b.info.iterations);
      REQUIRE(diff < 1e-13);
      lowrank_test::check_svd(t.A, a, t.sigma, Vectors::thin);
    }
  // graded (σ spanning 1e-15 … 1): the start declines, so the results are the plain sweeps' bit for bit
  const auto g = lowrank_test::make_test_matrix<double>(MatrixKind::graded, 80, 60, 3);
  JacobiOptions off;
  off.eigenvector_start_grading = 0;
  const auto a = lowrank::jacobi_svd(g.A);
  const auto b = lowrank::jacobi_svd(g.A, off);
  REQUIRE(a.info.iterations == b.info.iterations);
  REQUIRE(a.S == b.S);
  REQUIRE(a.U == b.U);
}

TEST_CASE("jacobi_svd: matrices scaled by 1e±300 and subnormal-sized entries", "[svd][jacobi][scaling]") {
  const auto t = lowrank_test::make_test_matrix<double>(MatrixKind::random_kappa_1e2, 40, 25, 3);
  const auto base = lowrank::jacobi_svd(t.A);
  for (const double c : {1e300, 1e-300, 1e-305, std::ldexp(1.0, -1040)}) {
    const Eigen::MatrixXd A = t.A * c;
    const auto r = lowrank::jacobi_svd(A);
    const double err = max_relative_error(r.S / c, base.S);
    INFO("scale " << c << ": max relative deviation of σ/scale from the unscaled σ " << err);
    REQUIRE(r.info.converged);
    // Scaling by c rounds every entry (relative 1e-16; in the subnormal range absolute 2^-1074 ≈ 5e-324
    // against entries ~1e-314), which moves σ of this κ = 100 matrix by about κ times that.
    REQUIRE(err < (c < 1e-310 ? 1e-6 : 1e-12));
    // Subnormal σ themselves carry only ~5e-324 absolute precision, so the ε-ratios apply to normal σ.
    if (c > 1e-310) lowrank_test::check_svd(A, r, lowrank::Vector<double>(), Vectors::thin);
  }
}

TEST_CASE("jacobi_svd: the sweep cap reports non-convergence and still returns sorted output",
          "[svd][jacobi]") {
  const auto t = lowrank_test::make_test_matrix<double>(MatrixKind::random_kappa_1e2, 60, 60, 9);
  JacobiOptions opt;
  opt.max_iterations = 1;
  opt.precondition = Precondition::none;
  const auto r = lowrank::jacobi_svd(t.A, opt);
  INFO("iterations " << r.info.iterations << ", residual estimate " << r.info.residual_estimate);
  REQUIRE_FALSE(r.info.converged);
  REQUIRE(r.info.iterations == 1);
  REQUIRE(r.info.residual_estimate > 0);
  for (Index i = 1; i < r.S.size(); ++i) REQUIRE(r.S(i) <= r.S(i - 1));
  REQUIRE_THROWS_AS(lowrank::require_converged(r), lowrank::Error);
  // A loose tolerance converges in fewer sweeps than the default.
  JacobiOptions loose;
  loose.tolerance = 1e-3;
  loose.precondition = Precondition::none;
  const auto a = lowrank::jacobi_svd(t.A, loose);
  JacobiOptions tight;
  tight.precondition = Precondition::none;
  const auto b = lowrank::jacobi_svd(t.A, tight);
  INFO("sweeps: tolerance 1e-3 " << a.info.iterations << ", default " << b.info.iterations);
  REQUIRE(a.info.converged);
  REQUIRE(a.info.iterations < b.info.iterations);
}

TEST_CASE("jacobi_svd: sign normalization is deterministic", "[svd][jacobi]") {
  const auto t = lowrank_test::make_test_matrix<double>(MatrixKind::random_kappa_1e2, 30, 20, 4);
  const auto a = lowrank::jacobi_svd(t.A);
  const auto b = lowrank::jacobi_svd(t.A);
  REQUIRE(a.U == b.U);
  REQUIRE(a.V == b.V);
  for (Index j = 0; j < a.V.cols(); ++j) {
    Index arg;
    a.V.col(j).cwiseAbs().maxCoeff(&arg);
    INFO("column " << j);
    REQUIRE(a.V(arg, j) > 0);
  }
}

TEST_CASE("jacobi_svd: errors name the problem", "[svd][jacobi][errors]") {
  using Catch::Matchers::Contains;
  Eigen::MatrixXd empty(0, 3);
  REQUIRE_THROWS_MATCHES(lowrank::jacobi_svd(empty), lowrank::Error, Catch::Matchers::Predicate<lowrank::Error>(
                             [](const lowrank::Error& e) { return e.code() == lowrank::Errc::shape_mismatch; }));
  Eigen::MatrixXd A = Eigen::MatrixXd::Ones(4, 5);
  A(2, 3) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(lowrank::jacobi_svd(A), Contains("jacobi_svd") && Contains("(2, 3)"));
  A(2, 3) = 1;
  A(0, 4) = -std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(lowrank::jacobi_svd(A), Contains("non-finite") && Contains("(0, 4)"));
  A(0, 4) = 1;
  JacobiOptions bad;
  bad.tolerance = -1;
  REQUIRE_THROWS_WITH(lowrank::jacobi_svd(A, bad), Contains("tolerance"));
  bad = {};
  bad.max_iterations = -2;
  REQUIRE_THROWS_WITH(lowrank::jacobi_svd(A, bad), Contains("max_iterations"));
  bad = {};
  bad.precondition = static_cast<Precondition>(7);
  REQUIRE_THROWS_WITH(lowrank::jacobi_svd(A, bad), Contains("precondition"));
  bad = {};
  bad.block_size = -1;
  REQUIRE_THROWS_WITH(lowrank::jacobi_svd(A, bad), Contains("block_size"));
}

TEST_CASE("jacobi_svd accepts expressions, maps and row-major input", "[svd][jacobi]") {
  const auto t = lowrank_test::make_test_matrix<float>(MatrixKind::random_kappa_1e2, 12, 9, 2);
  const Eigen::Matrix<float, -1, -1, Eigen::RowMajor> R = t.A;
  const auto a = lowrank::jacobi_svd(R);
  const auto b = lowrank::jacobi_svd(Eigen::Map<const lowrank::Matrix<float>>(t.A.data(), 12, 9));
  const auto c = lowrank::jacobi_svd(t.A.block(0, 0, 12, 9) * 2.0f);
  lowrank_test::check_svd(R, a, t.sigma, Vectors::thin);
  lowrank_test::check_svd(t.A, b, t.sigma, Vectors::thin);
  lowrank_test::check_svd((t.A * 2.0f).eval(), c, lowrank::Vector<double>(t.sigma * 2.0), Vectors::thin);
}

// Found by tests/fuzz/fuzz_svd (regressions/svd/denormal_sigma_rounding): a matrix of denormals near
// 1e-320. σ is computed on the scaled copy and returned in A's units, where a double near 1e-320 has only
// 11 bits: the result must be the correctly rounded σ (within one denorm_min), with orthonormal U and V.
TEST_CASE("jacobi_svd: a matrix of denormals gets its singular values correctly rounded", "[svd][jacobi]") {
  const double tiny = std::numeric_limits<double>::denorm_min();
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(3, 2);
  A(0, 0) = 157 * tiny;
  A(1, 0) = 2048 * tiny;
  A(2, 1) = 3 * tiny;
  for (const auto pre : {Precondition::none, Precondition::qr, Precondition::col_piv_qr}) {
    JacobiOptions opt;
    opt.precondition = pre;
    const auto r = lowrank::jacobi_svd(A, opt);
    INFO("precondition " << int(pre));
    REQUIRE(r.info.converged);
    // exact σ in units of denorm_min: √(157² + 2048²) = 2054.009… and 3
    CHECK(std::abs(r.S(0) - 2054 * tiny) <= tiny);
    CHECK(std::abs(r.S(1) - 3 * tiny) <= tiny);
    CHECK(lowrank::orthogonality_error(r.U) < 1e-14);
    CHECK(lowrank::orthogonality_error(r.V) < 1e-14);
    // the residual in A's scale is the rounding of σ: at most a few denorm_min
    CHECK((A - r.U * r.S.asDiagonal() * r.V.transpose()).cwiseAbs().maxCoeff() <= 4 * tiny);
  }
}
