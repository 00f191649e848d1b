#pragma once
/// \file rec/impl/assemble.hpp  Interactions gathered column-wise, then assembled into the CSR in place.
///
/// Why not a std::vector<Interaction>: at 32 bytes a row, plus a sorted copy and a doubling vector's
/// transient 1.5×, a 50 M-row load peaked near 4 GB for a 400 MB matrix. Here a row costs 12 bytes
/// (20 with timestamps) in fixed chunks that never move, each chunk is freed as soon as it is scattered
/// into the CSR arrays, and duplicates are merged in place: the peak is the CSR plus the unscattered
/// chunks (at most 20 bytes a row).
///
/// Assembly is O(nnz + Σ_u n_u log n_u): a stable counting sort by user (file order kept inside each
/// user), a stable sort of each user's run by item only where the run is not already strictly
/// increasing (integer keys item·2³² + position, so equal items keep file order), and one merge pass over equal (user, item) runs by the Duplicates rule.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "lowrank/error.hpp"
#include "lowrank/rec/data.hpp"

namespace lowrank::rec::detail {

/// Users, items, values (and timestamps when kept) of not-yet-assembled interactions, in chunks that
/// never move. Chunk capacity doubles from 64 Ki rows to 4 Mi rows (48 MB, 80 MB with timestamps):
/// small files stay small, and the big chunks exceed glibc's largest mmap threshold (32 MB), so they
/// are mapped and unmapped directly and freeing one gives its memory back to the system at once.
class TripletColumns {
 public:
  explicit TripletColumns(bool with_time) : m_with_time(with_time) {}

  bool with_time() const { return m_with_time; }
  std::size_t size() const { return m_size; }

  void push(int user, int item, float value, std::int64_t timestamp) {
    if (m_chunks.empty() || m_chunks.back().size == m_chunks.back().capacity) grow();
    Chunk& c = m_chunks.back();
    const std::size_t at = c.size++;
    c.user[at] = user;
    c.item[at] = item;
    c.value[at] = value;
    if (m_with_time) c.time[at] = timestamp;
    ++m_size;
  }

  /// Number of chunks, in push order.
  std::size_t chunks() const { return m_chunks.size(); }
  std::size_t chunk_size(std::size_t c) const { return m_chunks[c].size; }
  const int* users(std::size_t c) const { return m_chunks[c].user; }
  const int* items(std::size_t c) const { return m_chunks[c].item; }
  const float* values(std::size_t c) const { return m_chunks[c].value; }
  const std::int64_t* times(std::size_t c) const { return m_chunks[c].time; }
  /// Frees chunk c (its rows must not be read again).
  void release(std::size_t c) {
    m_chunks[c].memory.reset();
    m_chunks[c].user = m_chunks[c].item = nullptr;
    m_chunks[c].value = nullptr;
    m_chunks[c].time = nullptr;
  }

