// golub_kahan_svd over the LAPACK matrix types (ddrvbd ratios < 30), the bidiagonal QR on its own
// (known spectra, relative accuracy against a long double run, values only vs with vectors), the
// blocked bidiagonalization against the unblocked one, error paths and the iteration cap.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "lowrank/svd/golub_kahan.hpp"
#include "lowrank/svd/detail/cholesky_qr.hpp"
#include "support/matrices.hpp"
#include "support/svd_checks.hpp"

using lowrank::GolubKahanOptions;
using lowrank::Index;
using lowrank::Vectors;
using namespace lowrank_test;

namespace {

const char* vectors_name(Vectors v) { return v == Vectors::none ? "none" : v == Vectors::thin ? "thin" : "full"; }

template <class S>
void check_all_types() {
  const double eps = double(std::numeric_limits<S>::epsilon());
  for (auto kind : all_matrix_kinds()) {
    for (auto [m, n] : test_shapes()) {
      for (Vectors vec : {Vectors::thin, Vectors::full, Vectors::none}) {
        const auto t = make_test_matrix<S>(kind, m, n, 1);
        INFO(t.name << ", vectors " << vectors_name(vec));
        GolubKahanOptions opt;
        opt.vectors = vec;
        const auto r = lowrank::golub_kahan_svd(t.A, opt);
        REQUIRE(r.info.converged);
        REQUIRE(r.info.method == "golub_kahan");
        // graded: σ are not known and the oracle (BDCSVD in double) is itself only accurate to ε·σ₁
        if (kind == MatrixKind::graded && sizeof(S) == sizeof(double)) {
          const SvdRatios q = svd_ratios(t.A, r, {}, vec);
          INFO("residual " << q.residual << " orth_u " << q.orth_u << " orth_v " << q.orth_v << " sigma " << q.sigma);
          REQUIRE(q.shapes_ok);
          REQUIRE(q.residual < 30);
          REQUIRE(q.orth_u < 30);
          REQUIRE(q.orth_v < 30);
          continue;
        }
        check_svd(t.A, r, t.sigma_known ? t.sigma : Vector<double>(), vec);
      }
    }
  }
  (void)eps;
}

}  // namespace

TEST_CASE("golub_kahan_svd: LAPACK matrix types, every shape, double", "[svd][golub_kahan]") {
  check_all_types<double>();
}

TEST_CASE("golub_kahan_svd: LAPACK matrix types, every shape, float", "[svd][golub_kahan]") {
  check_all_types<float>();
}

TEST_CASE("golub_kahan_svd: blocked bidiagonalization paths (GEMM trailing update, QR pre-factorization)",
          "[svd][golub_kahan]") {
  // Small panels and crossover so that several blocked panels run on modest sizes; sizes 200×200 and
  // 300×170 with the default panel (32) and crossover (128) take the real blocked path.
  struct Case {
    Index m, n, nb, crossover;
    double qr_ratio;
  };
  const Case cases[] = {{60, 60, 4, 8, 1.6},    {97, 61, 5, 0, 10.0}, {61, 97, 8, 16, 1.6}, {150, 40, 3, 5, 1.6},
                        {200, 200, 32, 128, 1.6}, {300, 170, 32, 128, 10.0}, {170, 300, 16, 32, 1.6}};
  for (const auto& c : cases)
    for (auto kind : {MatrixKind::random_kappa_1e8, MatrixKind::rank_deficient, MatrixKind::scaled_underflow}) {
      for (Vectors vec : {Vectors::thin, Vectors::full}) {
        const auto t = make_test_matrix<double>(kind, c.m, c.n, 7);
        INFO(t.name << ", nb " << c.nb << ", crossover " << c.crossover << ", qr_ratio " << c.qr_ratio
                    << ", vectors " << vectors_name(vec));
        GolubKahanOptions opt;
        opt.vectors = vec;
        opt.block_size = c.nb;
        opt.block_crossover = c.crossover;
        opt.qr_ratio = c.qr_ratio;
        const auto r = lowrank::golub_kahan_svd(t.A, opt);
        REQUIRE(r.info.converged);
        check_svd(t.A, r, t.sigma, vec);
      }
    }
  // float through the blocked path too
  const auto t = make_test_matrix<float>(MatrixKind::random_kappa_1e2, 180, 150, 3);
  GolubKahanOptions opt;
  opt.block_size = 8;
  opt.block_crossover = 16;
  INFO(t.name);
  check_svd(t.A, lowrank::golub_kahan_svd(t.A, opt), t.sigma, Vectors::thin);
}

