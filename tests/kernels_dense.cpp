// The dense kernels (kernels::gemm, spd_inverse, dot_axpy, tridiagonalize) on every instruction-set copy this CPU runs
// (AVX-512, AVX2+FMA, the build's own flags), against Eigen as the oracle.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>
#if defined(_OPENMP)
#include <omp.h>
#endif

#include "lowrank/kernels.hpp"
#include "lowrank/svd/detail/eigen_instances.hpp"  // HouseholderQR<MatrixXd>: compiled in the library

namespace k = lowrank::kernels;

namespace {

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

/// Calls f() once under each distinct dense copy reachable by forcing the compiled SIMD targets, and
/// returns the copies' names.
template <class F>
std::set<std::string> for_each_dense_copy(F f) {
  std::set<std::string> seen;
  for (auto t : k::compiled_targets()) {
    k::force_targets(t);
    const std::string copy = k::dense_target();
    if (seen.insert(copy).second) {
      INFO("dense copy " << copy << " (SIMD target " << k::target_name(t) << ")");
      f();
    }
  }
  k::force_targets(0);
  return seen;
}

/// ‖C − C_ref‖_max / ((k+2)·ε·(|α|·‖|A||B|‖_max + |β|·‖C₀‖_max)), the usual GEMM error ratio.
template <class T>
void check_gemm(bool ta, bool tb, Eigen::Index m, Eigen::Index n, Eigen::Index kk, T alpha, T beta) {
  const Mat<T> A = ta ? Mat<T>(Mat<T>::Random(kk + 3, m)) : Mat<T>(Mat<T>::Random(m + 3, kk));  // lda > rows
  const Mat<T> B = tb ? Mat<T>(Mat<T>::Random(n + 2, kk)) : Mat<T>(Mat<T>::Random(kk + 2, n));
  const Mat<T> C0 = Mat<T>::Random(m + 1, n);
  const auto opA = [&]() -> Mat<T> {
    return ta ? Mat<T>(A.topRows(kk).transpose()) : Mat<T>(A.topRows(m));
  }();
  const auto opB = [&]() -> Mat<T> {
    return tb ? Mat<T>(B.topRows(n).transpose()) : Mat<T>(B.topRows(kk));
  }();
  Mat<T> expected = alpha * (opA * opB);
  if (beta != T(0)) expected += beta * C0.topRows(m);
  Mat<T> C = C0;
  if (beta == T(0)) C.topRows(m).setConstant(std::numeric_limits<T>::quiet_NaN());  // must not be read
  k::gemm(ta, tb, m, n, kk, alpha, A.data(), A.rows(), B.data(), B.rows(), beta, C.data(), C.rows());
  const T scale = std::abs(alpha) * (opA.cwiseAbs() * opB.cwiseAbs()).maxCoeff() +
                  std::abs(beta) * C0.cwiseAbs().maxCoeff() + std::numeric_limits<T>::min();
  const T ratio = m * n == 0 ? T(0)
                             : (C.topRows(m) - expected).cwiseAbs().maxCoeff() /
                                   (T(kk + 2) * std::numeric_limits<T>::epsilon() * scale);
  INFO("gemm ta=" << ta << " tb=" << tb << " m=" << m << " n=" << n << " k=" << kk << " ratio " << ratio);
  REQUIRE(ratio < T(2));
  REQUIRE(C.row(m) == C0.row(m));  // the row below ldc's m rows is untouched
}

/// syrk (lower triangle only; the strict upper triangle keeps its values) and trsm_right_lower_t against Eigen.
template <class T>
void check_syrk_trsm(Eigen::Index n, Eigen::Index kk, bool trans, T alpha, T beta) {
  const Mat<T> A = trans ? Mat<T>(Mat<T>::Random(kk + 1, n)) : Mat<T>(Mat<T>::Random(n + 1, kk));
  const Mat<T> opA = trans ? Mat<T>(A.topRows(kk).transpose()) : Mat<T>(A.topRows(n));
  const Mat<T> C0 = Mat<T>::Random(n, n);
  Mat<T> C = C0;
  if (beta == T(0)) C.template triangularView<Eigen::Lower>().setConstant(std::numeric_limits<T>::quiet_NaN());
  k::syrk(trans, n, kk, alpha, A.data(), A.rows(), beta, C.data(), n);
  Mat<T> expected = alpha * opA * opA.transpose();
  if (beta != T(0)) expected += beta * C0;
  const T scale = std::abs(alpha) * (opA.cwiseAbs() * opA.cwiseAbs().transpose()).maxCoeff() +
                  std::abs(beta) * C0.cwiseAbs().maxCoeff() + std::numeric_limits<T>::min();
  T worst = 0;
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      if (i < j) {
        REQUIRE(C(i, j) == C0(i, j));  // upper triangle untouched
      } else {
        worst = std::max(worst, std::abs(C(i, j) - expected(i, j)));
      }
    }
  INFO("syrk n=" << n << " k=" << kk << " trans=" << trans);
  REQUIRE(worst <= T(kk + 2) * std::numeric_limits<T>::epsilon() * scale * 2);

