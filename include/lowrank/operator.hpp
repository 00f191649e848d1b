#pragma once
/// \file operator.hpp  The LinearOperator concept shared by the truncated solvers (STYLE C5), and its
/// adaptors for dense Eigen matrices, Eigen::SparseMatrix (row- and column-major) and user callables.
///
/// A type `Op` models LinearOperator when it has
/// ```
///   using Scalar = …;   Index rows() const;   Index cols() const;
///   void apply(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const;            // Y = A X
///   void apply_transpose(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const;  // Y = Aᵀ X
/// ```
/// X and Y are blocks of columns (a vector is a 1-column block). An optional `std::string name() const`
/// is used in error messages. Adaptors keep references to the caller's matrix, never copies of it (Spectra
/// MatOp); the caller keeps the matrix alive while the operator is used.
///
/// Sparse products run through the SIMD kernel `kernels::csr_spmm_rows` on row chunks, threaded with
/// OpenMP. Every output row is computed by one thread with a fixed summation order, so results are
/// bit-identical whatever the thread count. Aᵀ·X is computed as a CSR product with a transposed copy of
/// the pattern built once by the constructor (nnz values + nnz int32 indices + row pointers: the
/// memory-for-speed trade that makes apply_transpose as fast as apply and keeps it deterministic).
/// The blocks go through row-major scratch copies padded to whole cache lines; when the gathered block
/// outgrows the cache (users × 74 columns at a million users), A is applied in column blocks
/// (`kernels::csr_spmm_rows_until`), each row still summed in storage order.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/detail/csr_transpose.hpp"
#include "lowrank/detail/finite.hpp"
#include "lowrank/detail/huge_pages.hpp"
#include "lowrank/error.hpp"
#include "lowrank/kernels.hpp"
#include "lowrank/limits.hpp"
#include "lowrank/types.hpp"

#if LOWRANK_HAS_OPENMP
#include <omp.h>
#endif

