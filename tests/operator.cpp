// LinearOperator concept and adaptors (operator.hpp): products against Eigen's, sparse orientations and
// index types, thread-count determinism, matrix-free callables.
#include <catch2/catch.hpp>

#include <Eigen/QR>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include "lowrank/operator.hpp"
#include "lowrank/svd/detail/orthogonalize.hpp"
#include "lowrank/svd/detail/rng.hpp"

#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif

using lowrank::Index;

namespace {
template <class Scalar, int Options = Eigen::ColMajor, class StorageIndex = int>
Eigen::SparseMatrix<Scalar, Options, StorageIndex> random_sparse(Index m, Index n, double density, unsigned seed) {
  // Each entry is present with probability `density`, drawn as geometric gaps between the present ones:
  // O(nnz) work instead of one draw per entry (60 k × 30 k entries took 29 s, 300 s under ASan).
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> val(-1, 1);
  std::geometric_distribution<Index> gap(density);
  std::vector<Eigen::Triplet<Scalar, StorageIndex>> t;
  for (Index i = 0; i < m; ++i)
    for (Index j = gap(gen); j < n; j += 1 + gap(gen)) t.emplace_back(StorageIndex(i), StorageIndex(j), Scalar(val(gen)));
  Eigen::SparseMatrix<Scalar, Options, StorageIndex> A(m, n);
  A.setFromTriplets(t.begin(), t.end());
  return A;
}

template <class Scalar>
lowrank::Matrix<Scalar> gaussian(Index m, Index n, std::uint64_t seed) {
  lowrank::Matrix<Scalar> X(m, n);
  lowrank::detail::fill_gaussian<Scalar>(X, seed, 7);
  return X;
}

template <class Op, class Dense>
void check_products(const Op& op, const Dense& A_in, double tol) {
  using Scalar = typename Op::Scalar;
  // The reference products on a plain copy: one Eigen GEMM per scalar type in this file instead of one
  // per wrapped expression type (a Block, a strided Map, a row-major matrix…), which doubled its compile.
  const lowrank::Matrix<Scalar> A = A_in;
  REQUIRE(op.rows() == A.rows());
  REQUIRE(op.cols() == A.cols());
  for (Index k : {1, 2, 3, 7, 16, 33, 64}) {
    const lowrank::Matrix<Scalar> X = gaussian<Scalar>(A.cols(), k, std::uint64_t(k));
    const lowrank::Matrix<Scalar> Xt = gaussian<Scalar>(A.rows(), k, std::uint64_t(100 + k));
    lowrank::Matrix<Scalar> Y(A.rows(), k), Yt(A.cols(), k);
    op.apply(X, Y);
    op.apply_transpose(Xt, Yt);
    const double e1 = double((Y - A * X).norm() / (A.norm() * X.norm() + 1));
    const double e2 = double((Yt - A.transpose() * Xt).norm() / (A.norm() * Xt.norm() + 1));
    INFO("k = " << k << ", apply error " << e1 << ", apply_transpose error " << e2);
    REQUIRE(e1 <= tol);
    REQUIRE(e2 <= tol);
  }
}

/// The SpMM kernel run directly on X copied into a row-major table of `ld` ≥ X.cols() columns (the
/// extra ones zero): the reference for "the operator's blocked or panelled product gives the same sums".
template <class Scalar, class Csr>
lowrank::Matrix<Scalar> kernel_on_whole_rows(const Csr& csr, const lowrank::Matrix<Scalar>& X, Index ld) {
  const Index n = X.rows(), k = X.cols(), m = csr.nrows;
  std::vector<Scalar> xr(std::size_t(n * ld), Scalar(0)), yr(std::size_t(m * ld));
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < k; ++j) xr[std::size_t(i * ld + j)] = X(i, j);
  lowrank::kernels::csr_spmm_rows(csr.row_ptr, csr.cols, csr.values, xr.data(), yr.data(), std::size_t(ld), 0,
                                  std::size_t(m));
  lowrank::Matrix<Scalar> Y(m, k);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < k; ++j) Y(i, j) = yr[std::size_t(i * ld + j)];
  return Y;
}

