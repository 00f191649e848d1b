#pragma once
/// \file detail/huge_pages.hpp  Transparent huge pages for large fresh arrays (Linux; a no-op elsewhere).
///
/// Why: the first touch of a fresh array faults once per 4 KiB page, and on a virtual machine each fault
/// is expensive. On this project's VM, copying a 4000×500 double matrix into a fresh array took 58–74 ms
/// with 4 KiB pages and 12–32 ms with the advice below (the copy itself: 1 ms), which was a quarter of
/// gram_svd's time on that shape. Huge pages also spare the TLB misses of the SpMM's random gathers.
/// The advice is only advice: the kernel may ignore it (THP off), and failure changes nothing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lowrank/types.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace lowrank::detail {

/// Size of a transparent huge page on x86-64 and on aarch64 with 4 KiB base pages.
constexpr std::size_t kHugePageBytes = std::size_t(2) << 20;

/// Advises the kernel to back the whole pages inside [p, p + bytes) with transparent huge pages. Call it
/// before the memory is first written; arrays under two huge pages are left alone (nothing to gain).
inline void advise_huge_pages(void* p, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p == nullptr || bytes < 2 * kHugePageBytes) return;
  static const std::uintptr_t page = std::uintptr_t(sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096);
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (begin + page - 1) & ~(page - 1), hi = (begin + bytes) & ~(page - 1);
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

/// M.resize(rows, cols), with the fresh storage advised to use huge pages (contents undefined).
template <class Scalar>
void resize_advised(Matrix<Scalar>& M, Index rows, Index cols) {
  M.resize(rows, cols);
  advise_huge_pages(M.data(), sizeof(Scalar) * std::size_t(M.size()));
}

/// v.resize(n) with value-initialized elements; when v must grow, into fresh storage advised to use huge
/// pages before the zero-fill first touches it (the old contents are dropped in that case).
template <class T>
void resize_advised(std::vector<T>& v, std::size_t n) {
  if (v.capacity() >= n) {
    v.resize(n);
    return;
  }
  std::vector<T> fresh;
  fresh.reserve(n);
  advise_huge_pages(fresh.data(), n * sizeof(T));
  fresh.resize(n);
  v.swap(fresh);
}
/// M = the n×n identity, in fresh storage advised to use huge pages.
template <class Scalar>
void identity_advised(Matrix<Scalar>& M, Index n) {
  resize_advised(M, n, n);
  M.setIdentity();
}

}  // namespace lowrank::detail