  // B := B·L⁻ᵀ with a well-conditioned L (unit-ish diagonal); the strict upper of L holds NaN (not read)
  Mat<T> L = Mat<T>::Random(n, n) * T(0.1);
  L.diagonal().array() += T(2);
  L.template triangularView<Eigen::StrictlyUpper>().setConstant(std::numeric_limits<T>::quiet_NaN());
  const Mat<T> Lclean = L.template triangularView<Eigen::Lower>();
  const Mat<T> B0 = Mat<T>::Random(kk + 3, n);
  Mat<T> B = B0;
  k::trsm_right_lower_t(kk + 3, n, L.data(), n, B.data(), B.rows());
  const T res = (B * Lclean.transpose() - B0).cwiseAbs().maxCoeff();
  INFO("trsm m=" << kk + 3 << " n=" << n << " residual " << res);
  REQUIRE(res <= T(4 * n) * std::numeric_limits<T>::epsilon() * (B.cwiseAbs() * Lclean.transpose().cwiseAbs()).maxCoeff());
}

/// A random SPD matrix with condition number about `kappa` (eigenvalues spaced geometrically).
template <class T>
Mat<T> random_spd(Eigen::Index n, double kappa) {
  const Mat<double> Q = Eigen::HouseholderQR<Mat<double>>(Mat<double>::Random(n, n)).householderQ();
  Eigen::VectorXd d(n);
  for (Eigen::Index i = 0; i < n; ++i) d[i] = std::pow(kappa, -double(i) / double(std::max<Eigen::Index>(n - 1, 1)));
  return (Q * d.asDiagonal() * Q.transpose()).cast<T>();
}

/// ‖G·P − I‖_F / (n·ε·κ) with P the symmetric matrix from spd_inverse's lower triangle.
template <class T>
void check_spd_inverse(Eigen::Index n, double kappa) {
  const Mat<T> G = random_spd<T>(n, kappa);
  Mat<T> work = G;
  work.template triangularView<Eigen::StrictlyUpper>().setConstant(std::numeric_limits<T>::quiet_NaN());
  REQUIRE(k::spd_inverse(work.data(), n, n));
  const Mat<T> P = work.template selfadjointView<Eigen::Lower>();
  const double residual = (G.template cast<double>() * P.template cast<double>() - Mat<double>::Identity(n, n)).norm();
  const double ratio = residual / (double(std::max<Eigen::Index>(n, 1)) * std::numeric_limits<T>::epsilon() * kappa);
  INFO("spd_inverse n=" << n << " kappa=" << kappa << " ratio " << ratio);
  REQUIRE(ratio < 1.0);
}

}  // namespace

