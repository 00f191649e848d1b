// The test matrices of matrices.hpp, compiled once into lowrank_test_support.
#include "support/matrices.hpp"

#include <Eigen/QR>

#include "lowrank/svd/detail/eigen_instances.hpp"

namespace lowrank_test {

Eigen::MatrixXd random_orthonormal(Index m, Index k, Rng& rng) {
  const Eigen::MatrixXd G = rng.gaussian(m, k);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(G);
  Eigen::MatrixXd Q = qr.householderQ() * Eigen::MatrixXd::Identity(m, k);
  for (Index j = 0; j < k; ++j)
    if (qr.matrixQR()(j, j) < 0) Q.col(j) = -Q.col(j);
  return Q;
}

namespace detail {
Eigen::MatrixXd dense_with_spectrum(const Eigen::VectorXd& sigma, Index m, Index n, Rng& rng) {
  const Index k = sigma.size();
  const Eigen::MatrixXd U = random_orthonormal(m, k, rng), V = random_orthonormal(n, k, rng);
  return U * sigma.asDiagonal() * V.transpose();
}
Eigen::VectorXd geometric(Index k, double kappa) {
  Eigen::VectorXd s(k);
  for (Index i = 0; i < k; ++i) s(i) = k == 1 ? 1.0 : std::pow(kappa, -double(i) / double(k - 1));
  return s;
}
std::vector<Index> permutation(Index k, Rng& rng) {
  std::vector<Index> p(static_cast<std::size_t>(k));
  for (Index i = 0; i < k; ++i) p[std::size_t(i)] = i;
  for (Index i = k - 1; i > 0; --i) std::swap(p[std::size_t(i)], p[std::size_t(rng.next() % std::uint64_t(i + 1))]);
  return p;
}
}  // namespace detail

template <class S>
TestMatrix<S> make_test_matrix(MatrixKind kind, Index m, Index n, std::uint64_t seed) {
  Rng rng(seed * 1315423911ull + std::uint64_t(kind) * 2654435761ull + std::uint64_t(m) * 97 + std::uint64_t(n));
  const Index k = std::min(m, n);
  const double eps = double(std::numeric_limits<S>::epsilon());
  TestMatrix<S> t;
  t.name = std::string(kind_name(kind)) + " " + std::to_string(m) + "x" + std::to_string(n) + " seed " +
           std::to_string(seed);
  Eigen::VectorXd sigma = Eigen::VectorXd::Zero(k);
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(m, n);
  bool diagonal = false, known = true;
  switch (kind) {
    case MatrixKind::zero: break;
    case MatrixKind::identity:
      sigma.setOnes();
      diagonal = true;
      break;
    case MatrixKind::diag_arithmetic:
      for (Index i = 0; i < k; ++i) sigma(i) = double(k - i) / double(k);
      diagonal = true;
      break;
    case MatrixKind::diag_geometric:
      sigma = detail::geometric(k, 1.0 / std::sqrt(eps));
      diagonal = true;
      break;
    case MatrixKind::diag_clustered:
      for (Index i = 0; i < k; ++i) sigma(i) = std::pow(1e-3, double(i * 3 / std::max<Index>(k, 1))) * (1.0 - 1e-10 * double(i));
      diagonal = true;
      break;
    case MatrixKind::diag_one_large:
      sigma.setConstant(eps);
      sigma(0) = 1;
      diagonal = true;
      break;
    case MatrixKind::diag_one_small:
      sigma.setOnes();
      sigma(k - 1) = eps;
      diagonal = true;
      break;
    case MatrixKind::random_kappa_1e2: sigma = detail::geometric(k, 1e2); break;
    case MatrixKind::random_kappa_1e8: sigma = detail::geometric(k, 1e8); break;
    case MatrixKind::random_kappa_inv_eps: sigma = detail::geometric(k, 1.0 / eps); break;
    case MatrixKind::scaled_overflow:
      sigma = detail::geometric(k, 1e2) * (double(std::numeric_limits<S>::max()) * eps);
      break;
    case MatrixKind::scaled_underflow:
      sigma = detail::geometric(k, 1e2) * (double(std::numeric_limits<S>::min()) / eps);
      break;
    case MatrixKind::rank_deficient: {
      const Index r = (k + 1) / 2;
      sigma.head(r) = detail::geometric(r, 1e3);
      break;
    }
    case MatrixKind::graded: {
      known = false;
      Eigen::VectorXd b(k);
      for (Index i = 0; i < k; ++i) b(i) = k == 1 ? 1.0 : 1.0 - 0.5 * double(i) / double(k - 1);
      A = detail::dense_with_spectrum(b, m, n, rng);
      // Grade the short dimension (columns when m >= n, rows when m < n), so that σ span ~1e-15 … 1.
      const auto p = detail::permutation(k, rng);
      for (Index j = 0; j < k; ++j) {
        const double d = k == 1 ? 1.0 : std::pow(10.0, -15.0 * double(p[std::size_t(j)]) / double(k - 1));
        if (m >= n)
          A.col(j) *= d;
        else
          A.row(j) *= d;
      }
      break;
    }
  }
  if (diagonal) {
    const auto p = detail::permutation(k, rng);
    for (Index i = 0; i < k; ++i) A(i, i) = sigma(p[std::size_t(i)]);
  } else if (known && kind != MatrixKind::zero) {
    A = detail::dense_with_spectrum(sigma, m, n, rng);
  }
  std::sort(sigma.data(), sigma.data() + k, [](double a, double b) { return a > b; });
  t.A = A.cast<S>();
  t.sigma_known = known;
  if (known) t.sigma = sigma;
  return t;
}

template TestMatrix<float> make_test_matrix<float>(MatrixKind, Index, Index, std::uint64_t);
template TestMatrix<double> make_test_matrix<double>(MatrixKind, Index, Index, std::uint64_t);

}  // namespace lowrank_test