/// Qa·diag(s)·Qbᵀ (m × s.size()) with Qa, Qb the orthonormal Householder factors of Gaussian blocks drawn
/// from `seed` and `seed` + 1: a block whose singular values are exactly s.
template <class Scalar>
lowrank::Matrix<Scalar> with_singular_values(Index m, const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& s,
                                             std::uint64_t seed) {
  const Index l = s.size();
  const lowrank::Matrix<Scalar> Qa =
      Eigen::HouseholderQR<lowrank::Matrix<Scalar>>(gaussian<Scalar>(m, l, seed)).householderQ() *
      lowrank::Matrix<Scalar>::Identity(m, l);
  const lowrank::Matrix<Scalar> Qb =
      Eigen::HouseholderQR<lowrank::Matrix<Scalar>>(gaussian<Scalar>(l, l, seed + 1)).householderQ();
  return Qa * s.asDiagonal() * Qb.transpose();
}
}  // namespace

TEST_CASE("concept detection", "[operator]") {
  using Sp = Eigen::SparseMatrix<double, Eigen::RowMajor>;
  STATIC_REQUIRE(lowrank::is_linear_operator_v<lowrank::DenseOperator<Eigen::MatrixXd>>);
  STATIC_REQUIRE(lowrank::is_linear_operator_v<lowrank::SparseOperator<double, Eigen::RowMajor, int>>);
  STATIC_REQUIRE(lowrank::is_linear_operator_v<lowrank::FunctionOperator<float>>);
  STATIC_REQUIRE(!lowrank::is_linear_operator_v<Eigen::MatrixXd>);
  STATIC_REQUIRE(!lowrank::is_linear_operator_v<Sp>);
  STATIC_REQUIRE(!lowrank::is_linear_operator_v<int>);
  STATIC_REQUIRE(std::is_same_v<decltype(lowrank::make_operator(std::declval<const Sp&>())),
                                lowrank::SparseOperator<double, Eigen::RowMajor, int>>);
  STATIC_REQUIRE(std::is_same_v<decltype(lowrank::make_operator(std::declval<const Eigen::MatrixXf&>())),
                                lowrank::DenseOperator<Eigen::MatrixXf>>);
}

TEST_CASE("DenseOperator matches Eigen products, on matrices and maps", "[operator]") {
  const Eigen::MatrixXd A = gaussian<double>(37, 23, 1);
  check_products(lowrank::make_operator(A), A, 1e-14);
  std::vector<float> buf(23 * 37);
  Eigen::Map<Eigen::MatrixXf> M(buf.data(), 23, 37);
  M = gaussian<float>(23, 37, 2);
  const auto op = lowrank::make_operator(M);
  check_products(op, Eigen::MatrixXf(M), 1e-5);
  buf[0] = 1000.f;  // the operator holds the view, not a copy
  Eigen::MatrixXf Y(23, 1);
  op.apply(Eigen::MatrixXf::Identity(37, 1), Y);
  REQUIRE(Y(0, 0) == 1000.f);
}

TEMPLATE_TEST_CASE("DenseOperator: row-major, blocks with an outer stride, strided maps and expressions",
                   "[operator]", float, double) {
  // Unit-inner-stride storage goes through the dispatched GEMM kernel (both storage orders, with a
  // leading dimension); a strided Map and an expression take Eigen's own product.
  const double tol = std::is_same_v<TestType, float> ? 1e-5 : 1e-13;
  using M = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic>;
  using R = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const M big = gaussian<double>(90, 70, 5).cast<TestType>();
  const R rows = big;
  SECTION("row-major") { check_products(lowrank::make_operator(rows), big, tol); }
  SECTION("column-major block") {
    const auto blk = big.block(3, 5, 61, 47);
    check_products(lowrank::make_operator(blk), M(blk), tol);
  }
  SECTION("row-major block") {
    const auto blk = rows.block(2, 1, 40, 66);
    check_products(lowrank::make_operator(blk), M(blk), tol);
  }
  SECTION("map with an inner stride") {
    Eigen::Map<const M, 0, Eigen::Stride<Eigen::Dynamic, 2>> strided(big.data(), 45, 70,
                                                                     Eigen::Stride<Eigen::Dynamic, 2>(90, 2));
    check_products(lowrank::make_operator(strided), M(strided), tol);
  }
  SECTION("an expression (no storage)") {
    const auto doubled = big * TestType(2);
    check_products(lowrank::make_operator(doubled), M(doubled), tol);
  }
}