TEST_CASE("dense kernels: gemm on every copy agrees with Eigen", "[kernels][dense]") {
  const auto copies = for_each_dense_copy([] {
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        check_gemm<double>(ta, tb, 37, 29, 41, 1.0, 0.0);
        check_gemm<double>(ta, tb, 300, 130, 257, -0.5, 1.0);
        check_gemm<double>(ta, tb, 5, 7, 0, 2.0, 0.5);  // k = 0: C := βC
        check_gemm<float>(ta, tb, 129, 65, 300, 1.5, -2.0);
        check_gemm<float>(ta, tb, 1, 1, 1, 1.0f, 0.0f);
        // one column: the fixed-order GEMV, with sizes off every packet and unroll multiple
        check_gemm<double>(ta, tb, 301, 1, 263, -0.5, 1.0);
        check_gemm<double>(ta, tb, 3, 1, 7, 2.0, 0.0);
        check_gemm<float>(ta, tb, 133, 1, 517, 1.5, -2.0);
      }
  });
  WARN("dense copies exercised: " << copies.size() << " (" << *copies.begin() << " …)");
  REQUIRE(copies.count("generic") + copies.count("avx2") + copies.count("avx512") == copies.size());
}

/// Calls f() once under each compiled SIMD target: the skinny GEMM kernels (src/kernels/skinny_gemm.cpp)
/// are Highway's, one copy per target, beside the dense copies.
template <class F>
void for_each_simd_target(F f) {
  for (auto t : k::compiled_targets()) {
    k::force_targets(t);
    INFO("SIMD target " << k::target_name(t));
    f();
  }
  k::force_targets(0);
}

// Products of a long basis with a few columns (Aᵀ·B with k ≥ 64, A·B with m ≥ 64; 2–32 columns, 2–16 on
// AVX2 and SSE4) run without packing: every tile (1–8 columns of A or vectors of rows, by the chunk width; B's
// columns in up to 8 chunks of equal width) and every tail (k or m off the vector length, a single
// leftover row) against Eigen.
TEST_CASE("dense kernels: skinny gemm shapes on every SIMD target agree with Eigen", "[kernels][dense]") {
  for_each_simd_target([] {
    for (Eigen::Index n : {2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 20, 25, 32})
      for (Eigen::Index len : {64, 65, 97, 300}) {
        check_gemm<double>(true, false, 13, n, len, 1.0, 0.0);  // 13 columns of A: a tail for every tile height
        check_gemm<float>(true, false, 5, n, len, -0.5f, 1.0f);
        check_gemm<double>(false, false, len, n, 11, -1.0, 1.0);
        check_gemm<float>(false, false, len, n, 3, 2.0f, 0.0f);
        check_gemm<double>(false, false, len + 1, n, 1, 0.5, -1.0);  // one column of A
      }
    // just outside the skinny shapes (Eigen's GEMM): 33 columns (17 on AVX2 and SSE4), 63 rows, 63 long
    check_gemm<double>(true, false, 10, 17, 100, 1.0, 0.0);
    check_gemm<double>(true, false, 10, 33, 100, 1.0, 0.0);
    check_gemm<double>(false, false, 100, 33, 10, 1.0, 0.0);
    check_gemm<double>(false, false, 63, 8, 10, 1.0, 0.5);
    check_gemm<float>(true, false, 10, 8, 63, 1.0f, 0.0f);
  });
}