TEST_CASE("golub_kahan_svd: blocked and unblocked reductions give the same bidiagonal", "[svd][golub_kahan]") {
  const auto t = make_test_matrix<double>(MatrixKind::random_kappa_1e2, 90, 70, 5);
  Matrix<double> A1 = t.A, A2 = t.A;
  Vector<double> d1, e1, tq1, tp1, d2, e2, tq2, tp2;
  lowrank::detail::bidiagonalize(A1, d1, e1, tq1, tp1, 70, 70);  // one unblocked panel
  lowrank::detail::bidiagonalize(A2, d2, e2, tq2, tp2, 6, 10);   // 10 blocked panels + rest
  const double dd = (d1 - d2).cwiseAbs().maxCoeff(), de = (e1 - e2).cwiseAbs().maxCoeff();
  const double dr = (A1 - A2).cwiseAbs().maxCoeff();
  INFO("max |d1 - d2| = " << dd << ", max |e1 - e2| = " << de << ", max reflector difference " << dr);
  REQUIRE(dd < 1e-13);
  REQUIRE(de < 1e-13);
  REQUIRE(dr < 1e-12);
  // and Qᵀ A P = B
  Matrix<double> Q = Matrix<double>::Identity(90, 70), P = Matrix<double>::Identity(70, 70);
  lowrank::detail::apply_q(A2, tq2, Q);
  lowrank::detail::apply_p_destroying(A2, tp2, P);  // A2's last use
  Matrix<double> B = Matrix<double>::Zero(70, 70);
  B.diagonal() = d2;
  B.diagonal(1) = e2;
  const double res = (Q.transpose() * t.A * P - B).norm() / t.A.norm();
  INFO("||Q^T A P - B|| / ||A|| = " << res);
  REQUIRE(res < 1e-14);
}

namespace {

// B = bidiag(d, e) as a dense matrix.
template <class S>
Matrix<S> dense_bidiagonal(const Vector<S>& d, const Vector<S>& e) {
  const Index n = d.size();
  Matrix<S> B = Matrix<S>::Zero(n, n);
  B.diagonal() = d;
  if (n > 1) B.diagonal(1) = e;
  return B;
}

template <class S>
void check_bidiagonal_known() {
  const double eps = double(std::numeric_limits<S>::epsilon());
  for (Index n : {1, 2, 3, 10, 57, 150}) {
    // d = e = 1: σ_k = 2·cos(kπ/(2n+1)), k = 1..n
    Vector<S> d = Vector<S>::Ones(n), e = Vector<S>::Ones(n - 1);
    Vector<double> ref(n);
    for (Index k = 1; k <= n; ++k) ref(k - 1) = 2 * std::cos(double(k) * M_PI / double(2 * n + 1));
    const Matrix<S> B = dense_bidiagonal(d, e);
    // values only
    Vector<S> d0 = d, e0 = e;
    const auto i0 = lowrank::detail::bidiagonal_qr<S>(d0, e0, nullptr, nullptr);
    REQUIRE(i0.converged);
    const double err0 = (d0.template cast<double>() - ref).cwiseAbs().maxCoeff() / (ref(0) * double(n) * eps);
    INFO("n " << n << ", values-only sigma ratio " << err0);
    REQUIRE(err0 < 30);
    // with vectors: the same values (same rotations, same arithmetic on d and e), B = U Σ Vᵀ
    Matrix<S> U = Matrix<S>::Identity(n, n), V = Matrix<S>::Identity(n, n);
    Vector<S> d1 = d, e1 = e;
    const auto i1 = lowrank::detail::bidiagonal_qr<S>(d1, e1, &U, &V);
    REQUIRE(i1.converged);
    const double diff = (d1 - d0).cwiseAbs().maxCoeff();
    INFO("values-only vs with vectors: max difference " << diff);
    REQUIRE(diff == 0);
    const Eigen::MatrixXd Ud = U.template cast<double>(), Vd = V.template cast<double>();
    const double res = (B.template cast<double>() - Ud * d1.template cast<double>().asDiagonal() * Vd.transpose()).norm() /
                       (ref(0) * double(n) * eps);
    const double ou = (Eigen::MatrixXd::Identity(n, n) - Ud.transpose() * Ud).norm() / (double(n) * eps);
    const double ov = (Eigen::MatrixXd::Identity(n, n) - Vd.transpose() * Vd).norm() / (double(n) * eps);
    INFO("residual ratio " << res << ", orth U " << ou << ", orth V " << ov);
    REQUIRE(res < 30);
    REQUIRE(ou < 30);
    REQUIRE(ov < 30);
  }
}

}  // namespace

