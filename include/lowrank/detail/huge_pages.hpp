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
#include <cstdlib>
#include <new>
#include <utility>
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

/// A fresh array of n T (trivially copyable; contents undefined) which, from two huge pages up, starts on a
/// huge-page boundary, fills whole huge pages and is advised to use them (Linux); plain malloc storage
/// otherwise. Why: a malloc'd array begins and ends inside huge pages, and those two edges stay in
/// 4 KiB pages, up to 2·511 first-touch faults. On this project's VM a fresh 40 MB array filled in
/// 2.8–3.0 ms aligned and in 3.2–10.3 ms not (its faults: 27 against 62–573), the float copy of
/// randomized_svd's and lanczos_svd's mixed-precision products (operator.hpp) being such an array.
template <class T>
class HugePageArray {
 public:
  HugePageArray() = default;
  /// Throws std::bad_alloc when the memory is not available.
  explicit HugePageArray(std::size_t n) : m_size(n) {
    const std::size_t bytes = n * sizeof(T);
    void* p = nullptr;
#if defined(__linux__)
    if (bytes >= 2 * kHugePageBytes) {
      const std::size_t whole = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
      if (posix_memalign(&p, kHugePageBytes, whole) != 0) throw std::bad_alloc();
      advise_huge_pages(p, whole);
    }
#endif
    if (p == nullptr && (p = std::malloc(bytes > 0 ? bytes : 1)) == nullptr) throw std::bad_alloc();
    m_data = static_cast<T*>(p);
  }
  HugePageArray(HugePageArray&& o) noexcept
      : m_data(std::exchange(o.m_data, nullptr)), m_size(std::exchange(o.m_size, 0)) {}
  HugePageArray& operator=(HugePageArray&& o) noexcept {
    std::swap(m_data, o.m_data);
    std::swap(m_size, o.m_size);
    return *this;
  }
  HugePageArray(const HugePageArray&) = delete;
  HugePageArray& operator=(const HugePageArray&) = delete;
  ~HugePageArray() { std::free(m_data); }
  T* data() { return m_data; }
  const T* data() const { return m_data; }
  std::size_t size() const { return m_size; }

 private:
  T* m_data = nullptr;
  std::size_t m_size = 0;
};

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