// Small products (m + n + k < 20), which Eigen evaluates coefficient-wise from the first aligned
// entry, give the same bits wherever the buffers start (they did not with AVX2/AVX-512 packets).
TEST_CASE("dense kernels: a small gemm does not depend on the buffers' alignment", "[kernels][dense]") {
  for_each_dense_copy([] {
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (Eigen::Index m : {1, 5, 7, 12})
          for (Eigen::Index n : {2, 5})
            for (Eigen::Index kk : {3, 5}) {
              const Mat<double> A = Mat<double>::Random(ta ? kk : m, ta ? m : kk);
              const Mat<double> B = Mat<double>::Random(tb ? n : kk, tb ? kk : n);
              Mat<double> first;
              for (int shift = 0; shift < 8; ++shift) {
                std::vector<double> a_buf(std::size_t(A.size() + 8)), b_buf(std::size_t(B.size() + 8)),
                    c_buf(std::size_t(m * n + 8));
                std::copy(A.data(), A.data() + A.size(), a_buf.data() + shift);
                std::copy(B.data(), B.data() + B.size(), b_buf.data() + shift);
                k::gemm(ta, tb, m, n, kk, 1.0, a_buf.data() + shift, A.rows(), b_buf.data() + shift, B.rows(), 0.0,
                        c_buf.data() + shift, m);
                const Mat<double> C = Eigen::Map<const Mat<double>>(c_buf.data() + shift, m, n);
                if (shift == 0) first = C;
                INFO("ta " << ta << " tb " << tb << " m " << m << " n " << n << " k " << kk << ", shift " << shift);
                REQUIRE((C.array() == first.array()).all());
              }
            }
  });
}

// The skinny kernels sum each entry in one order: the same bits wherever the buffers start and for any
// thread count (the products below are big enough to be cut into panels across threads).
TEST_CASE("dense kernels: a skinny gemm gives the same bits for any thread count and buffer offset",
          "[kernels][dense]") {
  for (bool ta : {true, false}) {
    const Eigen::Index m = ta ? 300 : 4000, n = 16, kk = ta ? 4000 : 300;  // m·n·k = 19.2 M ≥ 2²⁴
    const Eigen::Index lda = ta ? kk : m;
    const Mat<float> A = Mat<float>::Random(lda, ta ? m : kk), B = Mat<float>::Random(kk, n),
                     C0 = Mat<float>::Random(m, n);
    Mat<float> first;
    for (int threads : {1, 2, 3})
      for (int shift = 0; shift < 4; ++shift) {
        std::vector<float> a_buf(std::size_t(A.size() + 4)), b_buf(std::size_t(B.size() + 4)),
            c_buf(std::size_t(C0.size() + 4));
        std::copy(A.data(), A.data() + A.size(), a_buf.data() + shift);
        std::copy(B.data(), B.data() + B.size(), b_buf.data() + shift);
        std::copy(C0.data(), C0.data() + C0.size(), c_buf.data() + shift);
#if defined(_OPENMP)
        const int before = omp_get_max_threads();
        omp_set_num_threads(threads);
#endif
        k::gemm(ta, false, m, n, kk, -0.75f, a_buf.data() + shift, lda, b_buf.data() + shift, kk, 1.0f,
                c_buf.data() + shift, m);
#if defined(_OPENMP)
        omp_set_num_threads(before);
#endif
        const Mat<float> C = Eigen::Map<const Mat<float>>(c_buf.data() + shift, m, n);
        if (first.size() == 0) {
          first = C;
          const Mat<float> expected = C0 - 0.75f * ((ta ? Mat<float>(A.transpose()) : A) * B);
          REQUIRE((C - expected).cwiseAbs().maxCoeff() <= 1e-3f * expected.cwiseAbs().maxCoeff());
        }
        INFO("transposed " << ta << ", " << threads << " threads, buffers shifted by " << shift << " floats");
        REQUIRE((C.array() == first.array()).all());
      }
  }
}