TEST_CASE("bidiagonal_qr: known spectrum of bidiag(1, 1), values only and with vectors", "[svd][golub_kahan]") {
  check_bidiagonal_known<double>();
  check_bidiagonal_known<float>();
}

TEST_CASE("bidiagonal_qr: high relative accuracy on graded bidiagonals (Demmel–Kahan)", "[svd][golub_kahan]") {
  // Graded B: d_i = 10^(−i·g), e_i = 0.5·10^(−i·g); σ spans 1 … 1e−(n·g). Every σ, the tiniest included,
  // must match a long double run of the same algorithm to a few ulps relative (dbdsqr's claim).
  for (double g : {0.5, 1.0, 4.0}) {
    const Index n = 40;
    Vector<double> d(n), e(n - 1);
    for (Index i = 0; i < n; ++i) d(i) = std::pow(10.0, -double(i) * g) * (1 + 0.1 * std::sin(double(i)));
    for (Index i = 0; i + 1 < n; ++i) e(i) = 0.5 * std::pow(10.0, -double(i) * g) * (1 + 0.1 * std::cos(double(i)));
    Vector<long double> dl = d.cast<long double>(), el = e.cast<long double>();
    lowrank::detail::bidiagonal_qr<long double>(dl, el, nullptr, nullptr);
    Vector<double> d0 = d, e0 = e;
    const auto info = lowrank::detail::bidiagonal_qr<double>(d0, e0, nullptr, nullptr);
    REQUIRE(info.converged);
    double worst = 0;
    for (Index i = 0; i < n; ++i) worst = std::max(worst, double(std::abs((d0(i) - dl(i)) / dl(i))));
    const double ratio = worst / (double(n) * std::numeric_limits<double>::epsilon());
    INFO("grading 10^-" << g << " per step, smallest sigma " << double(dl(n - 1)) << ", worst relative error / (n eps) = "
                        << ratio);
    REQUIRE(ratio < 30);
  }
}

TEST_CASE("bidiagonal_qr: zero diagonal entries and zero superdiagonal", "[svd][golub_kahan]") {
  // d with exact zeros forces the zero-shift sweeps and splitting; σ checked against Eigen's JacobiSVD.
  Vector<double> d(6), e(5);
  d << 3, 0, 2, 0, 0, 1;
  e << 1, 1, 0, 2, 1;
  const Matrix<double> B = dense_bidiagonal(d, e);
  Eigen::JacobiSVD<Eigen::MatrixXd> ref(B);
  Matrix<double> U = Matrix<double>::Identity(6, 6), V = Matrix<double>::Identity(6, 6);
  const auto info = lowrank::detail::bidiagonal_qr<double>(d, e, &U, &V);
  REQUIRE(info.converged);
  const double err = (d - ref.singularValues()).cwiseAbs().maxCoeff();
  const double res = (B - U * d.asDiagonal() * V.transpose()).norm();
  INFO("sigma error " << err << ", residual " << res);
  REQUIRE(err < 1e-14);
  REQUIRE(res < 1e-14);
}