TEMPLATE_TEST_CASE("SparseOperator matches the dense product in both orientations", "[operator]", float, double) {
  const double tol = std::is_same_v<TestType, float> ? 1e-5 : 1e-13;
  const auto Ac = random_sparse<TestType, Eigen::ColMajor>(71, 45, 0.1, 3);
  const Eigen::SparseMatrix<TestType, Eigen::RowMajor> Ar = Ac;
  const lowrank::Matrix<TestType> D = lowrank::Matrix<TestType>(Ac);
  SECTION("row-major") { check_products(lowrank::make_operator(Ar), D, tol); }
  SECTION("column-major") { check_products(lowrank::make_operator(Ac), D, tol); }
  SECTION("64-bit storage index") {
    const Eigen::SparseMatrix<TestType, Eigen::RowMajor, std::int64_t> A64 = Ar;
    check_products(lowrank::make_operator(A64), D, tol);
  }
  SECTION("uncompressed (the one case that copies)") {
    Eigen::SparseMatrix<TestType, Eigen::RowMajor> U = Ar;
    U.uncompress();
    REQUIRE(!U.isCompressed());
    check_products(lowrank::make_operator(U), D, tol);
  }
  SECTION("empty rows and columns, no nonzeros") {
    Eigen::SparseMatrix<TestType, Eigen::RowMajor> Z(9, 4);
    Z.makeCompressed();
    check_products(lowrank::make_operator(Z), lowrank::Matrix<TestType>::Zero(9, 4), 0);
  }
}

TEST_CASE("SparseOperator: tall products go through row and column panels with the same result", "[operator]") {
  // 40 k × 30 with 48 columns: the output goes through panels of 2^20 / 48 = 21,845 rows (two panels)
  const auto A = random_sparse<float, Eigen::RowMajor>(40000, 30, 0.2, 9);
  const auto op = lowrank::make_operator(A);
  const lowrank::Matrix<float> X = gaussian<float>(30, 48, 11);
  lowrank::Matrix<float> Y(40000, 48);
  op.apply(X, Y);
  const lowrank::Matrix<float> want = A * X;
  REQUIRE((Y - want).norm() <= 1e-5 * want.norm());
  // a tall X of 600 k × 32 floats (77 MB > 64 MB) goes through Aᵀ in two column panels of 16
  const auto T = random_sparse<float, Eigen::RowMajor>(600000, 20, 0.02, 13);
  const auto opt = lowrank::make_operator(T);
  const lowrank::Matrix<float> Xt = gaussian<float>(600000, 32, 17);
  lowrank::Matrix<float> Yt(20, 32);
  opt.apply_transpose(Xt, Yt);
  const lowrank::Matrix<float> want_t = T.transpose() * Xt;
  REQUIRE((Yt - want_t).norm() <= 1e-5 * want_t.norm());
  // and each row is exactly the one-column product (one thread per row, a fixed summation order)
  for (Index j : {0, 47}) {
    lowrank::Matrix<float> y(40000, 1);
    op.apply(X.col(j), y);
    CHECK((y.col(0) - Y.col(j)).norm() <= 1e-5 * y.norm());
  }
}