// A one-column product gives the same bits wherever its buffers start: with AVX2 or AVX-512 packets
// on 16-byte-aligned heap memory, a GEMV that peeled to the first aligned packet would sum each entry
// in an order that depends on the address, and repeated runs of the SVDs built on it would not be
// bit-identical. (Eigen 3.4's GEMV passes this test too; it guards our own kernel.)
TEST_CASE("dense kernels: a one-column gemm does not depend on the buffers' alignment", "[kernels][dense]") {
  for_each_dense_copy([] {
    for (bool ta : {false, true}) {
      const Eigen::Index m = 203, kk = 301, ld = 311;
      const Mat<double> A = Mat<double>::Random(ld, ta ? m : kk);
      const Eigen::VectorXd x = Eigen::VectorXd::Random(kk), y0 = Eigen::VectorXd::Random(m);
      Eigen::VectorXd first;
      for (int shift = 0; shift < 8; ++shift) {  // A, x and y each start `shift` doubles into a buffer
        Eigen::VectorXd a_buf(A.size() + 8), x_buf(kk + 8), y_buf(m + 8);
        std::copy(A.data(), A.data() + A.size(), a_buf.data() + shift);
        std::copy(x.data(), x.data() + kk, x_buf.data() + shift);
        std::copy(y0.data(), y0.data() + m, y_buf.data() + shift);
        k::gemm(ta, false, m, 1, kk, 0.75, a_buf.data() + shift, ld, x_buf.data() + shift, kk, 1.0,
                y_buf.data() + shift, m);
        const Eigen::VectorXd y = y_buf.segment(shift, m);
        if (shift == 0) first = y;
        INFO("transposed " << ta << ", buffers shifted by " << shift << " doubles");
        REQUIRE(y == first);
      }
    }
  });
}

// dot_axpy: dⱼ = A(:, j)ᵀv, tⱼ = pⱼ + q·dⱼ, w += A(1:rows, :)·t, against Eigen (the usual GEMV error ratio).
template <class T>
void check_dot_axpy(Eigen::Index rows, Eigen::Index cols) {
  const Eigen::Index ld = rows + 5;
  const Mat<T> A = Mat<T>::Random(ld, cols);
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  const Vec v = Vec::Random(rows), p = Vec::Random(cols), w0 = Vec::Random(std::max<Eigen::Index>(rows - 1, 0));
  const T q = T(-0.625);
  Vec d(cols), t(cols), w = w0;
  k::dot_axpy(rows, cols, A.data(), ld, v.data(), p.data(), q, d.data(), t.data(), w.data());
  const Mat<T> Ar = A.topRows(rows);
  const Vec d_ref = Ar.transpose() * v;
  const T eps = std::numeric_limits<T>::epsilon(), tiny = std::numeric_limits<T>::min();
  INFO("dot_axpy rows=" << rows << " cols=" << cols);
  if (cols == 0) {
    REQUIRE(w == w0);
    return;
  }
  const T d_scale = (Ar.cwiseAbs().transpose() * v.cwiseAbs()).maxCoeff() + tiny;
  REQUIRE((d - d_ref).cwiseAbs().maxCoeff() <= T(rows + 2) * eps * d_scale);
  for (Eigen::Index j = 0; j < cols; ++j)  // t from the d it returned (one rounding, or one fused multiply-add)
    REQUIRE(std::abs(t(j) - (p(j) + q * d(j))) <= 2 * eps * (std::abs(p(j)) + std::abs(q * d(j))));
  if (rows > 1) {
    const Vec w_ref = w0 + Ar.bottomRows(rows - 1) * t;
    const T w_scale = w0.cwiseAbs().maxCoeff() + (Ar.bottomRows(rows - 1).cwiseAbs() * t.cwiseAbs()).maxCoeff() + tiny;
    REQUIRE((w - w_ref).cwiseAbs().maxCoeff() <= T(cols + 2) * eps * w_scale);
  }
}

TEST_CASE("dense kernels: dot_axpy on every copy agrees with Eigen", "[kernels][dense]") {
  for_each_dense_copy([] {
    for (Eigen::Index rows : {0, 1, 2, 7, 16, 33, 301})
      for (Eigen::Index cols : {0, 1, 2, 5}) {
        check_dot_axpy<double>(rows, cols);
        check_dot_axpy<float>(rows, cols);
      }
    check_dot_axpy<double>(1000, 37);
  });
}