TEST_CASE("golub_kahan_svd: errors name the problem", "[svd][golub_kahan]") {
  using Catch::Matchers::Contains;
  Matrix<double> empty(0, 3);
  REQUIRE_THROWS_WITH(lowrank::golub_kahan_svd(empty), Contains("golub_kahan_svd") && Contains("empty"));
  Matrix<double> A = Matrix<double>::Ones(4, 3);
  A(2, 1) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(lowrank::golub_kahan_svd(A), Contains("golub_kahan_svd") && Contains("(2, 1)"));
  Matrix<float> B = Matrix<float>::Ones(3, 5);
  B(0, 4) = -std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_WITH(lowrank::golub_kahan_svd(B), Contains("non-finite") && Contains("(0, 4)"));
  GolubKahanOptions bad;
  bad.tolerance = -1;
  REQUIRE_THROWS_AS(lowrank::golub_kahan_svd(Matrix<double>::Ones(2, 2), bad), lowrank::Error);
  GolubKahanOptions bad1;
  bad1.tolerance = 1.5;
  REQUIRE_THROWS_WITH(lowrank::golub_kahan_svd(Matrix<double>::Ones(2, 2), bad1), Contains("tolerance"));
  GolubKahanOptions bad2;
  bad2.block_size = 0;
  REQUIRE_THROWS_WITH(lowrank::golub_kahan_svd(Matrix<double>::Ones(2, 2), bad2), Contains("block_size"));
}

TEST_CASE("golub_kahan_svd: the iteration cap stops the QR and reports it", "[svd][golub_kahan]") {
  const auto t = make_test_matrix<double>(MatrixKind::random_kappa_1e2, 50, 50, 2);
  GolubKahanOptions opt;
  opt.max_iterations = 3;
  const auto r = lowrank::golub_kahan_svd(t.A, opt);
  INFO("iterations " << r.info.iterations);
  REQUIRE_FALSE(r.info.converged);
  REQUIRE(r.info.iterations <= 3);
  REQUIRE_FALSE(r.info.warning.empty());
  for (Index i = 0; i + 1 < r.S.size(); ++i) REQUIRE(r.S(i) >= r.S(i + 1));
  // the unconverged result is still an orthogonal factorization up to the unconverged superdiagonal
  const SvdRatios q = svd_ratios(t.A, r, t.sigma, Vectors::thin);
  INFO("orth_u " << q.orth_u << ", orth_v " << q.orth_v);
  REQUIRE(q.orth_u < 30);
  REQUIRE(q.orth_v < 30);
  // and the default cap lets it converge
  const auto r2 = lowrank::golub_kahan_svd(t.A);
  REQUIRE(r2.info.converged);
  INFO("iterations " << r2.info.iterations);
  REQUIRE(r2.info.iterations > 3);
}

TEST_CASE("golub_kahan_svd: Eigen expressions and maps as input; wide gives U and V swapped correctly",
          "[svd][golub_kahan]") {
  const auto t = make_test_matrix<double>(MatrixKind::random_kappa_1e2, 30, 12, 4);
  const Matrix<double> At = t.A.transpose();
  const auto r = lowrank::golub_kahan_svd(t.A.transpose());  // an expression, 12×30
  INFO("expression input");
  check_svd(At, r, t.sigma, Vectors::thin);
  Eigen::Map<const Matrix<double>> M(t.A.data(), 30, 12);
  check_svd(t.A, lowrank::golub_kahan_svd(M), t.sigma, Vectors::thin);
}