TEST_CASE("SparseOperator: a table of X beyond the cache goes through column blocks of A, same sums",
          "[operator]") {
  // 74 float columns are padded to 80 (whole cache lines): X of 40 k rows is 12.8 MB > the 8 MB block
  // size, so A (3 k × 40 k) runs in two column blocks, and Aᵀ's table (3 k rows) in one. X is taller
  // than Y, so X is converted one block at a time and Y stays whole in scratch.
  REQUIRE(lowrank::detail::spmm_column_blocks(40000.0 * 80 * sizeof(float)) == 2);
  const auto A = random_sparse<float, Eigen::RowMajor>(3000, 40000, 0.002, 21);
  const auto op = lowrank::make_operator(A);
  const lowrank::Matrix<float> X = gaussian<float>(40000, 74, 22), Xt = gaussian<float>(3000, 74, 23);
  lowrank::Matrix<float> Y(3000, 74), Y1(3000, 74), T(40000, 74);
  op.apply(X, Y);
  op.apply_transpose(Xt, T);
  const lowrank::Matrix<float> want = A * X, want_t = A.transpose() * Xt;
  REQUIRE((Y - want).norm() <= 1e-5 * want.norm());
  REQUIRE((T - want_t).norm() <= 1e-5 * want_t.norm());
  // each entry of a row is added in storage order, blocks or not: the blocked product equals the
  // kernel run on the whole rows at once
  REQUIRE((Y.array() == kernel_on_whole_rows(op.csr(), X, 80).array()).all());
#if LOWRANK_HAS_OPENMP
  const int saved = omp_get_max_threads();
  omp_set_num_threads(saved == 1 ? 2 : 1);
  op.apply(X, Y1);
  omp_set_num_threads(saved);
  REQUIRE((Y1.array() == Y.array()).all());
#endif
  // only one block of X (20 k rows, 6.4 MB) was ever in row-major scratch, not the whole 12.8 MB table
  auto& xscratch = lowrank::detail::spmm_scratch<float>(0);
  xscratch.release();
  {
    lowrank::detail::SpmmScratchHold hold;
    op.apply(X, Y1);
    REQUIRE(xscratch.bytes() >= std::size_t(20000) * 80 * sizeof(float));
    REQUIRE(xscratch.bytes() < std::size_t(40000) * 80 * sizeof(float));
  }
  REQUIRE((Y1.array() == Y.array()).all());
}

TEST_CASE("SparseOperator: a table of a few MB runs in L2-sized column panels, same sums", "[operator]") {
  // 60 double columns are padded to 64: X of 4000 rows is a 2 MB table, beyond the 1.5 MB panel size and
  // within one column block, so the product runs in two panels of 32 columns (the second 28 wide);
  // Aᵀ's table (2000 rows, 1 MB) runs whole.
  namespace d = lowrank::detail;
  REQUIRE(d::spmm_cache_panel_width(4000.0 * 64 * sizeof(double), 60, 8) == 32);
  REQUIRE(d::spmm_cache_panel_width(2000.0 * 64 * sizeof(double), 60, 8) == 60);   // fits: whole
  REQUIRE(d::spmm_cache_panel_width(40000.0 * 64 * sizeof(double), 60, 8) == 60);  // column blocks instead
  REQUIRE(d::spmm_cache_panel_width(1e6 * 16 * sizeof(double), 16, 8) == 16);      // too narrow to split
  const auto A = random_sparse<double, Eigen::RowMajor>(2000, 4000, 0.01, 41);
  const auto op = lowrank::make_operator(A);
  const Eigen::MatrixXd X = gaussian<double>(4000, 60, 42), Xt = gaussian<double>(2000, 60, 43);
  Eigen::MatrixXd Y(2000, 60), T(4000, 60);
  op.apply(X, Y);
  op.apply_transpose(Xt, T);
  const Eigen::MatrixXd want = A * X, want_t = A.transpose() * Xt;
  REQUIRE((Y - want).norm() <= 1e-13 * want.norm());
  REQUIRE((T - want_t).norm() <= 1e-13 * want_t.norm());
  // every column is the same chain of multiply-adds in a panel as in the whole row: the kernel run on the
  // unsplit 64-wide table gives the same numbers bit for bit
  REQUIRE((Y.array() == kernel_on_whole_rows(op.csr(), X, 64).array()).all());
}

TEST_CASE("SparseOperator: column blocks over several output panels, double", "[operator]") {
  // 60 k × 30 k with 40 double columns: the table (30 k × 40 doubles = 9.6 MB) runs in two column blocks
  // and the output in two panels of 50 k rows (16 MB / 320 B), the second one starting at row 50,000.
  REQUIRE(lowrank::detail::spmm_column_blocks(30000.0 * 40 * sizeof(double)) == 2);
  REQUIRE(lowrank::detail::spmm_column_blocks(1e6) == 1);
  REQUIRE(lowrank::detail::spmm_column_blocks(1e12) == 12);
  const auto A = random_sparse<double, Eigen::RowMajor>(60000, 30000, 0.0004, 31);
  const auto op = lowrank::make_operator(A);
  const Eigen::MatrixXd X = gaussian<double>(30000, 40, 32);
  Eigen::MatrixXd Y(60000, 40);
  op.apply(X, Y);
  const Eigen::MatrixXd want = A * X;
  REQUIRE((Y - want).norm() <= 1e-13 * want.norm());
  // every row equals its one-column products (the SpMV path, no blocks) to rounding
  for (Index j : {0, 39}) {
    Eigen::MatrixXd y(60000, 1);
    op.apply(X.col(j), y);
    CHECK((y.col(0) - Y.col(j)).norm() <= 1e-13 * y.norm());
  }
}