namespace lowrank {

namespace detail {
template <class Op, class = void>
struct is_linear_operator : std::false_type {};
template <class Op>
struct is_linear_operator<
    Op, std::void_t<typename Op::Scalar, decltype(Index(std::declval<const Op&>().rows())),
                    decltype(Index(std::declval<const Op&>().cols())),
                    decltype(std::declval<const Op&>().apply(
                        std::declval<Eigen::Ref<const Matrix<typename Op::Scalar>>>(),
                        std::declval<Eigen::Ref<Matrix<typename Op::Scalar>>>())),
                    decltype(std::declval<const Op&>().apply_transpose(
                        std::declval<Eigen::Ref<const Matrix<typename Op::Scalar>>>(),
                        std::declval<Eigen::Ref<Matrix<typename Op::Scalar>>>()))>> : std::true_type {};

template <class Op, class = void>
struct has_name : std::false_type {};
template <class Op>
struct has_name<Op, std::void_t<decltype(std::string(std::declval<const Op&>().name()))>> : std::true_type {};

/// Products with a float copy of a double operator's matrix, for the randomized range finder's power
/// steps (svd/randomized.hpp): those only have to find the dominant subspace, to far less than float
/// accuracy, while the products that decide the result (the last sketch and the projection) stay in
/// double. The copy is c·A with c = 1 where max|a_ij| lies in [2^−24, 2^24], else the power of two that
/// brings max|a_ij| to [1, 2) (entries far below float's range flush to zero: a perturbation of
/// 1e-38·‖A‖ in a subspace search). A power of two changes no digit of the products or of the bases
/// made from them.
class FloatSketch {
 public:
  virtual ~FloatSketch() = default;
  /// Y = c·A·X.
  virtual void apply(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const = 0;
  /// Y = c·Aᵀ·X.
  virtual void apply_transpose(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const = 0;
  /// The power of two c of the copy.
  double scale() const { return m_scale; }

 protected:
  double m_scale = 1;
};

/// 2^−e with amax = 2^e·[1, 2) (1 for amax = 0): the exact scale that brings a matrix whose largest
/// entry is amax to [1, 2).
inline double power_of_two_scale(double amax) { return amax > 0 ? std::ldexp(1.0, -std::ilogb(amax)) : 1.0; }
/// The scale c of a float copy whose largest entry is amax: 1 where amax lies in [2^−24, 2^24] (float
/// holds the entries and the products' sums comfortably), else power_of_two_scale(amax).
inline double float_copy_scale(double amax) {
  return amax >= 0x1p-24 && amax <= 0x1p24 ? 1.0 : power_of_two_scale(amax);
}

/// FloatSketch of a dense matrix: a column-major float copy (half the bytes of the double matrix) in
/// whole huge pages (detail::HugePageArray: the copy is fresh on every solve), products through the
/// dispatched float GEMM (the skinny kernels at the solvers' widths). 5000×2000 doubles against 20
/// columns: a float product takes 3.2 ms against 7.1–7.4 ms in double, the copy 3 ms.
class DenseFloatSketch final : public FloatSketch {
 public:
  template <class Derived>
  explicit DenseFloatSketch(const Eigen::MatrixBase<Derived>& A)
      : m_rows(A.rows()), m_cols(A.cols()), m_copy(std::size_t(A.rows()) * std::size_t(A.cols())) {
    // one read of A (finite and not empty: the solvers check) for the copy and max|a_ij|; a second one
    // only where entries far from 1 need the scale
    m_scale = float_copy_scale(convert(A, 1.0));
    if (m_scale != 1.0) convert(A, m_scale);
  }
  void apply(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const override { product(false, X, Y); }
  void apply_transpose(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const override {
    product(true, X, Y);
  }

 private:
  void product(bool transposed, const Eigen::Ref<const Matrix<float>>& X, Eigen::Ref<Matrix<float>> Y) const {
    kernels::gemm(transposed, false, Y.rows(), Y.cols(), X.rows(), 1.0f, m_copy.data(), m_rows, X.data(),
                  X.outerStride(), 0.0f, Y.data(), Y.outerStride());
  }
  /// The copy = float(scale·A), column by column (A may be a strided view); returns max|a_ij|.
  template <class Derived>
  double convert(const Eigen::MatrixBase<Derived>& A, double scale) {
    constexpr bool kContiguousColumns = std::is_same_v<typename Derived::Scalar, double> && !Derived::IsRowMajor &&
                                        bool(Derived::Flags & Eigen::DirectAccessBit) &&
                                        Derived::InnerStrideAtCompileTime == 1;
    Eigen::Map<Matrix<float>> copy(m_copy.data(), m_rows, m_cols);
    double amax = 0;
    for (Index j = 0; j < A.cols(); ++j) {
      if constexpr (kContiguousColumns) {
        const double* column = A.derived().data() + j * A.derived().outerStride();
        amax = std::max(amax, kernels::demote_scaled(column, std::size_t(A.rows()), scale, copy.col(j).data()));
      } else {
        copy.col(j) = (scale * A.col(j).template cast<double>()).template cast<float>();
        amax = std::max(amax, double(A.col(j).cwiseAbs().maxCoeff()));
      }
    }
    return amax;
  }
  Index m_rows, m_cols;
  HugePageArray<float> m_copy;
};

}  // namespace detail

/// True when `Op` provides Scalar, rows(), cols(), apply() and apply_transpose() (see the file comment).
template <class Op>
inline constexpr bool is_linear_operator_v = detail::is_linear_operator<std::decay_t<Op>>::value;

/// The operator's name for error messages: `op.name()` when it has one, else "LinearOperator".
template <class Op>
std::string operator_name(const Op& op) {
  if constexpr (detail::has_name<Op>::value)
    return std::string(op.name());
  else
    return "LinearOperator";
}

// ---------------------------------------------------------------------------------------------------
/// Dense adaptor: GEMM through Eigen. Holds the matrix the way Eigen nests expressions
/// (`ref_selector`): plain matrices by reference, Maps/Refs/Blocks (views) by value.
template <class Derived>
class DenseOperator {
 public:
  using Scalar = typename Derived::Scalar;  ///< element type of the matrix
  /// Wraps `A` (by reference for a plain matrix: keep it alive while the operator is used).
  explicit DenseOperator(const Eigen::MatrixBase<Derived>& A) : m_mat(A.derived()) {}
  /// Number of rows of A.
  Index rows() const { return m_mat.rows(); }
  /// Number of columns of A.
  Index cols() const { return m_mat.cols(); }
  /// Y = A X.
  void apply(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const {
    if constexpr (kDispatched)
      product(false, X, Y);
    else
      Y.noalias() = m_mat * X;
  }
  /// Y = Aᵀ X.
  void apply_transpose(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const {
    if constexpr (kDispatched)
      product(true, X, Y);
    else
      Y.noalias() = m_mat.transpose() * X;
  }
  /// "DenseOperator" (for error messages).
  std::string name() const { return "DenseOperator"; }
  /// ‖c·A‖_F² (c = 1 by default), in double: used by the fixed-accuracy randomized solver.
  double squared_norm(double c = 1) const { return double((c * m_mat.template cast<double>()).squaredNorm()); }
  /// For a double matrix, a float copy of A for the mixed-precision solvers' float products
  /// (detail::DenseFloatSketch: m·n floats in huge pages); null for other scalars and when the copy is
  /// over memory_budget() (an optional speed-up: the solver then runs every product in double). In 4 KiB
  /// pages the copy's page faults made it a loss (randomized_svd, 5000×2000, rank 10, q = 4: 337 ms
  /// against 156 all in double); in huge pages it is a gain (see bench/RESULTS.md).
  std::unique_ptr<detail::FloatSketch> float_sketch() const {
    if constexpr (std::is_same_v<Scalar, double>) {
      if (double(m_mat.rows()) * double(m_mat.cols()) * sizeof(float) > double(memory_budget())) return nullptr;
      return std::make_unique<detail::DenseFloatSketch>(m_mat);
    } else {
      return nullptr;
    }
  }
  /// The wrapped matrix.
  const Derived& matrix() const { return m_mat; }

 private:
  // float/double storage with unit inner stride goes through the run-time-dispatched GEMM kernel
  // (Eigen's own product runs with the library's baseline instruction set); anything else through Eigen.
  static constexpr bool kDispatched = (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>) &&
                                      bool(Derived::Flags & Eigen::DirectAccessBit) &&
                                      Derived::InnerStrideAtCompileTime == 1;
  /// Y = op(A)·X with op(A) = Aᵀ when `transposed`; a row-major A is its transpose in column-major.
  void product(bool transposed, const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y) const {
    const bool row_major = bool(Derived::Flags & Eigen::RowMajorBit);
    kernels::gemm(transposed != row_major, false, Y.rows(), Y.cols(), X.rows(), Scalar(1), m_mat.data(),
                  m_mat.outerStride(), X.data(), X.outerStride(), Scalar(0), Y.data(), Y.outerStride());
  }

  typename Eigen::internal::ref_selector<Derived>::type m_mat;
};

namespace detail {
/// One CSR matrix as the SpMM kernel wants it: int64 row pointers, int32 column indices (or uint16 ones,
/// for float values only: SparseFloatSketch, below 65,536 columns).
template <class Scalar, class ColIndex = std::int32_t>
struct CsrView {
  Index nrows = 0, ncols = 0;
  const std::int64_t* row_ptr = nullptr;
  const ColIndex* cols = nullptr;
  const Scalar* values = nullptr;
};

/// Sparse matrix × one vector. The block kernel's one-column tail is a single dependent multiply-add
/// chain (latency-bound: ~4 cycles per nonzero); eight independent partial sums, combined in a fixed
/// order, make it throughput-bound. Plain C++: the gathers x[cols[p]] do not vectorize profitably.
template <class Scalar, class ColIndex>
void csr_spmv_rows(const CsrView<Scalar, ColIndex>& A, const Scalar* x, Scalar* y, std::size_t b, std::size_t e) {
  const std::int64_t* rp = A.row_ptr;
  const ColIndex* ci = A.cols;
  const Scalar* v = A.values;
  for (std::size_t r = b; r < e; ++r) {
    std::int64_t p = rp[r];
    const std::int64_t p1 = rp[r + 1];
    Scalar s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (; p + 8 <= p1; p += 8) {
      s0 += v[p] * x[ci[p]];
      s1 += v[p + 1] * x[ci[p + 1]];
      s2 += v[p + 2] * x[ci[p + 2]];
      s3 += v[p + 3] * x[ci[p + 3]];
      s4 += v[p + 4] * x[ci[p + 4]];
      s5 += v[p + 5] * x[ci[p + 5]];
      s6 += v[p + 6] * x[ci[p + 6]];
      s7 += v[p + 7] * x[ci[p + 7]];
    }
    for (; p < p1; ++p) s0 += v[p] * x[ci[p]];
    y[r] = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }
}

template <class Scalar, class ColIndex>
void csr_rows(const CsrView<Scalar, ColIndex>& A, const Scalar* X, Scalar* Y, std::size_t k, std::size_t b,
              std::size_t e) {
  if (k == 1)
    csr_spmv_rows(A, X, Y, b, e);
  else if constexpr (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>)
    kernels::csr_spmm_rows(A.row_ptr, A.cols, A.values, X, Y, k, b, e);
  else
    kernels::reference::csr_spmm_rows(A.row_ptr, A.cols, A.values, X, Y, k, b, e);
}

/// Per-thread scratch for the row-major copies of the product blocks, kept between calls. Buffers of
/// 4 MiB and more are 2 MiB-aligned and advised to use transparent huge pages (Linux): the SpMM gathers
/// rows of X at random, and with 4 KiB pages a gather from a table of hundreds of MB also misses the
/// TLB. Scalars that are not trivial types (multiprecision) live in a std::vector instead.
template <class T>
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { release(); }
  /// At least n elements (contents undefined for trivial T).
  T* get(std::size_t n) {
    if constexpr (!std::is_trivial_v<T>) {
      if (m_vector.size() < n) m_vector.resize(n);
      return m_vector.data();
    } else {
      if (n > m_capacity) {
        release();
        const bool large = n * sizeof(T) >= 2 * kHugePageBytes;
        m_align = large ? kHugePageBytes : std::max<std::size_t>(64, alignof(T));
        const std::size_t bytes = (n * sizeof(T) + m_align - 1) / m_align * m_align;
        m_data = static_cast<T*>(::operator new(bytes, std::align_val_t(m_align)));
        if (large) advise_huge_pages(m_data, bytes);
        m_capacity = bytes / sizeof(T);
      }
      return m_data;
    }
  }
  /// Bytes held.
  std::size_t bytes() const { return std::is_trivial_v<T> ? m_capacity * sizeof(T) : m_vector.size() * sizeof(T); }
  /// Frees the memory.
  void release() {
    if (m_data) ::operator delete(m_data, std::align_val_t(m_align));
    m_data = nullptr;
    m_capacity = 0;
    std::vector<T>().swap(m_vector);
  }

 private:
  T* m_data = nullptr;
  std::size_t m_capacity = 0, m_align = 64;
  std::vector<T> m_vector;
};

/// The calling thread's row-major scratch of csr_times (0: the copy of X, 1: the output panel).
template <class Scalar>
ScratchBuffer<Scalar>& spmm_scratch(int which) {
  static thread_local ScratchBuffer<Scalar> x, y;
  return which == 0 ? x : y;
}

/// Scratch beyond this many bytes is freed after each product unless an SpmmScratchHold is alive on
/// the thread: a thread would otherwise keep it for the rest of the process.
constexpr std::size_t kSpmmScratchKeepBytes = std::size_t(64) << 20;

/// Number of SpmmScratchHold objects alive on this thread.
inline int& spmm_scratch_holds() {
  static thread_local int holds = 0;
  return holds;
}

/// Frees `scratch` when it holds more than kSpmmScratchKeepBytes.
template <class Scalar>
void release_if_large(ScratchBuffer<Scalar>& scratch) {
  if (scratch.bytes() > kSpmmScratchKeepBytes) scratch.release();
}

/// Frees the calling thread's product scratch (both buffers) beyond kSpmmScratchKeepBytes, for every
/// built-in scalar.
inline void release_large_spmm_scratch() {
  for (int which : {0, 1}) {
    release_if_large(spmm_scratch<float>(which));
    release_if_large(spmm_scratch<double>(which));
    release_if_large(spmm_scratch<long double>(which));
  }
}

/// While alive (or until end()), large product scratch stays allocated between products on this
/// thread; the last hold to end frees it. A solver that runs many products in a row holds it: at a
/// million users the 320 MB copy of X was otherwise freed and page-faulted back on every product, and
/// zeroing those pages plus munmap's TLB-shootdown interrupts were about a tenth of the randomized
/// SVD's profile on bench/scale's 50 M-interaction matrix (perf, 2 threads).
class SpmmScratchHold {
 public:
  SpmmScratchHold() { ++spmm_scratch_holds(); }
  SpmmScratchHold(const SpmmScratchHold&) = delete;
  SpmmScratchHold& operator=(const SpmmScratchHold&) = delete;
  ~SpmmScratchHold() { end(); }
  /// Ends the hold now (frees the scratch when it was the last), before memory is needed elsewhere.
  void end() {
    if (!m_active) return;
    m_active = false;
    if (--spmm_scratch_holds() == 0) release_large_spmm_scratch();
  }

 private:
  bool m_active = true;
};

/// Number of column blocks csr_times runs A in when the gathered row-major table has `table_bytes`:
/// one up to kBlockBytes, then blocks of about kBlockBytes so their rows stay in cache while the block
/// runs, at most kMaxBlocks (beyond that the passes over the output cost more than the misses they save:
/// bench/scale's 50 M-interaction matrix, whose 320 MB user table was slower in 40 blocks than in none,
/// and fastest in 10 to 12).
inline Index spmm_column_blocks(double table_bytes) {
  constexpr double kBlockBytes = 8e6;
  constexpr Index kMaxBlocks = 12;
  return std::min(kMaxBlocks, std::max<Index>(1, Index(std::ceil(table_bytes / kBlockBytes))));
}

/// Columns per panel for a product of k columns whose gathered row-major table has `table_bytes` (rows
/// padded to multiples of `line` scalars): k (no split) up to kPanelTableBytes or beyond the column-block
/// size; in between, panels of about kPanelTableBytes, a multiple of `line` wide, so the rows gathered at
/// random come from the L2 cache rather than L3, for one more pass over the matrix's indices per panel.
/// Issue 4's 1 M-nonzero matrix (tables of 1.9–5.4 MB): 12–19 % faster per product at 60 and 110 columns;
/// panels of 24–40 doubles were fastest, 16 and 64 slower (1 MB L2).
inline Index spmm_cache_panel_width(double table_bytes, Index k, Index line) {
  constexpr double kPanelTableBytes = 1.5e6;
  if (table_bytes <= kPanelTableBytes || spmm_column_blocks(table_bytes) > 1 || k <= 2 * line) return k;
  const Index panels = Index(std::ceil(table_bytes / kPanelTableBytes));
  return std::min(k, ((k + panels - 1) / panels + line - 1) / line * line);
}

/// Row ranges of about equal nonzero count for `threads` threads (4 per thread, for dynamic balance):
/// bounds[c]..bounds[c + 1]. One range when threading is not worth it.
template <class Scalar, class ColIndex>
std::vector<Index> csr_row_chunks(const CsrView<Scalar, ColIndex>& A, std::size_t k, int threads) {
  const Index m = A.nrows;
  const std::int64_t nnz = A.row_ptr[m] - A.row_ptr[0];  // a row panel's pointers need not start at 0
  const double work = double(nnz) * double(k) + double(m) * double(k);
  if (threads <= 1 || work <= 2e5) return {0, m};
  const int chunks = 4 * threads;
  std::vector<Index> bounds(std::size_t(chunks) + 1, m);
  bounds[0] = 0;
  Index r = 0;
  for (int c = 1; c < chunks; ++c) {  // first row whose prefix nnz reaches c/chunks of the total
    const std::int64_t target = A.row_ptr[0] + nnz * c / chunks;
    while (r < m && A.row_ptr[r] < target) ++r;
    bounds[std::size_t(c)] = r;
  }
  return bounds;
}

inline int spmm_threads() {
#if LOWRANK_HAS_OPENMP
  return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
  return 1;
#endif
}

/// Runs body(t0, t1) over the 64-row tiles of rows [r0, r1) of a k-column block, the tiles shared out
/// among threads when the block is large. The transposes below were single-threaded, with the second
/// thread waiting at the next barrier: at 50 M interactions (1 M × 74 floats, 296 MB each way) they and
/// that wait were about a sixth of randomized_svd's time (bench/scale). Each tile is written by one
/// thread: same bytes.
template <class Body>
void for_each_row_tile(Index r0, Index r1, Index k, const Body& body) {
  constexpr Index tile = 64;
  const Index tiles = (r1 - r0 + tile - 1) / tile;
  const bool parallel = (r1 - r0) * k >= (Index(1) << 18) && spmm_threads() > 1;
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(static) if (parallel)
#endif
  for (Index t = 0; t < tiles; ++t) body(r0 + t * tile, std::min(r1, r0 + (t + 1) * tile));
  (void)parallel;
}

/// Y (A.nrows × k, row-major) = A · X (A.ncols × k, row-major). Rows are split into chunks of about equal
/// nonzero count; each row is computed by exactly one thread, so the result does not depend on threads.
template <class Scalar, class ColIndex>
void csr_times_rowmajor(const CsrView<Scalar, ColIndex>& A, const Scalar* X, Scalar* Y, std::size_t k) {
  if (A.nrows == 0) return;
  const int threads = spmm_threads();
  if (threads <= 1) {  // no chunk bounds to compute (the single-vector products of Lanczos on one thread)
    csr_rows(A, X, Y, k, 0, std::size_t(A.nrows));
    return;
  }
  const std::vector<Index> bounds = csr_row_chunks(A, k, threads);
  const int chunks = int(bounds.size()) - 1;
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
#endif
  for (int c = 0; c < chunks; ++c)
    csr_rows(A, X, Y, k, std::size_t(bounds[std::size_t(c)]), std::size_t(bounds[std::size_t(c) + 1]));
}

/// csr_times_rowmajor with X cut into `blocks` row blocks (column blocks of A): every output row takes its
/// entries of block 0, then of block 1, …, so while a block runs its rows of X stay in cache instead of
/// being gathered from memory at random. Y is revisited once per block (sequentially); the sums are the
/// unblocked ones bit for bit, since each row's entries are still added in storage order.
/// `block_rows(c0, c1)` returns the row-major rows c0..c1 of X (row c0 first) just before their block runs:
/// a pointer into the whole table, or a block converted on demand.
template <class Scalar, class ColIndex, class BlockRows>
void csr_times_rowmajor_blocked(const CsrView<Scalar, ColIndex>& A, const BlockRows& block_rows, Scalar* Y,
                                std::size_t k, Index blocks) {
  const Index m = A.nrows;
  if (m == 0) return;
  for_each_row_tile(0, m, Index(k), [&](Index t0, Index t1) {
    std::fill(Y + std::size_t(t0) * k, Y + std::size_t(t1) * k, Scalar(0));
  });
  std::vector<std::int64_t> next(A.row_ptr, A.row_ptr + m);
  const std::vector<Index> bounds = csr_row_chunks(A, k, spmm_threads());
  const int chunks = int(bounds.size()) - 1;
  for (Index b = 0; b < blocks; ++b) {
    const Index c0 = A.ncols * b / blocks, c1 = A.ncols * (b + 1) / blocks;
    const Scalar* const X = block_rows(c0, c1);
    const std::int32_t col_end = b + 1 == blocks ? std::numeric_limits<std::int32_t>::max() : std::int32_t(c1);
#if LOWRANK_HAS_OPENMP
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
#endif
    for (int c = 0; c < chunks; ++c) {
      const auto r0 = std::size_t(bounds[std::size_t(c)]), r1 = std::size_t(bounds[std::size_t(c) + 1]);
      if constexpr (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>)
        kernels::csr_spmm_rows_until(A.row_ptr, A.cols, A.values, X, Y, k, r0, r1, next.data(), col_end,
                                     std::int32_t(c0));
      else
        kernels::reference::csr_spmm_rows_until(A.row_ptr, A.cols, A.values, X, Y, k, r0, r1, next.data(), col_end,
                                                std::int32_t(c0));
    }
  }
}

/// Rows i0..i1 of the column-major X into row-major buf (row i at buf + (i − i0)·ld), the columns
/// beyond X's zeroed; 64-row tiles keep both sides of the transpose in cache.
template <class Scalar>
void to_row_major(const Eigen::Ref<const Matrix<Scalar>>& X, Index i0, Index i1, Scalar* buf, Index ld) {
  const Index k = X.cols();
  for_each_row_tile(i0, i1, ld, [&](Index t0, Index t1) {
    for (Index j = 0; j < k; ++j) {
      const Scalar* xc = X.data() + j * X.outerStride();
      for (Index i = t0; i < t1; ++i) buf[std::size_t((i - i0) * ld + j)] = xc[i];
    }
    for (Index i = t0; i < t1; ++i)
      for (Index j = k; j < ld; ++j) buf[std::size_t((i - i0) * ld + j)] = Scalar(0);
  });
}

/// Rows r0..r1 of the column-major Y from row-major buf (row r at buf + (r − r0)·ld), in 64-row tiles.
template <class Scalar>
void from_row_major(const Scalar* buf, Index ld, Index r0, Index r1, Eigen::Ref<Matrix<Scalar>>& Y) {
  const Index k = Y.cols();
  for_each_row_tile(r0, r1, ld, [&](Index t0, Index t1) {
    for (Index j = 0; j < k; ++j) {
      Scalar* yc = Y.data() + j * Y.outerStride();
      for (Index i = t0; i < t1; ++i) yc[i] = buf[std::size_t((i - r0) * ld + j)];
    }
  });
}

/// Y = A · X for column-major blocks: converts X to row-major once, runs the kernel, converts Y back.
/// One-column blocks are already row-major and go straight through. `split_for_cache` = false runs the
/// block whole where it would otherwise go in cache-sized column panels.
template <class Scalar, class ColIndex>
void csr_times(const CsrView<Scalar, ColIndex>& A, const Eigen::Ref<const Matrix<Scalar>>& X,
               Eigen::Ref<Matrix<Scalar>> Y, bool split_for_cache = true) {
  LOWRANK_CHECK(X.rows() == A.ncols && Y.rows() == A.nrows && X.cols() == Y.cols(), shape_mismatch,
                "SparseOperator: block shapes ", X.rows(), "×", X.cols(), " → ", Y.rows(), "×", Y.cols(),
                " do not match the operator (", A.nrows, "×", A.ncols, ")");
  const Index k = X.cols();
  if (k == 0) return;
  if (k == 1) {
    csr_times_rowmajor(A, X.data(), Y.data(), 1);
    return;
  }
  // A row-major copy of X larger than both 64 MB and the matrix's own bytes is made in column panels
  // instead: each panel streams the matrix once more (time), so this is only the bound that keeps
  // the scratch from outgrowing the data (a very tall X against a sparse matrix with few nonzeros).
  const double x_bytes = double(X.rows()) * double(k) * sizeof(Scalar);
  const double limit = std::max(double(std::size_t(64) << 20),
                                double(A.row_ptr[A.nrows] - A.row_ptr[0]) * double(sizeof(Scalar) + sizeof(ColIndex)));
  if (x_bytes > limit && k >= 16) {
    const Index panels = std::min<Index>(k / 8, Index(std::ceil(x_bytes / limit)));
    const Index width = (k + panels - 1) / panels;
    for (Index c0 = 0; c0 < k; c0 += width) {
      const Index w = std::min(width, k - c0);
      const Eigen::Ref<const Matrix<Scalar>> xp = X.middleCols(c0, w);
      Eigen::Ref<Matrix<Scalar>> yp = Y.middleCols(c0, w);
      csr_times<Scalar>(A, xp, yp);
    }
    return;
  }
  // Row-major scratch reused per thread (no page faults per call); blocked transposes. The output is
  // produced in panels, so only X needs a whole row-major copy: at 1 M users × 74 columns that halves
  // the scratch (the randomized SVD's peak memory at scale, bench/scale). Rows of at least a cache line
  // are padded with zero columns to whole lines (74 floats → 80), shorter ones to 16 bytes: the kernel
  // then runs whole SIMD strips where the lanes allow (a scalar tail column is a dependent multiply-add
  // chain per entry, as slow as a strip of 8 vectors), and a gathered row of X spans whole lines.
  ScratchBuffer<Scalar>& xscratch = spmm_scratch<Scalar>(0);
  ScratchBuffer<Scalar>& yscratch = spmm_scratch<Scalar>(1);
  const Index n_in = X.rows(), n_out = Y.rows();
  constexpr Index line = std::max<Index>(1, 64 / Index(sizeof(Scalar)));
  constexpr Index half_line = std::max<Index>(1, 16 / Index(sizeof(Scalar)));
  const Index ld = k >= line ? (k + line - 1) / line * line : (k + half_line - 1) / half_line * half_line;
  // A table of X beyond the cache runs in column blocks of A (csr_times_rowmajor_blocked); the output
  // then goes by panels of kBlockedPanelBytes, revisited once per block.
  constexpr double kBlockedPanelBytes = 16e6;
  const double table_bytes = double(n_in) * double(ld) * sizeof(Scalar);
  const Index blocks = spmm_column_blocks(table_bytes);
  const Index width = split_for_cache ? spmm_cache_panel_width(table_bytes, k, line) : k;
  if (width < k) {
    for (Index c0 = 0; c0 < k; c0 += width) {
      const Index w = std::min(width, k - c0);
      const Eigen::Ref<const Matrix<Scalar>> xp = X.middleCols(c0, w);
      Eigen::Ref<Matrix<Scalar>> yp = Y.middleCols(c0, w);
      csr_times<Scalar>(A, xp, yp, /*split_for_cache=*/false);
    }
    return;
  }
  if (blocks > 1 && n_in > n_out) {
    // X taller than Y (Aᵀ·Q at a million users: 320 MB of X against 64 MB of Y): the whole output stays
    // in row-major scratch and X is converted one column block of A at a time, as its block runs, so
    // only a block of X is ever copied. Same entries in the same order per row: the same sums.
    Scalar* const xbuf = xscratch.get(std::size_t((n_in + blocks - 1) / blocks * ld));
    Scalar* const ybuf = yscratch.get(std::size_t(n_out * ld));
    const auto convert_block = [&](Index c0, Index c1) {
      to_row_major<Scalar>(X, c0, c1, xbuf, ld);
      return static_cast<const Scalar*>(xbuf);
    };
    csr_times_rowmajor_blocked(A, convert_block, ybuf, std::size_t(ld), blocks);
    from_row_major<Scalar>(ybuf, ld, 0, n_out, Y);
    if (spmm_scratch_holds() == 0) {
      release_if_large(xscratch);
      release_if_large(yscratch);
    }
    return;
  }
  const Index panel_values = blocks > 1 ? Index(kBlockedPanelBytes / sizeof(Scalar)) : (Index(1) << 20);
  const Index panel = std::min(n_out, std::max<Index>(256, panel_values / ld));
  Scalar* const xbuf = xscratch.get(std::size_t(n_in * ld));
  Scalar* const ybuf = yscratch.get(std::size_t(panel * ld));
  to_row_major<Scalar>(X, 0, n_in, xbuf, ld);
  for (Index r0 = 0; r0 < n_out; r0 += panel) {
    const Index r1 = std::min(n_out, r0 + panel);
    CsrView<Scalar, ColIndex> rows = A;  // rows r0..r1 of A: row pointers stay absolute offsets into cols/values
    rows.nrows = r1 - r0;
    rows.row_ptr = A.row_ptr + r0;
    if (blocks > 1)
      csr_times_rowmajor_blocked(
          rows, [&](Index c0, Index) { return static_cast<const Scalar*>(xbuf + c0 * ld); }, ybuf, std::size_t(ld),
          blocks);
    else
      csr_times_rowmajor(rows, xbuf, ybuf, std::size_t(ld));
    from_row_major<Scalar>(ybuf, ld, r0, r1, Y);
  }
  // Scratch beyond 64 MB is not kept (unless a solver holds it): a thread would otherwise hold it for
  // the rest of the process.
  if (spmm_scratch_holds() == 0) {
    release_if_large(xscratch);
    release_if_large(yscratch);
  }
}

/// FloatSketch of a CSR matrix and its transposed copy (views whose row pointers start at 0): float
/// values (2·nnz floats, in whole huge pages from 4 MB up) and, for each of the two whose column count is
/// at most 65,536, a 16-bit copy of its column indices (nnz·2 bytes); the other shares the double view's
/// 32-bit indices. Why: the float products stream the matrix (about 8 MB each way on issue 4's 1 M-nonzero
/// matrix, more than the L2 and, with both directions and the Lanczos bases, more than this VM's share of
/// L3), so bytes per entry set their speed; 6 instead of 8 made the 4-column product 10–15 % faster there
/// after the cache was swept (bench/RESULTS.md). The scale c as DenseFloatSketch's (float_copy_scale).
class SparseFloatSketch final : public FloatSketch {
 public:
  SparseFloatSketch(const CsrView<double>& a, const CsrView<double>& at)
      : m_values(std::size_t(a.row_ptr[a.nrows])), m_t_values(m_values.size()) {
    const std::size_t nnz = m_values.size();
    m_scale = float_copy_scale(kernels::demote_scaled(a.values, nnz, 1.0, m_values.data()));
    if (m_scale != 1.0) kernels::demote_scaled(a.values, nnz, m_scale, m_values.data());
    kernels::demote_scaled(at.values, nnz, m_scale, m_t_values.data());
    m_a.init(a, m_values.data());
    m_at.init(at, m_t_values.data());
  }
  void apply(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const override { m_a.times(X, Y); }
  void apply_transpose(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) const override {
    m_at.times(X, Y);
  }
  /// Whether the products of A (transposed = false) or Aᵀ run on 16-bit column indices (for tests).
  bool narrow_indices(bool transposed) const { return (transposed ? m_at : m_a).narrow; }

 private:
  /// One direction: float values over the double view's pattern, its indices narrowed where they fit.
  struct Direction {
    CsrView<float> wide;
    CsrView<float, std::uint16_t> narrow_view;
    HugePageArray<std::uint16_t> cols16;
    bool narrow = false;
    void init(const CsrView<double>& v, const float* values) {
      wide = {v.nrows, v.ncols, v.row_ptr, v.cols, values};
      narrow = v.ncols <= Index(std::numeric_limits<std::uint16_t>::max()) + 1;
      if (!narrow) return;
      const auto nnz = std::size_t(v.row_ptr[v.nrows]);
      cols16 = HugePageArray<std::uint16_t>(nnz);
      std::uint16_t* out = cols16.data();
      for (std::size_t p = 0; p < nnz; ++p) out[p] = std::uint16_t(v.cols[p]);
      narrow_view = {v.nrows, v.ncols, v.row_ptr, cols16.data(), values};
    }
    void times(const Eigen::Ref<const Matrix<float>>& X, Eigen::Ref<Matrix<float>> Y) const {
      if (narrow)
        csr_times(narrow_view, X, Y);
      else
        csr_times(wide, X, Y);
    }
  };
  HugePageArray<float> m_values, m_t_values;
  Direction m_a, m_at;
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------------
/// Sparse adaptor for `Eigen::SparseMatrix<Scalar, Options, StorageIndex>`, row- or column-major.
///
/// References the caller's values (and indices when StorageIndex is 32-bit). It owns: an int64 copy of
/// the outer index (the kernel's row pointer), the transposed pattern and values (built once, see the
/// file comment) and, only for an uncompressed matrix, a compressed copy. A column-major matrix is the CSR
/// of Aᵀ, so apply and apply_transpose simply swap roles.
template <class Scalar_, int Options = Eigen::ColMajor, class StorageIndex = int>
class SparseOperator {
 public:
  using Scalar = Scalar_;  ///< element type of the matrix
  using SparseType = Eigen::SparseMatrix<Scalar, Options, StorageIndex>;  ///< the wrapped matrix type
  static constexpr bool is_row_major = (Options & Eigen::RowMajorBit) != 0;  ///< true for a row-major (CSR) matrix

  /// Wraps `A` (keep it alive while the operator is used) and builds the transposed pattern once.
  /// Throws Errc::resource_limit when the inner dimension does not fit 32-bit indices.
  explicit SparseOperator(const SparseType& A) : m_rows(A.rows()), m_cols(A.cols()) {
    const SparseType* src = &A;
    if (!A.isCompressed()) {  // the kernel needs contiguous rows: the one case that copies the matrix
      m_compressed = A;
      m_compressed.makeCompressed();
      src = &m_compressed;
    }
    const Index outer = src->outerSize(), inner = src->innerSize();
    LOWRANK_CHECK(inner <= Index(std::numeric_limits<std::int32_t>::max()), resource_limit,
                  "SparseOperator: inner dimension ", inner, " does not fit 32-bit column indices");
    LOWRANK_CHECK(outer <= Index(std::numeric_limits<std::int32_t>::max()), resource_limit,
                  "SparseOperator: outer dimension ", outer, " does not fit the transposed copy's 32-bit indices");
    const StorageIndex* op = src->outerIndexPtr();
    m_outer64.assign(op, op + outer + 1);
    const std::int32_t* inner_idx = nullptr;
    if constexpr (std::is_same_v<StorageIndex, std::int32_t>) {
      inner_idx = src->innerIndexPtr();
    } else {
      const Index nnz = Index(m_outer64.back());
      m_inner32.assign(src->innerIndexPtr(), src->innerIndexPtr() + nnz);
      inner_idx = m_inner32.data();
    }
    m_primary = {outer, inner, m_outer64.data(), inner_idx, src->valuePtr()};
    // Transpose (CSR of the other orientation): a stable counting sort on the inner index, so each
    // transposed row lists its entries in increasing index order, whatever the thread count.
    detail::transpose_csr(outer, inner, m_outer64.data(), inner_idx, src->valuePtr(), m_t_ptr, m_t_cols, m_t_vals,
                          detail::spmm_threads());
    m_secondary = {inner, outer, m_t_ptr.data(), m_t_cols.data(), m_t_vals.data()};
  }
  // The views point into this object: copying would dangle, moving is fine only with care. Forbid both.
  SparseOperator(const SparseOperator&) = delete;
  SparseOperator& operator=(const SparseOperator&) = delete;

  /// Number of rows of A.
  Index rows() const { return m_rows; }
  /// Number of columns of A.
  Index cols() const { return m_cols; }
  /// Y = A X.
  void apply(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const {
    detail::csr_times(is_row_major ? m_primary : m_secondary, X, Y);
  }
  /// Y = Aᵀ X (no Aᵀ is formed per call: the transposed CSR is cached).
  void apply_transpose(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const {
    detail::csr_times(is_row_major ? m_secondary : m_primary, X, Y);
  }
  /// "SparseOperator<RowMajor>" or "SparseOperator<ColMajor>" (for error messages).
  std::string name() const { return is_row_major ? "SparseOperator<RowMajor>" : "SparseOperator<ColMajor>"; }
  /// Number of stored entries of A.
  Index nonzeros() const { return Index(m_outer64.back()); }
  /// ‖c·A‖_F² (c = 1 by default), in double: used by the fixed-accuracy randomized solver.
  double squared_norm(double c = 1) const {
    double s = 0;
    for (Index p = 0; p < nonzeros(); ++p) {
      const double a = c * double(m_t_vals[std::size_t(p)]);
      s += a * a;
    }
    return s;
  }
  /// For a double matrix, a float copy of A for the mixed-precision solvers' float products
  /// (detail::SparseFloatSketch: 2·nnz floats, plus nnz 16-bit column indices for each direction with at
  /// most 65,536 columns); null for other scalars and when a copy of nnz floats is over memory_budget().
  std::unique_ptr<detail::FloatSketch> float_sketch() const {
    if constexpr (std::is_same_v<Scalar, double>) {
      if (double(nonzeros()) * sizeof(float) > double(memory_budget())) return nullptr;
      return std::make_unique<detail::SparseFloatSketch>(csr(), csr_transpose());
    } else {
      return nullptr;
    }
  }
  /// The CSR of A (row i = row i of A), as passed to the kernel (for benchmarks and tests).
  const detail::CsrView<Scalar>& csr() const { return is_row_major ? m_primary : m_secondary; }
  /// The CSR of Aᵀ.
  const detail::CsrView<Scalar>& csr_transpose() const { return is_row_major ? m_secondary : m_primary; }

 private:
  Index m_rows, m_cols;
  SparseType m_compressed;
  std::vector<std::int64_t> m_outer64;
  std::vector<std::int32_t> m_inner32;
  std::vector<std::int64_t> m_t_ptr;
  std::vector<std::int32_t> m_t_cols;
  std::vector<Scalar> m_t_vals;
  detail::CsrView<Scalar> m_primary, m_secondary;
};

// ---------------------------------------------------------------------------------------------------
/// Matrix-free adaptor: two callables `f(X, Y)` computing Y = A X and Y = Aᵀ X on column blocks.
template <class Scalar_>
class FunctionOperator {
 public:
  using Scalar = Scalar_;  ///< element type of the blocks
  /// A product callable: f(X, Y) writes the result into Y.
  using Fn = std::function<void(Eigen::Ref<const Matrix<Scalar>>, Eigen::Ref<Matrix<Scalar>>)>;
  /// An operator of shape rows × cols. Throws Errc::shape_mismatch for a negative shape and
  /// Errc::invalid_argument when `apply` or `apply_transpose` is empty.
  FunctionOperator(Index rows, Index cols, Fn apply, Fn apply_transpose, std::string name = "FunctionOperator")
      : m_rows(rows), m_cols(cols), m_apply(std::move(apply)), m_apply_t(std::move(apply_transpose)),
        m_name(std::move(name)) {
    LOWRANK_CHECK(rows >= 0 && cols >= 0, shape_mismatch, "FunctionOperator: negative shape ", rows, "×", cols);
    LOWRANK_CHECK(bool(m_apply) && bool(m_apply_t), invalid_argument, "FunctionOperator '", m_name,
                  "': apply and apply_transpose must both be callable");
  }
  /// Number of rows of A.
  Index rows() const { return m_rows; }
  /// Number of columns of A.
  Index cols() const { return m_cols; }
  /// Y = A X (calls `apply`).
  void apply(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const { m_apply(X, Y); }
  /// Y = Aᵀ X (calls `apply_transpose`).
  void apply_transpose(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) const { m_apply_t(X, Y); }
  /// The name given to the constructor (for error messages).
  const std::string& name() const { return m_name; }

 private:
  Index m_rows, m_cols;
  Fn m_apply, m_apply_t;
  std::string m_name;
};

// ---------------------------------------------------------------------------------------------------
/// Picks the adaptor for a dense matrix (any MatrixBase: Matrix, Map, Ref, Block).
template <class Derived>
DenseOperator<Derived> make_operator(const Eigen::MatrixBase<Derived>& A) {
  return DenseOperator<Derived>(A);
}
/// Wraps matrix-free callables (lambdas or std::function).
template <class Scalar, class F, class G>
FunctionOperator<Scalar> make_operator(Index rows, Index cols, F&& apply, G&& apply_transpose,
                                       std::string name = "FunctionOperator") {
  return FunctionOperator<Scalar>(rows, cols, std::forward<F>(apply), std::forward<G>(apply_transpose),
                                  std::move(name));
}
// SparseOperator is neither copyable nor movable; C++17 guaranteed elision lets make_operator return it.
/// Picks the adaptor for an Eigen::SparseMatrix (row- or column-major).
template <class Scalar, int Options, class StorageIndex>
SparseOperator<Scalar, Options, StorageIndex> make_operator(const Eigen::SparseMatrix<Scalar, Options, StorageIndex>& A) {
  return SparseOperator<Scalar, Options, StorageIndex>(A);
}

namespace detail {
/// Throws Errc::non_finite naming the first NaN/Inf stored entry of a sparse matrix (row, column).
template <class Scalar, int Options, class StorageIndex>
void validate_sparse(const Eigen::SparseMatrix<Scalar, Options, StorageIndex>& A, const char* who) {
  LOWRANK_CHECK(A.rows() > 0 && A.cols() > 0, shape_mismatch, who, ": A is empty (", A.rows(), "×", A.cols(), ")");
  if (A.isCompressed() &&
      sums_finite(Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(A.valuePtr(), A.nonZeros())))
    return;
  for (Index o = 0; o < A.outerSize(); ++o)
    for (typename Eigen::SparseMatrix<Scalar, Options, StorageIndex>::InnerIterator it(A, o); it; ++it)
      LOWRANK_CHECK(std::isfinite(double(it.value())), non_finite, who, ": A has a non-finite entry ", it.value(),
                    " at (", it.row(), ", ", it.col(), ")");
}
template <class T>
struct is_sparse_matrix : std::false_type {};
template <class S, int O, class I>
struct is_sparse_matrix<Eigen::SparseMatrix<S, O, I>> : std::true_type {};

/// When with_operator looks for NaN/Inf in a dense matrix: `before` the solver runs (a read of A), or
/// `on_error`, only once the solver has reported a non-finite product (Errc::non_finite), to name the
/// entry in its place. The latter is for solvers whose first product is A·X before anything else reads
/// A: every entry then meets a column of X, and NaN·x, ±Inf·0 and ±Inf + ∓Inf are NaN, so a non-finite
/// entry always makes that product non-finite, which CheckedOperator reports. It spares a read of A
/// (randomized_svd, 5000×2000: 2.5 ms of about 63).
enum class DenseScan { before, on_error };

/// Validates `A` (dense, sparse or operator), wraps it in an operator when needed and calls f(op). A
/// dense A is scanned for NaN/Inf as `scan` says; a sparse one always before.
template <class A, class F>
decltype(auto) with_operator(const A& a, const char* who, F&& f, DenseScan scan = DenseScan::before) {
  if constexpr (is_sparse_matrix<A>::value) {
    validate_sparse(a, who);
    const auto op = make_operator(a);
    return f(op);
  } else if constexpr (std::is_base_of_v<Eigen::MatrixBase<A>, A>) {
    LOWRANK_CHECK(a.rows() > 0 && a.cols() > 0, shape_mismatch, who, ": A is empty (", a.rows(), "×", a.cols(), ")");
    const auto name_non_finite_entry = [&] {  // throws for the first one, column by column
      for (Index j = 0; j < a.cols(); ++j)
        for (Index i = 0; i < a.rows(); ++i)
          LOWRANK_CHECK(std::isfinite(double(a(i, j))), non_finite, who, ": A has a non-finite entry ", a(i, j),
                        " at (", i, ", ", j, ")");
    };
    if (scan == DenseScan::before && !sums_finite(a)) name_non_finite_entry();
    const auto op = make_operator(a);
    if (scan == DenseScan::before) return f(op);
    try {
      return f(op);
    } catch (const Error& e) {
      if (e.code() == Errc::non_finite && !sums_finite(a)) name_non_finite_entry();
      throw;
    }
  } else {
    static_assert(is_linear_operator_v<A>,
                  "lowrank: A must be a dense Eigen matrix, an Eigen::SparseMatrix or a LinearOperator providing "
                  "Scalar, rows(), cols(), apply() and apply_transpose()");
    LOWRANK_CHECK(a.rows() > 0 && a.cols() > 0, shape_mismatch, who, ": operator ", operator_name(a), " is empty (",
                  a.rows(), "×", a.cols(), ")");
    return f(a);
  }
}

template <class Op, class = void>
struct has_float_sketch : std::false_type {};
template <class Op>
struct has_float_sketch<Op,
                        std::void_t<decltype(std::unique_ptr<FloatSketch>(std::declval<const Op&>().float_sketch()))>>
    : std::true_type {};

template <class Op>
struct is_dense_operator : std::false_type {};
template <class Derived>
struct is_dense_operator<DenseOperator<Derived>> : std::true_type {};

template <class Op, class = void>
struct has_squared_norm : std::false_type {};
template <class Op>
struct has_squared_norm<Op, std::void_t<decltype(double(std::declval<const Op&>().squared_norm(1.0)))>>
    : std::true_type {};

/// The operator a truncated solver runs on: the caller's operator behind one concrete type per scalar
/// type, so that each solver is compiled once per scalar (once into the library, LOWRANK_EXTERN_TEMPLATE)
/// instead of once per operator type; a function pointer per block product costs nothing beside it.
/// Counts applied columns and checks every product for NaN/Inf, throwing Errc::non_finite that names
/// the operator (the input itself cannot be scanned; a product that turns non-finite later would
/// otherwise surface inside the solver's own small problems, misnamed). The scan reads the m×b output
/// once: next to the product's own nnz·b (or m·n·b) work it is below 1 %. A solver whose first
/// product shows entries far from 1 sets a power-of-two scale (scale_products_like), so that it works on
/// c·A without under- or overflow in its sums of squares, and divides its σ by c at the end.
template <class Scalar_>
class CheckedOperator {
 public:
  using Scalar = Scalar_;
  /// Refers to `op` (kept alive by the caller for the solver's duration).
  template <class Op>
  CheckedOperator(const Op& op, const char* who)
      : m_op(&op),
        m_rows(op.rows()),
        m_cols(op.cols()),
        m_apply(&apply_as<Op, false>),
        m_apply_transpose(&apply_as<Op, true>),
        m_name(&name_of<Op>),
        m_squared_norm(&squared_norm_of<Op>),
        m_make_float_sketch(&float_sketch_of<Op>),
        m_who(who),
        m_dense(is_dense_operator<Op>::value) {
    static_assert(std::is_same_v<typename Op::Scalar, Scalar>, "lowrank: CheckedOperator scalar mismatch");
  }
  Index rows() const { return m_rows; }
  Index cols() const { return m_cols; }
  void apply(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) {
    m_apply(m_op, X, Y);
    m_matvecs += X.cols();
    check(Y, "apply");
    if (m_scale != Scalar(1)) Y *= m_scale;
  }
  void apply_transpose(Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) {
    m_apply_transpose(m_op, X, Y);
    m_matvecs += X.cols();
    check(Y, "apply_transpose");
    if (m_scale != Scalar(1)) Y *= m_scale;
  }
  /// The scale c of the products (1 unless scale_products_like set one): apply gives c·A·X.
  Scalar scale() const { return m_scale; }
  /// Given Y = A·X, the operator's first product (X of unit-size entries or columns), sets c = 2^−e with
  /// max|y_ij| = 2^e·[1, 2) when max|y_ij| lies outside [2^−r, 2^r] (r a quarter of the exponent range:
  /// 256 for double, 32 for float), so that squares and sums of squares of later products neither
  /// underflow nor overflow, and scales Y to match. A power of two: c·A·X is exact and σ/c is exact.
  void scale_products_like(Eigen::Ref<Matrix<Scalar>> Y) {
    const Scalar amax = Y.size() ? Y.cwiseAbs().maxCoeff() : Scalar(0);
    constexpr int r = std::numeric_limits<Scalar>::max_exponent / 4;
    if (!(amax > Scalar(0)) || (amax >= std::ldexp(Scalar(1), -r) && amax <= std::ldexp(Scalar(1), r))) return;
    m_scale = std::ldexp(Scalar(1), -std::ilogb(amax));
    Y *= m_scale;
  }
  Index matvecs() const { return m_matvecs; }
  /// True for the dense adaptor: every product reads all of A (from memory, for a large A), whatever
  /// the number of columns, so blocks of columns cost about what one column does.
  bool dense() const { return m_dense; }
  /// Builds the operator's float copy for sketch products (FloatSketch: the sparse adaptor of
  /// double matrices have one); false when there is none. sketch_apply / sketch_apply_transpose then
  /// give c_f·A·X in float for some power of two c_f (a basis only needs the span), counted and checked
  /// like the working-precision products; release_float_sketch frees the copy.
  bool make_float_sketch() {
    try {
      if (!m_float_sketch) m_float_sketch = m_make_float_sketch(m_op);
    } catch (const std::bad_alloc&) {  // a speed-up only: without the memory, every product in double
      m_float_sketch.reset();
    }
    return bool(m_float_sketch);
  }
  void sketch_apply(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) {
    m_float_sketch->apply(X, Y);
    m_matvecs += X.cols();
    check(Y, "apply (float sketch)");
  }
  void sketch_apply_transpose(Eigen::Ref<const Matrix<float>> X, Eigen::Ref<Matrix<float>> Y) {
    m_float_sketch->apply_transpose(X, Y);
    m_matvecs += X.cols();
    check(Y, "apply_transpose (float sketch)");
  }
  void release_float_sketch() { m_float_sketch.reset(); }
  /// True while a float sketch is held (make_float_sketch, until release_float_sketch).
  bool holds_float_sketch() const { return bool(m_float_sketch); }
  /// The power of two c_f of the sketch products: they give c_f·A·X (holds_float_sketch() must hold).
  double sketch_scale() const { return m_float_sketch->scale(); }
  /// ‖c·A‖_F² (c = scale()) when the operator provides `squared_norm(c)` (the dense and sparse adaptors),
  /// else −1.
  double squared_norm() const { return m_squared_norm(m_op, double(m_scale)); }

 private:
  using Product = void (*)(const void*, Eigen::Ref<const Matrix<Scalar>>, Eigen::Ref<Matrix<Scalar>>);
  template <class Op, bool transposed>
  static void apply_as(const void* op, Eigen::Ref<const Matrix<Scalar>> X, Eigen::Ref<Matrix<Scalar>> Y) {
    if constexpr (transposed)
      static_cast<const Op*>(op)->apply_transpose(X, Y);
    else
      static_cast<const Op*>(op)->apply(X, Y);
  }
  template <class Op>
  static std::string name_of(const void* op) {
    return operator_name(*static_cast<const Op*>(op));
  }
  template <class Op>
  static double squared_norm_of(const void* op, double c) {
    if constexpr (has_squared_norm<Op>::value)
      return static_cast<const Op*>(op)->squared_norm(c);
    else
      return -1;
  }
  template <class Op>
  static std::unique_ptr<FloatSketch> float_sketch_of(const void* op) {
    if constexpr (has_float_sketch<Op>::value)
      return static_cast<const Op*>(op)->float_sketch();
    else
      return nullptr;
  }
  template <class T>
  void check(const Eigen::Ref<Matrix<T>>& Y, const char* what) const {
    if (sums_finite(Y)) return;
    for (Index j = 0; j < Y.cols(); ++j)
      for (Index i = 0; i < Y.rows(); ++i)
        LOWRANK_CHECK(std::isfinite(double(Y(i, j))), non_finite, m_who, ": operator ", m_name(m_op), " ", what,
                      " produced a non-finite value ", Y(i, j), " at (", i, ", ", j, ")");
  }
  const void* m_op;
  Index m_rows, m_cols;
  Product m_apply, m_apply_transpose;
  std::string (*m_name)(const void*);
  double (*m_squared_norm)(const void*, double);
  std::unique_ptr<FloatSketch> (*m_make_float_sketch)(const void*);
  std::unique_ptr<FloatSketch> m_float_sketch;
  const char* m_who;
  bool m_dense;
  Index m_matvecs = 0;
  Scalar m_scale = 1;
};
}  // namespace detail

}  // namespace lowrank