TEST_CASE("bidiagonal_qr: the wavefront rotation replay equals applying the rotations in order",
          "[svd][golub_kahan]") {
  // 1100 rows = several row chunks; rotations in both sweep directions, random planes, several flushes.
  const Index rows = 1100, cols = 40;
  Rng rng(11);
  Matrix<double> M(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) M(i, j) = rng.normal();
  Matrix<double> ref = M;
  lowrank::detail::RotationQueue<double> q(&M, 4);
  for (int r = 0; r < 5000; ++r) {
    const Index j = Index(rng.next() % std::uint64_t(cols - 1));
    const Index k = (r % 7 == 0) ? Index(rng.next() % std::uint64_t(cols)) : j + 1;
    if (k == j) continue;
    const double a = rng.normal(), b = rng.normal(), h = std::hypot(a, b);
    const double c = a / h, s = b / h;
    q.push(j, k, c, s);
    const Eigen::VectorXd x = ref.col(j), y = ref.col(k);
    ref.col(j) = c * x + s * y;
    ref.col(k) = c * y - s * x;
  }
  q.flush();
  const double diff = (M - ref).cwiseAbs().maxCoeff();
  INFO("max difference " << diff);
  REQUIRE(diff < 1e-12);
}

TEST_CASE("golub_kahan_svd: a user tolerance (looser, and tighter than eps) still converges", "[svd][golub_kahan]") {
  const auto t = make_test_matrix<double>(MatrixKind::random_kappa_1e8, 60, 45, 9);
  for (double tol : {1e-30, 1e-10}) {
    GolubKahanOptions opt;
    opt.tolerance = tol;
    const auto r = lowrank::golub_kahan_svd(t.A, opt);
    INFO("tolerance " << tol << ", iterations " << r.info.iterations);
    REQUIRE(r.info.converged);
    const SvdRatios q = svd_ratios(t.A, r, t.sigma, Vectors::thin);
    // a loose tolerance deflates superdiagonal entries up to tol·|d|: the residual grows to O(tol·‖A‖)
    const double eps = std::numeric_limits<double>::epsilon(), mn = 60;
    const double rel = q.residual * mn * eps;
    INFO("relative residual " << rel << ", orth_u " << q.orth_u << ", orth_v " << q.orth_v);
    REQUIRE(rel < 30 * mn * eps + 10 * tol);
    REQUIRE(q.orth_u < 30);
    REQUIRE(q.orth_v < 30);
    // σ to within tol relative (plus the usual ε·σ₁ of the reduction)
    const double err = (r.S - t.sigma).cwiseAbs().maxCoeff();
    INFO("max sigma error " << err);
    REQUIRE(err < std::max(tol, 1e-13) * 100 * t.sigma(0));
  }
}

TEST_CASE("golub_kahan_svd: subnormal and mixed-magnitude entries", "[svd][golub_kahan]") {
  // max|a_ij| subnormal: 1/max overflows, so the scaling must divide instead of multiplying.
  const auto t = make_test_matrix<double>(MatrixKind::random_kappa_1e2, 9, 6, 3);
  const Matrix<double> tiny = t.A * 1e-310;
  const double scale = tiny.cwiseAbs().maxCoeff();
  INFO("max entry " << scale);
  REQUIRE(scale < std::numeric_limits<double>::min());
  const auto r = lowrank::golub_kahan_svd(tiny);
  REQUIRE(r.info.converged);
  // the subnormal matrix has lost digits: compare with the σ of the matrix as stored (oracle)
  check_svd(tiny, r, Vector<double>(), Vectors::thin);
  // entries spanning 1e±300 in one matrix
  Matrix<double> mixed = t.A;
  mixed.col(0) *= 1e300;
  mixed.col(5) *= 1e-300;
  const auto r2 = lowrank::golub_kahan_svd(mixed, GolubKahanOptions{});
  INFO("mixed: S(0) " << r2.S(0) << ", S(last) " << r2.S(5));
  REQUIRE(std::isfinite(r2.S(0)));
  check_svd(mixed, r2, Vector<double>(), Vectors::thin);
}