TEST_CASE("SparseOperator float sketch: 16-bit indices where the columns fit, the same sums as 32-bit ones",
          "[operator]") {
  // The float copy of a double matrix narrows the column indices of each direction with at most 65,536
  // columns. Its products must equal those of a float operator on the same (scaled) values with 32-bit
  // indices, bit for bit: A is 70 k × 60 k, so A·X (60 k columns) narrows and runs in column blocks at
  // 74 columns (X: 60 k × 80 floats, 19 MB), while Aᵀ·X (70 k columns) keeps 32-bit indices.
  const auto A = random_sparse<double, Eigen::RowMajor>(70000, 60000, 0.00004, 41);
  const auto op = lowrank::make_operator(A);
  const auto sketch = op.float_sketch();
  REQUIRE(sketch);
  const auto* sparse_sketch = dynamic_cast<const lowrank::detail::SparseFloatSketch*>(sketch.get());
  REQUIRE(sparse_sketch != nullptr);
  CHECK(sparse_sketch->narrow_indices(false));
  CHECK_FALSE(sparse_sketch->narrow_indices(true));
  const Eigen::SparseMatrix<float, Eigen::RowMajor> Af = (A * sketch->scale()).cast<float>();
  const auto op_f = lowrank::make_operator(Af);
  REQUIRE(lowrank::detail::spmm_column_blocks(60000.0 * 80 * sizeof(float)) > 1);
  for (Index k : {1, 4, 8, 16, 20, 74}) {
    CAPTURE(k);
    const lowrank::Matrix<float> X = gaussian<float>(60000, k, 42), Xt = gaussian<float>(70000, k, 43);
    lowrank::Matrix<float> Y(70000, k), Yf(70000, k), T(60000, k), Tf(60000, k);
    sketch->apply(X, Y);
    op_f.apply(X, Yf);
    sketch->apply_transpose(Xt, T);
    op_f.apply_transpose(Xt, Tf);
    REQUIRE((Y.array() == Yf.array()).all());
    REQUIRE((T.array() == Tf.array()).all());
  }
}

TEST_CASE("transpose_csr: the two-pass radix transpose equals Eigen's, for every shape and thread count",
          "[operator]") {
  // Column counts 1…300 k cover the one-pass sort (≤ 4096 columns), 2^shift-column buckets up to shift 11, a
  // last partial bucket and empty columns; the skewed draw puts a third of the entries in column 0 (a
  // popular item: one large bucket) and the rest spread power-law-like over the columns.
  for (const Index inner :
       {Index(1), Index(7), Index(256), Index(257), Index(1000), Index(4097), Index(65537), Index(300000)}) {
    const Index outer = 3000;
    std::mt19937 gen(static_cast<unsigned>(inner));
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<Eigen::Triplet<float, int>> entries;
    for (Index r = 0; r < outer; ++r)
      for (int e = 0; e < 60; ++e) {
        const double x = u(gen);
        const Index c = x < 0.33 ? 0 : std::min<Index>(inner - 1, Index(double(inner) * u(gen) * u(gen)));
        entries.emplace_back(int(r), int(c), float(u(gen)) - 0.5f);
      }
    Eigen::SparseMatrix<float, Eigen::RowMajor, int> A(outer, inner);
    A.setFromTriplets(entries.begin(), entries.end());
    A.makeCompressed();
    const Eigen::SparseMatrix<float, Eigen::RowMajor, int> At(A.transpose());  // Eigen's: rows sorted
    const std::vector<std::int64_t> ptr(A.outerIndexPtr(), A.outerIndexPtr() + outer + 1);
    if (inner >= 1000) REQUIRE(A.nonZeros() > (Index(1) << 16));  // large enough for the threaded passes
    for (int threads : {1, 2, 3}) {
      std::vector<std::int64_t> t_ptr;
      std::vector<std::int32_t> t_cols;
      std::vector<float> t_vals;
      lowrank::detail::transpose_csr(outer, inner, ptr.data(), A.innerIndexPtr(), A.valuePtr(), t_ptr, t_cols, t_vals,
                                     threads);
      INFO("inner " << inner << ", threads " << threads);
      REQUIRE(t_ptr.size() == std::size_t(inner) + 1);
      REQUIRE(std::equal(t_ptr.begin(), t_ptr.end(), At.outerIndexPtr()));
      REQUIRE(std::equal(t_cols.begin(), t_cols.end(), At.innerIndexPtr()));
      REQUIRE(std::equal(t_vals.begin(), t_vals.end(), At.valuePtr()));
    }
  }
}