// tridiagonalize: Qᵀ·A·Q = T with Q from the stored reflectors (the similarity residual, Q's
// orthogonality, T's eigenvalues against A's from Eigen's solver), the padding and upper triangle untouched.
template <class T>
void check_tridiagonalize(Eigen::Index n) {
  const Eigen::Index ld = n + 3;
  Mat<T> B = Mat<T>::Random(n, n);
  const Mat<T> A = B + B.transpose();
  Mat<T> a = Mat<T>::Random(ld, n);  // the padding rows must stay as they are
  const Mat<T> before = a;
  a.topRows(n) = A;
  a.topRows(n).template triangularView<Eigen::StrictlyUpper>().setConstant(T(7));  // never read
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  Vec d(n), e(std::max<Eigen::Index>(n - 1, 0)), tau(std::max<Eigen::Index>(n - 1, 0));
  k::tridiagonalize(a.data(), n, ld, d.data(), e.data(), tau.data());
  INFO("tridiagonalize n=" << n);
  REQUIRE(a.bottomRows(ld - n) == before.bottomRows(ld - n));
  if (n == 0) return;
  const T eps = std::numeric_limits<T>::epsilon(), scale = A.cwiseAbs().maxCoeff() * T(n);
  // T's entries are not compared with Eigen's: they are not well conditioned, so any change of rounding
  // moves them far beyond the backward error (the blocked panels: the last diagonal entry 2e-10 from
  // Eigen's at n = 97 in double; even Eigen's own unblocked code, compiled with FMA here and without it
  // in Eigen's reference, differed beyond 50·ε·n·max|A| on one float matrix at n = 96). What a reduction
  // must get right is checked instead: QᵀAQ = T to the backward error, Q orthogonal, and T's eigenvalues
  // equal to A's (a similarity keeps them to within that backward error).
  // Q from the packed reflectors, then ‖QᵀAQ − T‖ and ‖QᵀQ − I‖
  Mat<T> packed = a.topRows(n);
  const Mat<T> Q = Eigen::HouseholderSequence<Mat<T>, Vec>(packed, tau).setLength(n - 1).setShift(1);
  Mat<T> Tm = Mat<T>::Zero(n, n);
  Tm.diagonal() = d;
  if (n > 1) {
    Tm.diagonal(1) = e;
    Tm.diagonal(-1) = e;
  }
  REQUIRE((Q.transpose() * A * Q - Tm).cwiseAbs().maxCoeff() <= 50 * eps * scale);
  REQUIRE((Q.transpose() * Q - Mat<T>::Identity(n, n)).cwiseAbs().maxCoeff() <= 50 * eps * T(n));
  const Vec lambda_t = Eigen::SelfAdjointEigenSolver<Mat<T>>(Tm, Eigen::EigenvaluesOnly).eigenvalues();
  const Vec lambda_a = Eigen::SelfAdjointEigenSolver<Mat<T>>(A, Eigen::EigenvaluesOnly).eigenvalues();
  REQUIRE((lambda_t - lambda_a).cwiseAbs().maxCoeff() <= 50 * eps * scale);
}

TEST_CASE("dense kernels: tridiagonalize on every copy is a similarity to T, blocked or not", "[kernels][dense]") {
  for_each_dense_copy([] {
    for (Eigen::Index n : {0, 1, 2, 3, 17, 64, 96, 97, 130, 161, 260}) {  // blocked from n = 97 on
      check_tridiagonalize<double>(n);
      check_tridiagonalize<float>(n);
    }
  });
}