namespace {

// A column that is subnormal below a normal-sized matrix: the reflector's 1/(α − β) overflows unless it is
// rescaled first (LAPACK dlarfg's safmin loop). Found by the soak: Lanczos's restarted H in float (entries
// down to 1.4e-45 beside 1) gave "singular value 2 overflows".
template <class S>
void check_subnormal_reflector(S tiny) {
  // square (one-stage reduction, both vector settings), tall (QR first) and wide; a subnormal first
  // column, then one inside the matrix (a later reflector's whole vector subnormal)
  for (auto [m, n] : {std::pair<Index, Index>{5, 5}, {12, 3}, {4, 7}})
    for (Index col : {Index(0), Index(1)}) {
      Matrix<S> A = make_test_matrix<S>(MatrixKind::random_kappa_1e2, m, n, 11).A;
      for (Index i = 0; i < m; ++i) A(i, col) = tiny * S(1 + i % 3);
      for (const Vectors v : {Vectors::none, Vectors::thin}) {
        GolubKahanOptions o;
        o.vectors = v;
        INFO(m << "×" << n << ", subnormal column " << col << ", vectors " << int(v));
        const auto r = lowrank::golub_kahan_svd(A, o);
        REQUIRE(r.S.allFinite());
        check_svd(A, r, Vector<double>(), v);
      }
    }
  // the blocked reduction (n above its crossover): row 0 beyond the diagonal subnormal and column 0 = e₀,
  // so the first row reflector G(0) sees a subnormal vector (its fused update scaled w by 1/(ũ₀ − e))
  Matrix<S> A = make_test_matrix<S>(MatrixKind::random_kappa_1e2, 200, 200, 12).A;
  A.col(0).setZero();
  A(0, 0) = S(1);
  for (Index j = 1; j < A.cols(); ++j) A(0, j) = tiny * S(1 + j % 3);
  for (const Vectors v : {Vectors::none, Vectors::thin}) {
    GolubKahanOptions o;
    o.vectors = v;
    o.two_stage_crossover = 0;  // values only through the one-stage reduction too
    INFO("200×200, subnormal row 0, vectors " << int(v));
    const auto r = lowrank::golub_kahan_svd(A, o);
    REQUIRE(r.S.allFinite());
    check_svd(A, r, Vector<double>(), v);
  }
}

// Tall thin SVDs through CholeskyQR2 (the default for m ≥ 4n) and through Householder QR
// (cholesky_qr_ratio = 0), every LAPACK type: both meet the ratios and agree on σ. The ill-conditioned
// types (κ ≥ 1/(2√ε)) fall back to Householder inside the first; the dense well-conditioned ones must take
// the Cholesky route, which shows as U differing from Householder's in the last bits.
template <class S>
void check_cholesky_route() {
  for (auto kind : all_matrix_kinds())
    for (auto [m, n] : {std::pair<Index, Index>{200, 50}, {97, 20}, {64, 16}, {300, 40}}) {
      const auto t = make_test_matrix<S>(kind, m, n, 5);
      INFO(t.name);
      GolubKahanOptions chol, house;
      chol.vectors = house.vectors = Vectors::thin;
      house.cholesky_qr_ratio = 0;
      const auto a = lowrank::golub_kahan_svd(t.A, chol), b = lowrank::golub_kahan_svd(t.A, house);
      REQUIRE(a.info.converged);
      check_svd(t.A, a, t.sigma_known ? t.sigma : Vector<double>(), Vectors::thin);
      check_svd(t.A, b, t.sigma_known ? t.sigma : Vector<double>(), Vectors::thin);
      const double eps = double(std::numeric_limits<S>::epsilon());
      const double sigma_gap = (a.S - b.S).template cast<double>().cwiseAbs().maxCoeff();
      INFO("max |σ_chol − σ_householder| " << sigma_gap << ", σ₁ " << double(a.S(0)));
      CHECK(sigma_gap <= 30 * double(m) * eps * double(a.S(0)));
      // dense and well conditioned (the diagonal types come out exact either way)
      const bool dense_conditioned = kind == MatrixKind::random_kappa_1e2 || kind == MatrixKind::scaled_overflow ||
                                     kind == MatrixKind::scaled_underflow;
      if (dense_conditioned) CHECK((a.U - b.U).cwiseAbs().maxCoeff() > 0);  // a different route ran
    }
}

}  // namespace