TEST_CASE("SparseOperator: bit-identical results for every thread count", "[operator]") {
  const auto A = random_sparse<double, Eigen::RowMajor>(900, 700, 0.05, 5);
  const auto op = lowrank::make_operator(A);
  const Eigen::MatrixXd X = gaussian<double>(700, 16, 3), Xt = gaussian<double>(900, 16, 4);
  Eigen::MatrixXd Y1(900, 16), Y2(900, 16), T1(700, 16), T2(700, 16);
#if LOWRANK_HAS_OPENMP
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
#endif
  op.apply(X, Y1);
  op.apply_transpose(Xt, T1);
#if LOWRANK_HAS_OPENMP
  omp_set_num_threads(3);
#endif
  op.apply(X, Y2);
  op.apply_transpose(Xt, T2);
#if LOWRANK_HAS_OPENMP
  omp_set_num_threads(saved);
#endif
  REQUIRE((Y1.array() == Y2.array()).all());
  REQUIRE((T1.array() == T2.array()).all());
}

TEST_CASE("SparseOperator: large scratch is freed after a product unless a solver holds it", "[operator]") {
  namespace d = lowrank::detail;
  const auto A = random_sparse<double, Eigen::RowMajor>(60, 50, 0.1, 7);
  const auto op = lowrank::make_operator(A);
  const Eigen::MatrixXd X = gaussian<double>(50, 8, 8);
  Eigen::MatrixXd Y(60, 8);
  auto& scratch = d::spmm_scratch<double>(0);
  const std::size_t big = d::kSpmmScratchKeepBytes / sizeof(double) + 1024;  // never touched: no pages
  // no hold: a product leaves no scratch beyond the limit behind (what it last grew to is freed)
  scratch.get(big);
  op.apply(X, Y);
  REQUIRE(scratch.bytes() == 0);
  {
    d::SpmmScratchHold outer;
    scratch.get(big);
    op.apply(X, Y);
    REQUIRE(scratch.bytes() > d::kSpmmScratchKeepBytes);  // kept between the solver's products
    { d::SpmmScratchHold inner; }
    REQUIRE(scratch.bytes() > d::kSpmmScratchKeepBytes);  // an inner hold ending does not free it
    outer.end();
    REQUIRE(scratch.bytes() == 0);  // the last hold frees it
    outer.end();                    // idempotent
    REQUIRE(d::spmm_scratch_holds() == 0);
  }
  REQUIRE((Y - A * X).norm() <= 1e-12 * (A * X).norm());
}

TEST_CASE("orthonormalize: an ill-conditioned float block keeps its span (Householder on the untouched Y)",
          "[operator][orthonormalize]") {
  // 3000×12 float block with κ = 1e4: beyond CholeskyQR2's float range (1/(2√ε) ≈ 1.4e3)
  const Index m = 3000, l = 12;
  Eigen::VectorXf s(l);
  for (Index i = 0; i < l; ++i) s(i) = std::pow(1e-4f, float(i) / float(l - 1));
  const lowrank::Matrix<float> Y = with_singular_values<float>(m, s, 21);
  lowrank::Matrix<float> Q = Y;
  const bool cholesky = lowrank::detail::orthonormalize(Q);
  CHECK_FALSE(cholesky);
  const float orth = (Q.transpose() * Q - lowrank::Matrix<float>::Identity(l, l)).norm();
  CHECK(orth <= 1e-5f);
  // every column of Y, the smallest directions included, lies in span(Q) to float accuracy
  const lowrank::Matrix<float> R = Y - Q * (Q.transpose() * Y);
  CHECK(R.norm() <= 2e-6f * Y.norm());
  // a well-conditioned block takes the Cholesky path and is orthonormal to O(ε)
  lowrank::Matrix<float> W = gaussian<float>(m, l, 21);
  CHECK(lowrank::detail::orthonormalize(W));
  CHECK((W.transpose() * W - lowrank::Matrix<float>::Identity(l, l)).norm() <= 1e-5f);
}