// Small products run on the calling thread (kParallelMinWork): SerialScope lowers this thread's OpenMP
// thread count for the call and must give it back, whichever copy ran and whether or not it applied.
TEST_CASE("dense kernels: small products run on the calling thread, and the thread count comes back",
          "[kernels][dense]") {
  using lowrank::kernels::reference_dense::SerialScope;
#if defined(_OPENMP)
  const int before = omp_get_max_threads();
  omp_set_num_threads(2);
  {
    const SerialScope serial(true);
    REQUIRE(omp_get_max_threads() == 1);
    {
      const SerialScope nested(true);  // already serial: nothing to save, nothing to restore
      REQUIRE(omp_get_max_threads() == 1);
    }
    REQUIRE(omp_get_max_threads() == 1);
  }
  REQUIRE(omp_get_max_threads() == 2);
  {
    const SerialScope parallel(false);
    REQUIRE(omp_get_max_threads() == 2);
  }
  // through every dispatched copy, below and above the threshold (8³ and 300·130·257 multiply-adds)
  const auto copies = for_each_dense_copy([] {
    check_gemm<double>(false, false, 8, 8, 8, 1.0, 0.0);
    REQUIRE(omp_get_max_threads() == 2);
    check_gemm<double>(false, true, 300, 130, 257, 1.0, 0.0);
    REQUIRE(omp_get_max_threads() == 2);
  });
  REQUIRE(!copies.empty());
  omp_set_num_threads(before);
#else
  const SerialScope serial(true);  // no OpenMP: a no-op, and the kernels still compute
  check_gemm<double>(false, false, 8, 8, 8, 1.0, 0.0);
#endif
}

// The dense copy is chosen from a cached target mask (Highway's detection runs CPUID, which costs ~20 µs
// per call in a VM); forcing a target must still switch the copy at once (a baseline target gives the
// generic copy, also right after the AVX copy was in use), and un-forcing restore it.
TEST_CASE("dense kernels: forcing a SIMD target switches the dense copy at once", "[kernels][dense]") {
  const std::string by_default = k::dense_target();
  for (auto t : k::compiled_targets()) {
    k::force_targets(t);
    const std::string simd = k::target_name(t), copy = k::dense_target();
    INFO("forced " << simd << " → dense copy " << copy);
    if (simd == "SSE4" || simd == "SSSE3" || simd == "SSE2" || simd == "EMU128" || simd == "SCALAR")
      REQUIRE(copy == "generic");
  }
  k::force_targets(0);
  REQUIRE(k::dense_target() == by_default);
}

TEST_CASE("dense kernels: syrk and trsm on every copy agree with Eigen", "[kernels][dense]") {
  for_each_dense_copy([] {
    for (bool trans : {false, true}) {
      check_syrk_trsm<double>(1, 1, trans, 1.0, 0.0);
      check_syrk_trsm<double>(300, 77, trans, -1.0, 1.0);
      check_syrk_trsm<double>(61, 0, trans, 1.0, 0.5);  // k = 0: lower C := βC
      check_syrk_trsm<float>(260, 400, trans, 0.5f, 0.0f);
    }
  });
}

TEST_CASE("dense kernels: spd_inverse on every copy, upper triangle never read", "[kernels][dense]") {
  for_each_dense_copy([] {
    for (Eigen::Index n : {1, 2, 7, 128, 129, 300, 700}) {
      check_spd_inverse<double>(n, 1e6);
      check_spd_inverse<float>(n, 1e2);
    }
  });
}

TEST_CASE("dense kernels: spd_inverse reports a matrix that is not positive definite", "[kernels][dense]") {
  for_each_dense_copy([] {
    for (Eigen::Index n : {3, 200}) {
      Mat<double> G = random_spd<double>(n, 10);
      G(n - 1, n - 1) = -1;  // the last pivot goes negative
      REQUIRE_FALSE(k::spd_inverse(G.data(), n, n));
      Mat<float> H = Mat<float>::Identity(n, n);
      H(n / 2, n / 2) = std::numeric_limits<float>::quiet_NaN();
      REQUIRE_FALSE(k::spd_inverse(H.data(), n, n));
    }
  });
}

TEST_CASE("dense kernels: copies agree with each other", "[kernels][dense]") {
  const Mat<double> G = random_spd<double>(260, 1e4);
  Mat<double> first;
  for_each_dense_copy([&] {
    Mat<double> P = G;
    REQUIRE(k::spd_inverse(P.data(), 260, 260));
    P.triangularView<Eigen::StrictlyUpper>().setZero();
    if (first.size() == 0)
      first = P;
    else
      REQUIRE((P - first).norm() <= 260 * 1e4 * std::numeric_limits<double>::epsilon() * first.norm());
  });
}