 private:
  struct Chunk {
    std::unique_ptr<char[]> memory;  // one block: times (8-byte aligned first), users, items, values
    std::int64_t* time = nullptr;
    int* user = nullptr;
    int* item = nullptr;
    float* value = nullptr;
    std::size_t size = 0, capacity = 0;
  };
  void grow() {
    const std::size_t capacity = m_chunks.empty() ? std::size_t(1) << 16
                                                  : std::min(m_chunks.back().capacity * 2, std::size_t(1) << 22);
    const std::size_t time_bytes = m_with_time ? capacity * sizeof(std::int64_t) : 0;
    Chunk c;
    c.memory.reset(new char[time_bytes + capacity * (2 * sizeof(int) + sizeof(float))]);
    char* p = c.memory.get();
    c.time = m_with_time ? reinterpret_cast<std::int64_t*>(p) : nullptr;
    c.user = reinterpret_cast<int*>(p + time_bytes);
    c.item = c.user + capacity;
    c.value = reinterpret_cast<float*>(c.item + capacity);
    c.capacity = capacity;
    m_chunks.push_back(std::move(c));
  }
  bool m_with_time;
  std::size_t m_size = 0;
  std::vector<Chunk> m_chunks;
};

/// Hands assembled arrays to Interactions without a copy (the public factories take the matrix by
/// value, and Eigen 3.4's SparseMatrix copies where a move was meant).
struct InteractionsAccess {
  static Interactions adopt(Interactions::Csr& matrix, std::vector<std::int64_t>&& timestamps, IdMap&& users,
                            IdMap&& items) {
    Interactions out;
    out.m_csr = share_matrix(matrix);
    out.m_timestamps = std::move(timestamps);
    out.m_users = std::make_shared<const IdMap>(std::move(users));
    out.m_items = std::make_shared<const IdMap>(std::move(items));
    return out;
  }
};

/// Builds Interactions from the columns, consuming them. Ids must lie in the maps and values must be
/// finite (the callers check). Throws `Errc::resource_limit` beyond int CSR indices and
/// `Errc::non_finite` when summing duplicates overflows.
inline Interactions assemble_interactions(TripletColumns&& rows, IdMap users, IdMap items, Duplicates dup) {
  const Index nu = users.size(), ni = items.size();
  constexpr auto kIntMax = std::size_t(std::numeric_limits<int>::max());
  LOWRANK_CHECK(std::size_t(nu) < kIntMax && std::size_t(ni) < kIntMax, resource_limit, "Interactions: ", nu,
                " users × ", ni, " items exceed int indices");
  LOWRANK_CHECK(rows.size() < kIntMax, resource_limit, "Interactions: ", rows.size(),
                " interactions exceed the int indices of the CSR matrix (at most 2^31 - 2)");
  const bool keep_time = rows.with_time();

  // step 1 — counting sort by user, scattering chunk by chunk and freeing each chunk behind us
  std::vector<int> start(static_cast<std::size_t>(nu) + 1, 0);
  for (std::size_t c = 0; c < rows.chunks(); ++c) {
    const int* u = rows.users(c);
    for (std::size_t e = 0, n = rows.chunk_size(c); e < n; ++e) ++start[std::size_t(u[e]) + 1];
  }
  for (Index u = 0; u < nu; ++u) start[std::size_t(u) + 1] += start[std::size_t(u)];
  Interactions::Csr m(nu, ni);
  m.resizeNonZeros(Index(rows.size()));
  int* inner = m.innerIndexPtr();
  float* value = m.valuePtr();
  std::vector<std::int64_t> times(keep_time ? rows.size() : 0);
  bool any_time = false;  // decided on the input rows: a merge may leave only zeros behind
  {
    std::vector<int> fill(start.begin(), start.end() - 1);
    for (std::size_t c = 0; c < rows.chunks(); ++c) {
      const int* u = rows.users(c);
      const int* i = rows.items(c);
      const float* v = rows.values(c);
      const std::int64_t* t = rows.times(c);
      for (std::size_t e = 0, n = rows.chunk_size(c); e < n; ++e) {
        const int at = fill[std::size_t(u[e])]++;
        inner[at] = i[e];
        value[at] = v[e];
        if (keep_time) times[std::size_t(at)] = t[e], any_time |= t[e] != 0;
      }
      rows.release(c);
    }
  }

  // step 2 — per user: sort by item where needed, merge duplicates, compact leftwards. The sort keys
  // are (item << 32 | position in the run): plain integer sorting, and file order kept among equals.
  std::vector<std::uint64_t> keys;
  std::vector<float> run_value;
  std::vector<std::int64_t> run_time;
  int* outer = m.outerIndexPtr();
  int write = 0;
  for (Index u = 0; u < nu; ++u) {
    const int b = start[std::size_t(u)], e = start[std::size_t(u) + 1];
    outer[u] = write;
    bool strictly_increasing = true;
    for (int p = b + 1; p < e && strictly_increasing; ++p) strictly_increasing = inner[p - 1] < inner[p];
    if (strictly_increasing) {  // the common case (sorted files, no duplicates): move, no sort
      if (write != b) {
        std::copy(inner + b, inner + e, inner + write);
        std::copy(value + b, value + e, value + write);
        if (keep_time) std::copy(times.begin() + b, times.begin() + e, times.begin() + write);
      }
      write += e - b;
      continue;
    }
    keys.resize(std::size_t(e - b));
    for (int p = b; p < e; ++p) keys[std::size_t(p - b)] = std::uint64_t(std::uint32_t(inner[p])) << 32 | std::uint32_t(p - b);
    std::sort(keys.begin(), keys.end());
    run_value.assign(value + b, value + e);
    if (keep_time) run_time.assign(times.begin() + b, times.begin() + e);
    const auto time_at = [&](std::size_t k) { return keep_time ? run_time[k] : std::int64_t(0); };
    for (std::size_t k = 0; k < keys.size();) {
      const int item = int(keys[k] >> 32);
      std::size_t at = std::size_t(keys[k] & 0xffffffffu);
      float v = run_value[at];
      std::int64_t t = time_at(at);
      std::size_t next = k + 1;
      for (; next < keys.size() && int(keys[next] >> 32) == item; ++next) {
        at = std::size_t(keys[next] & 0xffffffffu);
        const float nv = run_value[at];
        const std::int64_t nt = time_at(at);
        switch (dup) {
          case Duplicates::sum:
            v += nv;
            t = std::max(t, nt);
            break;
          case Duplicates::last:  // latest timestamp wins; equal timestamps: later in file wins
            if (nt >= t) v = nv, t = nt;
            break;
          case Duplicates::max:  // largest value wins; equal values keep the first
            if (nv > v) v = nv, t = nt;
            break;
        }
      }
      LOWRANK_CHECK(std::isfinite(v), non_finite, "Interactions: summing duplicates of (user ", u, ", item ", item,
                    ") overflowed");
      inner[write] = item;
      value[write] = v;
      if (keep_time) times[std::size_t(write)] = t;
      ++write;
      k = next;
    }
  }
  outer[nu] = write;

  // step 3 — give back what merged duplicates freed; all-zero timestamps mean the source had none
  if (keep_time && !any_time) {
    times.clear();
    times.shrink_to_fit();
  }
  if (Index(write) < Index(m.data().size())) {  // nonZeros() already reads outer[nu] = write
    m.resizeNonZeros(write);
    m.data().squeeze();
    if (!times.empty()) {
      times.resize(std::size_t(write));
      times.shrink_to_fit();
    }
  }
  return InteractionsAccess::adopt(m, std::move(times), std::move(users), std::move(items));
}

}  // namespace lowrank::rec::detail