TEST_CASE("golub_kahan_svd: a subnormal column beside normal ones (reflectors rescaled)", "[svd][golub_kahan]") {
  check_subnormal_reflector<float>(1e-40f);
  check_subnormal_reflector<double>(1e-310);
}

TEST_CASE("golub_kahan_svd: tall thin vectors by CholeskyQR2 and by Householder QR, LAPACK types",
          "[svd][golub_kahan]") {
  check_cholesky_route<double>();
  check_cholesky_route<float>();
}

TEST_CASE("cholesky_qr2 with R2_inverse: Q = Y·R₂⁻¹ is orthonormal and Q·R reproduces the input",
          "[svd][golub_kahan]") {
  for (auto [m, n] : {std::pair<Index, Index>{500, 60}, {64, 64}, {33, 1}}) {
    const auto t = make_test_matrix<double>(MatrixKind::random_kappa_1e2, m, n, 11);
    Matrix<double> Y = t.A, R, R2inv;
    REQUIRE(lowrank::detail::cholesky_qr2(Y, R, 2, &R2inv) == lowrank::detail::CholeskyQr::done);
    const Matrix<double> Q = Y * R2inv;
    const double eps = std::numeric_limits<double>::epsilon();
    const double res = (t.A - Q * R).norm() / (t.A.norm() * double(m) * eps);
    const double orth = (Q.transpose() * Q - Matrix<double>::Identity(n, n)).norm() / (double(m) * eps);
    INFO(m << "x" << n << ": residual " << res << ", orthogonality " << orth);
    CHECK(res < 30);
    CHECK(orth < 30);
    CHECK(R.isUpperTriangular(0));
    CHECK(R2inv.isUpperTriangular(0));
  }
  // κ = 1e8 and 1/ε are beyond its range (1/(2√ε) ≈ 3.4e7): refused before anything is written
  for (auto kind : {MatrixKind::random_kappa_1e8, MatrixKind::random_kappa_inv_eps}) {
    const auto t = make_test_matrix<double>(kind, 120, 30, 11);
    INFO(t.name);
    Matrix<double> Y = t.A, R, R2inv;
    CHECK(lowrank::detail::cholesky_qr2(Y, R, 2, &R2inv) == lowrank::detail::CholeskyQr::untouched);
    CHECK(Y == t.A);
  }
}

TEST_CASE("householder_qr: the blocked dispatched QR reproduces A and matches Eigen's R up to row signs",
          "[svd][golub_kahan]") {
  for (auto [m, n, nb] :
       {std::tuple<Index, Index, Index>{300, 90, 32}, {100, 100, 7}, {65, 1, 32}, {50, 40, 64}, {129, 97, 32}}) {
    const Matrix<double> A = Matrix<double>::Random(m, n);
    Matrix<double> F = A;
    Vector<double> tau;
    lowrank::detail::householder_qr(F, tau, nb);
    // Q from the reflectors applied to [I; 0], then ‖A − Q·R‖ and ‖QᵀQ − I‖
    Matrix<double> Q = Matrix<double>::Identity(m, n);
    lowrank::detail::apply_reflectors_left(F, tau, n, 0, Q);
    const Matrix<double> R = F.topRows(n).triangularView<Eigen::Upper>();
    const double eps = std::numeric_limits<double>::epsilon();
    const double res = (A - Q * R).norm() / (A.norm() * double(m) * eps);
    const double orth = (Q.transpose() * Q - Matrix<double>::Identity(n, n)).norm() / (double(m) * eps);
    const Eigen::HouseholderQR<Matrix<double>> ref(A);
    const Matrix<double> Rref = ref.matrixQR().topRows(n).triangularView<Eigen::Upper>();
    const double rdiff = (R.cwiseAbs() - Rref.cwiseAbs()).norm() / (A.norm() * double(m) * eps);
    INFO(m << "x" << n << " nb " << nb << ": residual " << res << ", orthogonality " << orth << ", |R| vs Eigen "
           << rdiff);
    CHECK(res < 30);
    CHECK(orth < 30);
    CHECK(rdiff < 30);
  }
}