TEST_CASE("orthonormalize: a block within CholeskyQR2's range whose Frobenius bound is not takes the Cholesky path",
          "[operator][orthonormalize]") {
  // 2000×40 with σ = 1 and 39 × 1e-7: κ₂ = 1e7 < 1/(2√ε) ≈ 3.4e7, but ‖R‖_F·‖R⁻¹‖_F ≈ √39·1e7 ≈ 6.2e7 is
  // above it: the exact singular values of R decide, and CholeskyQR2 still runs (Householder only when
  // κ₂ itself is too large)
  const Index m = 2000, l = 40;
  for (double small : {1e-7, 1e-8}) {
    CAPTURE(small);
    Eigen::VectorXd s = Eigen::VectorXd::Constant(l, small);
    s(0) = 1;
    const lowrank::Matrix<double> Y = with_singular_values<double>(m, s, 51);
    lowrank::Matrix<double> Q = Y;
    const bool cholesky = lowrank::detail::orthonormalize(Q);
    CHECK(cholesky == (small == 1e-7));  // κ₂ = 1e8 is beyond the range: Householder
    CHECK((Q.transpose() * Q - lowrank::Matrix<double>::Identity(l, l)).norm() <= 1e-13);
    CHECK((Y - Q * (Q.transpose() * Y)).norm() <= 1e-14 * Y.norm());
  }
}

TEST_CASE("condition_basis: one Cholesky-QR pass keeps the span and leaves a well-conditioned basis",
          "[operator][orthonormalize]") {
  // κ = 1e2, 1e5, 1e7 (double): one pass through the explicit inverse of R gives ‖QᵀQ − I‖ ≲ κ²ε ≤ 1/4,
  // and every column of Y, its smallest directions included, stays in span(Q) to O(κε)
  const Index m = 3000, l = 24;
  for (double kappa : {1e2, 1e5, 1e7}) {
    CAPTURE(kappa);
    Eigen::VectorXd s(l);
    for (Index i = 0; i < l; ++i) s(i) = std::pow(kappa, -double(i) / double(l - 1));
    const lowrank::Matrix<double> Y = with_singular_values<double>(m, s, 61);
    lowrank::Matrix<double> Q = Y;
    lowrank::detail::condition_basis(Q);
    const double eps = std::numeric_limits<double>::epsilon();
    CHECK((Q.transpose() * Q - lowrank::Matrix<double>::Identity(l, l)).norm() <=
          std::max(1e-12, 10 * kappa * kappa * eps));
    // the projection of Y onto span(Q), through an orthonormal basis of Q's columns
    lowrank::Matrix<double> B = Q;
    lowrank::detail::householder_orthonormalize(B);
    const Eigen::VectorXd residual = (Y - B * (B.transpose() * Y)).colwise().norm();
    CHECK(residual.maxCoeff() <= 100 * kappa * eps * Y.norm());
  }
}

TEST_CASE("HugePageArray: large arrays start on a huge page and fill whole ones; small ones are plain", "[operator]") {
  using lowrank::detail::HugePageArray;
  using lowrank::detail::kHugePageBytes;
  const std::size_t big = 5 * kHugePageBytes / sizeof(float) + 3;  // over two huge pages, not a whole number
  HugePageArray<float> a(big);
  REQUIRE(a.size() == big);
#if defined(__linux__)
  REQUIRE(reinterpret_cast<std::uintptr_t>(a.data()) % kHugePageBytes == 0);
#endif
  for (std::size_t i = 0; i < big; ++i) a.data()[i] = float(i % 97);  // every element is writable
  REQUIRE(a.data()[big - 1] == float((big - 1) % 97));
  HugePageArray<float> b(std::move(a));
  REQUIRE(b.size() == big);
  REQUIRE(a.data() == nullptr);  // NOLINT(bugprone-use-after-move): a moved-from array is empty
  REQUIRE(b.data()[12345] == float(12345 % 97));
  HugePageArray<double> small(100), none(0);
  REQUIRE(small.data() != nullptr);
  REQUIRE(none.size() == 0);
  small.data()[99] = 1.5;
  REQUIRE(small.data()[99] == 1.5);
}

