// The bidiagonal divide and conquer (svd/detail/bidiagonal_dc.hpp) on its own: LAPACK-style ratios
// (residual, orthogonality of U and V, σ against the implicit QR and against a known spectrum) over
// bidiagonals that drive every branch (no deflation, tiny z, equal poles, zero diagonal entries, splits,
// grading), and golub_kahan_svd with it against the QR route.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "lowrank/svd/golub_kahan.hpp"
#include "support/matrices.hpp"
#include "support/svd_checks.hpp"

using lowrank::Index;
using lowrank::Matrix;
using lowrank::Vector;
using lowrank::Vectors;

namespace {

enum class BidiagonalKind { random, toeplitz, zero_diagonal, graded, split, clustered, repeated, one_large };

const char* kind_name(BidiagonalKind k) {
  switch (k) {
    case BidiagonalKind::random:
      return "random";
    case BidiagonalKind::toeplitz:
      return "d = e = 1";
    case BidiagonalKind::zero_diagonal:
      return "every third d zero";
    case BidiagonalKind::graded:
      return "graded d 1 ... 1e-15";
    case BidiagonalKind::split:
      return "e with zeros and 1e-9 entries";
    case BidiagonalKind::clustered:
      return "d = 1 +- 1e-14, e ~ 1e-10";
    case BidiagonalKind::repeated:
      return "d = 1, e = 0 but every 7th";
    case BidiagonalKind::one_large:
      return "d ~ 1e-3, one d = 1";
  }
  return "?";
}

template <class S>
void make_bidiagonal(BidiagonalKind kind, Index n, Vector<S>& d, Vector<S>& e) {
  std::mt19937 gen(unsigned(n) * 31u + unsigned(kind));
  std::uniform_real_distribution<double> u(-1, 1);
  d.resize(n);
  e.resize(n - 1);
  for (Index i = 0; i < n; ++i) d(i) = S(u(gen));
  for (Index i = 0; i + 1 < n; ++i) e(i) = S(u(gen));
  switch (kind) {
    case BidiagonalKind::random:
      break;
    case BidiagonalKind::toeplitz:
      d.setOnes(), e.setOnes();
      break;
    case BidiagonalKind::zero_diagonal:
      for (Index i = 0; i < n; i += 3) d(i) = 0;
      break;
    case BidiagonalKind::graded:
      for (Index i = 0; i < n; ++i) d(i) = S(std::pow(10.0, -15.0 * double(i) / double(n)));
      break;
    case BidiagonalKind::split:
      for (Index i = 0; i + 1 < n; ++i) e(i) = i % 5 == 0 ? S(0) : S(1e-9) * e(i);
      break;
    case BidiagonalKind::clustered:
      for (Index i = 0; i < n; ++i) d(i) = S(1 + 1e-14 * u(gen));
      for (Index i = 0; i + 1 < n; ++i) e(i) = S(1e-10 * u(gen));
      break;
    case BidiagonalKind::repeated:
      d.setOnes();
      for (Index i = 0; i + 1 < n; ++i) e(i) = i % 7 == 6 ? S(0.5) : S(0);
      break;
    case BidiagonalKind::one_large:
      d *= S(1e-3);
      e *= S(1e-3);
      d(n / 3) = 1;
      break;
  }
}

template <class S>
Matrix<double> dense_bidiagonal(const Vector<S>& d, const Vector<S>& e) {
  const Index n = d.size();
  Matrix<double> B = Matrix<double>::Zero(n, n);
  B.diagonal() = d.template cast<double>();
  if (n > 1) B.diagonal(1) = e.template cast<double>();
  return B;
}

template <class S>
void check_kinds() {
  const double eps = double(std::numeric_limits<S>::epsilon());
  for (auto kind :
       {BidiagonalKind::random, BidiagonalKind::toeplitz, BidiagonalKind::zero_diagonal, BidiagonalKind::graded,
        BidiagonalKind::split, BidiagonalKind::clustered, BidiagonalKind::repeated, BidiagonalKind::one_large}) {
    for (Index n : {33, 64, 65, 150, 257}) {
      Vector<S> d, e;
      make_bidiagonal(kind, n, d, e);
      const Matrix<double> B = dense_bidiagonal(d, e);
      // the reference: implicit QR (dbdsqr), values only
      Vector<S> dq = d, eq = e;
      REQUIRE(lowrank::detail::bidiagonal_qr<S>(dq, eq, nullptr, nullptr).converged);
      Vector<S> dc = d;
      Matrix<S> U, V;
      int iterations = 0;
      const bool ok = lowrank::detail::bidiagonal_svd_dc<S>(dc, e, U, V, iterations);
      INFO(kind_name(kind) << ", n " << n << (sizeof(S) == 4 ? ", float" : ", double"));
      REQUIRE(ok);
      REQUIRE(U.rows() == n);
      REQUIRE(V.cols() == n);
      for (Index i = 0; i < n; ++i) {
        REQUIRE(dc(i) >= 0);
        if (i > 0) REQUIRE(dc(i) <= dc(i - 1));
      }
      const Matrix<double> Ud = U.template cast<double>(), Vd = V.template cast<double>();
      const double bnorm = B.norm(), smax = double(dq(0));
      const double residual =
          (B - Ud * dc.template cast<double>().asDiagonal() * Vd.transpose()).norm() / (bnorm * double(n) * eps);
      const double orth_u = (Matrix<double>::Identity(n, n) - Ud.transpose() * Ud).norm() / (double(n) * eps);
      const double orth_v = (Matrix<double>::Identity(n, n) - Vd.transpose() * Vd).norm() / (double(n) * eps);
      const double sigma = (dc - dq).template cast<double>().cwiseAbs().maxCoeff() / (smax * double(n) * eps);
      INFO("residual " << residual << ", orth U " << orth_u << ", orth V " << orth_v << ", sigma vs QR " << sigma);
      CHECK(residual < 30);
      CHECK(orth_u < 30);
      CHECK(orth_v < 30);
      CHECK(sigma < 30);
      if (kind == BidiagonalKind::toeplitz) {  // σ_k = 2·cos(kπ/(2n+1))
        double worst = 0;
        for (Index k = 1; k <= n; ++k)
          worst = std::max(worst, std::abs(double(dc(k - 1)) - 2 * std::cos(double(k) * M_PI / double(2 * n + 1))));
        INFO("known spectrum: max error / (2 n eps) = " << worst / (2 * double(n) * eps));
        CHECK(worst / (2 * double(n) * eps) < 30);
      }
    }
  }
}

}  // namespace