TEST_CASE("golub_kahan_svd: values only through the two-stage band reduction, LAPACK types, every shape",
          "[svd][golub_kahan]") {
  // two_stage_crossover = 1 sends every size through dense → band → bidiagonal; band widths 1 (stage 2
  // idle), 3 (long chases) and 32 (one panel for most shapes)
  for (Index band : {1, 3, 32}) {
    for (auto kind : all_matrix_kinds()) {
      for (auto [m, n] : test_shapes()) {
        const auto t = make_test_matrix<double>(kind, m, n, 2);
        GolubKahanOptions opt;
        opt.vectors = Vectors::none;
        opt.two_stage_crossover = 1;
        opt.block_size = band;
        const auto r = lowrank::golub_kahan_svd(t.A, opt);
        INFO(t.name << ", band " << band);
        REQUIRE(r.info.converged);
        // σ against the known spectrum, or (graded) against the one-stage reduction
        Vector<double> ref = t.sigma;
        if (!t.sigma_known) {
          GolubKahanOptions one = opt;
          one.two_stage_crossover = 0;
          ref = lowrank::golub_kahan_svd(t.A, one).S;
        }
        check_svd(t.A, r, ref, Vectors::none);
      }
    }
  }
  const auto t = make_test_matrix<float>(MatrixKind::random_kappa_1e2, 300, 280, 4);
  GolubKahanOptions opt;
  opt.vectors = Vectors::none;
  opt.two_stage_crossover = 1;
  check_svd(t.A, lowrank::golub_kahan_svd(t.A, opt), t.sigma, Vectors::none);
}

TEST_CASE("reduce_to_band and band_to_bidiagonal: zero outside the band, the same singular values",
          "[svd][golub_kahan]") {
  for (auto [m, n, b] : {std::tuple<Index, Index, Index>{150, 70, 16}, {77, 77, 32}, {200, 120, 7}, {64, 64, 64}}) {
    const Matrix<double> A = Matrix<double>::Random(m, n);
    Matrix<double> W = A;
    lowrank::detail::reduce_to_band(W, b);
    double outside = 0;
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < m; ++i)
        if (i > j || j > i + b) outside = std::max(outside, std::abs(W(i, j)));
    INFO(m << "x" << n << " band " << b);
    CHECK(outside == 0);
    const Eigen::JacobiSVD<Matrix<double>> ref(A), band(W);
    const double eps = std::numeric_limits<double>::epsilon();
    CHECK((band.singularValues() - ref.singularValues()).cwiseAbs().maxCoeff() / (ref.singularValues()(0) * m * eps) <
          30);
    Vector<double> d, e;
    lowrank::detail::band_to_bidiagonal(W, b, d, e);
    Matrix<double> B = Matrix<double>::Zero(n, n);
    B.diagonal() = d;
    B.diagonal(1) = e;
    const Eigen::JacobiSVD<Matrix<double>> bid(B);
    CHECK((bid.singularValues() - ref.singularValues()).cwiseAbs().maxCoeff() / (ref.singularValues()(0) * m * eps) <
          30);
  }
}
