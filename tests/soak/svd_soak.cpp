// Randomized soak of the five SVD solvers against LAPACK dgesdd (issue 8's differential testing, at
// length): random shapes (tall-thin, wide, 1×n), spectra (geometric to κ = 1e14, rank-deficient,
// clustered, zero), scales (1e-300 … 1e15), float and double, dense and sparse input, and random solver
// options. Checks σ against dgesdd within each solver's documented accuracy, Ritz values not above the
// true σ, orthonormal U and V, residuals, and fixed-accuracy errors. Not run by ctest (minutes):
//   cmake --preset release -DLOWRANK_BUILD_SOAK=ON && cmake --build build/release --target soak_svd
//   build/release/tests/soak_svd [SECONDS=60] [SEED=1]
// LOWRANK_SOAK_DUMP=N writes case N's matrix to soak_case.bin (m, n as two longs, then the column-major
// doubles) for a probe.
// prints each failure with the case's settings and exits 1 if any. Known and documented (see
// Reorthogonalization::one_sided and bench/RESULTS.md): one-sided Lanczos can fail to converge on
// clustered or rank-deficient spectra. Float fixed-accuracy runs at tol = 1e-3 ended 1–7 % above it
// until the stopping test left room for the indicator's rounding (randomized.hpp, E_rounding).
#include <lowrank/svd.hpp>
#include <lapacke.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
using lowrank::Index;
static std::mt19937_64 gen(1);
int fails = 0;
char tag[400];
#define CHECKF(cond, ...)                        \
  do {                                           \
    if (!(cond)) {                               \
      ++fails;                                   \
      std::printf("FAIL [%s] %s: ", tag, #cond); \
      std::printf(__VA_ARGS__);                  \
      std::printf("\n");                         \
    }                                            \
  } while (0)
int U(int a, int b) { return std::uniform_int_distribution<int>(a, b)(gen); }
template <class T>
using M = Eigen::Matrix<T, -1, -1>;
Eigen::MatrixXd orth(Index m, Index k) {
  std::normal_distribution<double> nd;
  Eigen::MatrixXd G(m, k);
  for (Index j = 0; j < k; ++j)
    for (Index i = 0; i < m; ++i) G(i, j) = nd(gen);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(G);
  return qr.householderQ() * Eigen::MatrixXd::Identity(m, k);
}
template <class T, class R>
void check_dense(const char* nm, const M<T>& A, const R& r, const Eigen::VectorXd& ref, lowrank::Vectors vec,
                 bool gram) {
  const Index m = A.rows(), n = A.cols(), k = std::min(m, n);
  const double eps = std::numeric_limits<T>::epsilon(), mn = double(std::max(m, n)), s1 = ref(0);
  CHECKF(r.S.size() == k, "%s size", nm);
  if (r.S.size() != k) return;
  for (Index i = 0; i < k; ++i) {
    if (s1 == 0) {
      CHECKF(r.S(i) == 0, "%s zero matrix σ %g", nm, double(r.S(i)));
      continue;
    }
    if (gram && ref(i) < 32 * std::sqrt(eps) * s1) continue;
    const double tol = gram ? 30 * mn * eps * s1 * (s1 / ref(i)) + 30 * mn * eps * s1 : 30 * mn * eps * s1;
    CHECKF(std::abs(double(r.S(i)) - ref(i)) <= tol, "%s i=%ld got %.10g ref %.10g", nm, (long)i, double(r.S(i)),
           ref(i));
  }
  if (vec == lowrank::Vectors::none) {
    CHECKF(r.U.size() == 0 && r.V.size() == 0, "%s none has vectors", nm);
    return;
  }
  const Index uc = vec == lowrank::Vectors::full ? m : k, vc = vec == lowrank::Vectors::full ? n : k;
  CHECKF(r.U.rows() == m && r.U.cols() == uc && r.V.rows() == n && r.V.cols() == vc, "%s shapes U %ldx%ld V %ldx%ld",
         nm, (long)r.U.rows(), (long)r.U.cols(), (long)r.V.rows(), (long)r.V.cols());
  if (!(r.U.rows() == m && r.U.cols() == uc && r.V.rows() == n && r.V.cols() == vc)) return;
  const Eigen::MatrixXd Ad = A.template cast<double>(), Ud = r.U.template cast<double>(),
                        Vd = r.V.template cast<double>();
  const double an = Ad.norm();
  if (an > 0) {
    const double res =
        (Ad - Ud.leftCols(k) * r.S.template cast<double>().asDiagonal() * Vd.leftCols(k).transpose()).norm() /
        (an * mn * eps);
    const double ou = (Eigen::MatrixXd::Identity(uc, uc) - Ud.transpose() * Ud).norm() / (mn * eps);
    const double ov = (Eigen::MatrixXd::Identity(vc, vc) - Vd.transpose() * Vd).norm() / (mn * eps);
    CHECKF(res < (gram ? 1e9 : 30) && ou < 30 && ov < 30, "%s res %.2f orthU %.2f orthV %.2f", nm, res, ou, ov);
  }
}
template <class T>
void one_case(long cs) {
  Index m = U(1, 120), n = U(1, 120);
  const int shape = U(0, 9);
  if (shape < 3)
    m = std::max<Index>(m, 4 * n + U(0, 9));
  else if (shape < 5)
    n = std::max<Index>(n, 4 * m + U(0, 9));
  const Index k = std::min(m, n);
  Eigen::VectorXd s(k);
  const double kappa =
      std::pow(10.0, std::uniform_real_distribution<double>(0, std::is_same_v<T, float> ? 6 : 14)(gen));
  const int spec = U(0, 6);
  for (Index i = 0; i < k; ++i) s(i) = k == 1 ? 1 : std::pow(kappa, -double(i) / double(k - 1));
  if (spec == 0)
    for (Index i = (k + 1) / 2; i < k; ++i) s(i) = 0;
  if (spec == 1)
    for (Index i = 0; i < k; ++i) s(i) = 1 + (i % 3) * 1e-7;
  if (spec == 2) s.setZero();
  std::sort(s.data(), s.data() + k, std::greater<double>());
  const double scale = std::vector<double>{1, 1, 1, 1e-20, 1e15, std::is_same_v<T, float> ? 1e-30 : 1e-300}[U(0, 5)];
  const Eigen::MatrixXd Ad = orth(m, k) * (s * scale).asDiagonal() * orth(n, k).transpose();
  const M<T> A = Ad.cast<T>();
  if (const char* dump = std::getenv("LOWRANK_SOAK_DUMP"); dump && std::atol(dump) == cs) {
    // the case's matrix (as the solvers see it, in double) for a probe: m, n, then column-major values
    std::FILE* f = std::fopen("soak_case.bin", "wb");
    const Eigen::MatrixXd D = A.template cast<double>();
    const long shape[2] = {long(m), long(n)};
    if (f) std::fwrite(shape, sizeof shape, 1, f), std::fwrite(D.data(), sizeof(double), std::size_t(D.size()), f);
    if (f) std::fclose(f);
  }
  Eigen::MatrixXd W = A.template cast<double>();
  Eigen::VectorXd ref(k);
  if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', int(m), int(n), W.data(), int(m), ref.data(), nullptr, 1, nullptr, 1) != 0)
    return;
  const double eps = std::numeric_limits<T>::epsilon(), s1 = ref(0);
  const lowrank::Vectors vecs[] = {lowrank::Vectors::none, lowrank::Vectors::thin, lowrank::Vectors::full};
  // GK
  {
    lowrank::GolubKahanOptions o;
    o.vectors = vecs[U(0, 2)];
    o.cholesky_qr_ratio = std::vector<double>{0, 4, 1, 2}[U(0, 3)];
    o.qr_ratio = std::vector<double>{1, 1.6, 100}[U(0, 2)];
    o.divide_and_conquer = U(0, 1);
    o.two_stage_crossover = std::vector<Index>{0, 8, 64}[U(0, 2)];
    o.block_size = std::vector<Index>{1, 4, 32}[U(0, 2)];
    std::snprintf(tag, sizeof tag,
                  "%s case %ld %ldx%ld spec %d kappa %.2g scale %g gk vec %d cq %.1f qr %.1f dc %d ts %ld bs %ld",
                  std::is_same_v<T, float> ? "f" : "d", cs, (long)m, (long)n, spec, kappa, scale, int(o.vectors),
                  o.cholesky_qr_ratio, o.qr_ratio, int(o.divide_and_conquer), (long)o.two_stage_crossover,
                  (long)o.block_size);
    try {
      check_dense("gk", A, lowrank::golub_kahan_svd(A, o), ref, o.vectors, false);
    } catch (const std::exception& e) {
      CHECKF(false, "gk exception %s", e.what());
    }
  }
  {
    lowrank::JacobiOptions o;
    o.vectors = vecs[U(0, 2)];
    o.precondition = lowrank::Precondition(U(0, 2));
    o.block_size = std::vector<Index>{0, 1, 3}[U(0, 2)];
    o.eigenvector_start_grading = U(0, 1) ? 1e3 : 0;
    std::snprintf(tag, sizeof tag, "%s case %ld %ldx%ld spec %d kappa %.2g scale %g jacobi vec %d pre %d bs %ld es %g",
                  std::is_same_v<T, float> ? "f" : "d", cs, (long)m, (long)n, spec, kappa, scale, int(o.vectors),
                  int(o.precondition), (long)o.block_size, o.eigenvector_start_grading);
    try {
      check_dense("jacobi", A, lowrank::jacobi_svd(A, o), ref, o.vectors, false);
    } catch (const std::exception& e) {
      CHECKF(false, "jacobi exception %s", e.what());
    }
  }
  {
    lowrank::GramOptions o;
    o.vectors = vecs[U(0, 2)];
    std::snprintf(tag, sizeof tag, "%s case %ld %ldx%ld spec %d kappa %.2g scale %g gram vec %d",
                  std::is_same_v<T, float> ? "f" : "d", cs, (long)m, (long)n, spec, kappa, scale, int(o.vectors));
    try {
      check_dense("gram", A, lowrank::gram_svd(A, o), ref, o.vectors, true);
    } catch (const std::exception& e) {
      CHECKF(false, "gram exception %s", e.what());
    }
  }
  // truncated: dense or sparse
  const Index rank = U(1, int(k));
  Eigen::SparseMatrix<T, Eigen::RowMajor> Sr = A.sparseView();
  Eigen::SparseMatrix<T, Eigen::ColMajor> Sc = A.sparseView();
  const int input = U(0, 2);
  auto run = [&](auto&& f) { return input == 0 ? f(A) : input == 1 ? f(Sr) : f(Sc); };
  auto check_trunc = [&](const char* nm, const lowrank::SvdResult<T>& r, double sig_tol, bool vectors,
                         double otol = 0) {
    // Ritz values exceed σ by up to the bases' loss of orthogonality times σ₁: √ε-level for one-sided
    // Lanczos (otol), a few ε otherwise
    const double above = otol == 0 ? 1e4 * eps : otol;
    if (otol == 0) otol = 1e3 * eps;
    CHECKF(r.S.size() == rank || (std::string(nm) == "rqb"), "%s size %ld", nm, (long)r.S.size());
    for (Index i = 0; i < r.S.size() && i < k; ++i) {
      CHECKF(double(r.S(i)) <= ref(i) * (1 + above) + above * double(std::max(m, n)) * s1,
             "%s interlace i=%ld got %.10g ref %.10g", nm, (long)i, double(r.S(i)), ref(i));
      if (sig_tol >= 0)
        CHECKF(std::abs(double(r.S(i)) - ref(i)) <= sig_tol, "%s i=%ld got %.10g ref %.10g tol %.3g", nm, (long)i,
               double(r.S(i)), ref(i), sig_tol);
    }
    if (vectors && r.S.size()) {
      const Eigen::MatrixXd Ud = r.U.template cast<double>(), Vd = r.V.template cast<double>();
      const Index c = r.S.size();
      CHECKF(Ud.rows() == m && Vd.rows() == n && Ud.cols() == c && Vd.cols() == c, "%s shapes", nm);
      if (Ud.cols() == c && Vd.cols() == c && s1 > 0) {
        CHECKF((Eigen::MatrixXd::Identity(c, c) - Ud.transpose() * Ud).norm() < otol * std::sqrt(double(m)),
               "%s orthU %.3g", nm, (Eigen::MatrixXd::Identity(c, c) - Ud.transpose() * Ud).norm());
        CHECKF((Eigen::MatrixXd::Identity(c, c) - Vd.transpose() * Vd).norm() < otol * std::sqrt(double(n)),
               "%s orthV %.3g", nm, (Eigen::MatrixXd::Identity(c, c) - Vd.transpose() * Vd).norm());
      }
    }
  };
  {
    lowrank::LanczosOptions o;
    o.seed = cs;
    o.vectors = U(0, 3) ? lowrank::Vectors::thin : lowrank::Vectors::none;
    o.block_size = std::vector<Index>{0, 1, 2, 4, 8}[U(0, 4)];
    o.reorthogonalization = U(0, 1) ? lowrank::Reorthogonalization::full : lowrank::Reorthogonalization::one_sided;
    o.krylov_dimension = U(0, 2) ? 0 : U(1, 3 * int(k));
    o.keep = U(0, 2) ? 0 : U(1, 2 * int(k));
    // double at tolerance 1e-5: the mixed-precision path (float iteration, double Rayleigh–Ritz step)
    o.tolerance = std::is_same_v<T, double> && U(0, 2) == 0 ? 1e-5 : 0;
    std::snprintf(tag, sizeof tag,
                  "%s case %ld %ldx%ld spec %d kappa %.2g scale %g lanczos in %d rank %ld b %ld os %d kd %ld keep %ld "
                  "tol %g",
                  std::is_same_v<T, float> ? "f" : "d", cs, (long)m, (long)n, spec, kappa, scale, input, (long)rank,
                  (long)o.block_size, int(o.reorthogonalization), (long)o.krylov_dimension, (long)o.keep, o.tolerance);
    try {
      const auto r = run([&](const auto& X) { return lowrank::lanczos_svd(X, rank, o); });
      CHECKF(r.info.converged || s1 == 0, "lanczos not converged (restarts %ld)", (long)r.info.restarts);
      check_trunc("lanczos", r,
                  r.info.converged && spec != 1
                      ? (std::is_same_v<T, float> ? 2e-3 : std::max(1e-8, 2 * o.tolerance)) * s1 +
                            100 * double(std::max(m, n)) * eps * s1
                      : -1,
                  o.vectors == lowrank::Vectors::thin,
                  o.reorthogonalization == lowrank::Reorthogonalization::one_sided ? 100 * std::sqrt(eps) : 0);
    } catch (const std::exception& e) {
      CHECKF(false, "lanczos exception %s", e.what());
    }
  }
  {
    lowrank::RandomizedOptions o;
    o.seed = cs;
    o.vectors = U(0, 3) ? lowrank::Vectors::thin : lowrank::Vectors::none;
    o.oversampling = std::vector<Index>{0, 5, 10, 1000}[U(0, 3)];
    o.power_iterations = U(-1, 3);
    o.block_krylov = U(0, 3) == 0;
    o.fixed_accuracy = U(0, 3) == 0;
    o.tolerance = o.fixed_accuracy ? std::vector<double>{1e-1, 1e-3, 1e-6}[U(0, 2)] : 0;
    o.block_size = U(0, 1) ? 0 : U(1, 10);
    if (std::is_same_v<T, float> && o.tolerance < 1e-3) o.tolerance = 1e-3;
    std::snprintf(tag, sizeof tag,
                  "%s case %ld %ldx%ld spec %d kappa %.2g scale %g randomized in %d rank %ld p %ld q %d bk %d fa %d "
                  "tol %g bs %ld",
                  std::is_same_v<T, float> ? "f" : "d", cs, (long)m, (long)n, spec, kappa, scale, input, (long)rank,
                  (long)o.oversampling, o.power_iterations, int(o.block_krylov), int(o.fixed_accuracy), o.tolerance,
                  (long)o.block_size);
    try {
      const auto r = run([&](const auto& X) { return lowrank::randomized_svd(X, rank, o); });
      check_trunc(o.fixed_accuracy ? "rqb" : "randomized", r, -1, o.vectors == lowrank::Vectors::thin);
      if (o.fixed_accuracy && r.info.converged && o.vectors == lowrank::Vectors::thin && s1 > 0) {
        const double err =
            (Ad * scale / scale - r.U.template cast<double>() * r.S.template cast<double>().asDiagonal() *
                                      r.V.template cast<double>().transpose())
                .norm();
        CHECKF(err <= o.tolerance * Ad.norm() * 1.01 + 100 * eps * Ad.norm(), "rqb error %.3g > tol %.3g",
               err / Ad.norm(), o.tolerance);
      }
    } catch (const std::exception& e) {
      CHECKF(false, "randomized exception %s", e.what());
    }
  }
}
int main(int argc, char** argv) {
  const double secs = argc > 1 ? std::atof(argv[1]) : 60;
  gen.seed(argc > 2 ? std::atoi(argv[2]) : 1);
  auto t0 = std::chrono::steady_clock::now();
  long cases = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < secs) {
    ++cases;
    if (cases % 2)
      one_case<double>(cases);
    else
      one_case<float>(cases);
  }
  std::printf("%ld cases, %d failures\n", cases, fails);
  return fails == 0 ? 0 : 1;
}