TEST_CASE("bidiagonal_svd_dc: LAPACK ratios over deflating and non-deflating bidiagonals, double",
          "[svd][golub_kahan][bidiagonal_dc]") {
  check_kinds<double>();
}

TEST_CASE("bidiagonal_svd_dc: LAPACK ratios over deflating and non-deflating bidiagonals, float",
          "[svd][golub_kahan][bidiagonal_dc]") {
  check_kinds<float>();
}

TEST_CASE("bidiagonal_svd_dc: a zero bidiagonal and one that splits into 1×1 pieces", "[svd][bidiagonal_dc]") {
  for (Index n : {40, 100}) {
    Vector<double> d = Vector<double>::Zero(n), e = Vector<double>::Zero(n - 1);
    Matrix<double> U, V;
    int iterations = 0;
    REQUIRE(lowrank::detail::bidiagonal_svd_dc<double>(d, e, U, V, iterations));
    CHECK(d.cwiseAbs().maxCoeff() == 0);
    CHECK((U.transpose() * U - Matrix<double>::Identity(n, n)).norm() < 1e-14);
    // diagonal: σ are |dᵢ| sorted, U and V signed permutations
    Vector<double> d2(n);
    for (Index i = 0; i < n; ++i) d2(i) = double((i * 37) % n) - double(n) / 2;
    const Matrix<double> B = dense_bidiagonal(d2, e);
    REQUIRE(lowrank::detail::bidiagonal_svd_dc<double>(d2, e, U, V, iterations));
    CHECK((B - U * d2.asDiagonal() * V.transpose()).norm() < 1e-13);
    CHECK(d2(0) == double(n) / 2);
  }
}

TEST_CASE("golub_kahan_svd: divide and conquer and implicit QR agree; options pick the route",
          "[svd][golub_kahan][bidiagonal_dc]") {
  using namespace lowrank_test;
  for (auto [m, n] : {std::pair<Index, Index>{120, 120}, {300, 90}, {70, 200}}) {
    const auto t = make_test_matrix<double>(MatrixKind::random_kappa_1e8, m, n, 3);
    lowrank::GolubKahanOptions dc, qr;
    dc.vectors = qr.vectors = Vectors::thin;
    qr.divide_and_conquer = false;
    const auto a = lowrank::golub_kahan_svd(t.A, dc), b = lowrank::golub_kahan_svd(t.A, qr);
    INFO(t.name);
    REQUIRE(a.info.converged);
    const SvdRatios qa = svd_ratios(t.A, a, t.sigma, Vectors::thin), qb = svd_ratios(t.A, b, t.sigma, Vectors::thin);
    INFO("dc: residual " << qa.residual << " orth_u " << qa.orth_u << " orth_v " << qa.orth_v << " sigma " << qa.sigma);
    INFO("qr: residual " << qb.residual << " sigma " << qb.sigma);
    CHECK(qa.residual < 30);
    CHECK(qa.orth_u < 30);
    CHECK(qa.orth_v < 30);
    CHECK(qa.sigma < 30);
    // the two routes differ in rounding only: σ to a few ε·σ₁ of each other
    const double gap = (a.S - b.S).cwiseAbs().maxCoeff() / (a.S(0) * double(std::max(m, n)) * 2.2e-16);
    INFO("dc vs qr sigma ratio " << gap);
    CHECK(gap < 30);
  }
}