TEST_CASE("FunctionOperator wraps callables", "[operator]") {
  const Eigen::MatrixXd A = gaussian<double>(12, 8, 9);
  int calls = 0;
  auto op = lowrank::make_operator<double>(
      12, 8,
      [&](Eigen::Ref<const Eigen::MatrixXd> X, Eigen::Ref<Eigen::MatrixXd> Y) {
        ++calls;
        Y.noalias() = A * X;
      },
      [&](Eigen::Ref<const Eigen::MatrixXd> X, Eigen::Ref<Eigen::MatrixXd> Y) { Y.noalias() = A.transpose() * X; },
      "my_op");
  check_products(op, A, 1e-14);
  REQUIRE(calls == 7);
  REQUIRE(lowrank::operator_name(op) == "my_op");
  REQUIRE_THROWS_AS(lowrank::FunctionOperator<double>(2, 2, nullptr, nullptr), lowrank::Error);
}

TEST_CASE("sparse sign test matrices: zeta entries +-1 per row, counter-based, balanced", "[operator][rng]") {
  for (const Index l : {Index(20), Index(100)}) {  // the shuffle (l <= 64) and the rejection path
    for (const Index zeta : {Index(1), Index(8), Index(3 * l)}) {
      Eigen::MatrixXd M(3000, l);
      lowrank::detail::fill_sparse_sign<double>(M, 7, 0, zeta);
      const Index z = std::min(zeta, l);
      INFO("l " << l << ", zeta " << zeta);
      for (Index i = 0; i < M.rows(); ++i) {
        REQUIRE((M.row(i).array() != 0).count() == z);
        REQUIRE((M.row(i).array().abs() == 1 || M.row(i).array() == 0).all());
      }
      // columns used evenly and signs balanced (3000·z entries over l columns)
      const Eigen::VectorXd per_column = (M.array() != 0).cast<double>().colwise().sum().transpose();
      const double expected = 3000.0 * double(z) / double(l);
      REQUIRE((per_column.array() - expected).abs().maxCoeff() < 6 * std::sqrt(expected) + 1);
      REQUIRE(std::abs(M.sum()) < 6 * std::sqrt(3000.0 * double(z)));
      // the same numbers again, from another seed different ones, for a growth block others again
      Eigen::MatrixXd again(3000, l), other(3000, l), block(3000, l);
      lowrank::detail::fill_sparse_sign<double>(again, 7, 0, zeta);
      lowrank::detail::fill_sparse_sign<double>(other, 8, 0, zeta);
      lowrank::detail::fill_sparse_sign<double>(block, 7, 0, zeta, l);
      REQUIRE((M.array() == again.array()).all());
      if (z < l) {
        REQUIRE((M.array() != other.array()).any());
        REQUIRE((M.array() != block.array()).any());
      }
    }
  }
#if LOWRANK_HAS_OPENMP
  Eigen::MatrixXf one(200000, 20), two(200000, 20);  // beyond the parallel threshold
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  lowrank::detail::fill_sparse_sign<float>(one, 3, 1, 8);
  omp_set_num_threads(2);
  lowrank::detail::fill_sparse_sign<float>(two, 3, 1, 8);
  omp_set_num_threads(threads);
  REQUIRE((one.array() == two.array()).all());
#endif
}

TEST_CASE("counter-based Gaussian numbers: independent of block layout, sane moments", "[operator][rng]") {
  Eigen::MatrixXd A(1001, 6), B(1001, 2);
  lowrank::detail::fill_gaussian<double>(A, 42, 0);
  lowrank::detail::fill_gaussian<double>(B, 42, 0, 3);  // columns 3 and 4 drawn on their own
  REQUIRE((A.middleCols(3, 2).array() == B.array()).all());
  Eigen::MatrixXd C(20000, 1);
  lowrank::detail::fill_gaussian<double>(C, 1, 0);
  const double mean = C.mean(), var = (C.array() - mean).square().mean();
  INFO("mean " << mean << ", variance " << var);
  REQUIRE(std::abs(mean) < 0.03);
  REQUIRE(std::abs(var - 1) < 0.05);
  Eigen::MatrixXd D(1001, 6);
  lowrank::detail::fill_gaussian<double>(D, 43, 0);
  REQUIRE((A - D).norm() > 1);
}
