#pragma once
/// \file rec/data.hpp  Interactions (a user×item sparse matrix with ids and timestamps) and IdMap.
///
/// One orientation everywhere: users are rows, items are columns. `UserId` and `ItemId` are dense
/// indices 0..n-1 assigned by the data set's IdMaps; `IdMap::index("raw id")` converts a raw id from a
/// file, and `IdMap::raw(i)` converts back. Unknown ids throw `Errc::unknown_id`; no sentinels leak out.
#include <Eigen/SparseCore>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

#include "lowrank/error.hpp"
#include "lowrank/types.hpp"

namespace lowrank::rec {

namespace detail {
struct InteractionsAccess;  // assembly from the loaders (rec/impl/assemble.hpp)
}  // namespace detail

using UserId = Index;  ///< dense user index (row of Interactions)
using ItemId = Index;  ///< dense item index (column of Interactions)

/// Raw ids (integers or strings, kept as text) ↔ dense indices, in order of first appearance.
class IdMap {
 public:
  /// Dense index of `raw`, appended as the next index when it is new.
  /// Throws Errc::resource_limit beyond 2^31 − 1 ids (the matrices' 32-bit indices).
  Index insert(std::string_view raw) {
    if (2 * (m_raw.size() + 1) > m_slots.size()) grow();  // at most half full: short probe runs
    const std::uint64_t h = hash_of(raw);
    Slot& slot = m_slots[probe(raw, h)];
    if (slot.id >= 0) return slot.id;
    LOWRANK_CHECK(m_raw.size() < std::size_t(std::numeric_limits<std::int32_t>::max()), resource_limit,
                  "IdMap: more than ", std::numeric_limits<std::int32_t>::max(), " ids");
    slot = {std::int32_t(m_raw.size()), tag_of(h)};
    m_raw.emplace_back(raw);
    return slot.id;
  }
  /// Dense index of `raw`, or nothing when it is unknown.
  std::optional<Index> find(std::string_view raw) const {
    if (m_slots.empty()) return std::nullopt;
    const Slot& slot = m_slots[probe(raw, hash_of(raw))];
    if (slot.id < 0) return std::nullopt;
    return Index(slot.id);
  }
  /// Dense index of `raw`; throws Errc::unknown_id naming `what` when it is unknown.
  Index index(std::string_view raw, const char* what = "id") const {
    auto found = find(raw);
    LOWRANK_CHECK(found.has_value(), unknown_id, "unknown ", what, " id \"", std::string(raw), "\"");
    return *found;
  }
  /// The raw id of dense index i; throws Errc::unknown_id outside [0, size()).
  const std::string& raw(Index i) const {
    LOWRANK_CHECK(i >= 0 && i < size(), unknown_id, "dense id ", i, " is outside [0, ", size(), ")");
    return m_raw[std::size_t(i)];
  }
  /// Number of ids.
  Index size() const { return Index(m_raw.size()); }
  /// True when the map holds no id.
  bool empty() const { return m_raw.empty(); }
  /// The map "0" → 0, …, "n−1" → n − 1.
  static IdMap identity(Index n) {
    IdMap m;
    for (Index i = 0; i < n; ++i) m.insert(std::to_string(i));
    return m;
  }
  /// All raw ids, by dense index.
  const std::vector<std::string>& raw_ids() const { return m_raw; }

 private:
  // The index is an open-addressing table of dense indices into m_raw (linear probing, at most half
  // full), with 32 bits of each key's hash to skip most string comparisons: 8 bytes a slot, 16–32
  // bytes an id. A std::unordered_map<std::string, Index> kept a second copy of every string in a
  // 64-byte node: about 70 bytes an id, 85 MB for bench/scale's 1.2 M ids at 50 M interactions.
  struct Slot {
    std::int32_t id = -1;   // −1: empty
    std::uint32_t tag = 0;  // the high half of the key's hash
  };
  static std::uint64_t hash_of(std::string_view raw) { return std::hash<std::string_view>{}(raw); }
  static std::uint32_t tag_of(std::uint64_t h) { return std::uint32_t(h >> 32); }
  /// The slot holding `raw`, or the empty slot where it belongs. The table must not be empty.
  std::size_t probe(std::string_view raw, std::uint64_t h) const {
    const std::size_t mask = m_slots.size() - 1;
    const std::uint32_t tag = tag_of(h);
    for (std::size_t s = std::size_t(h) & mask;; s = (s + 1) & mask) {
      const Slot& slot = m_slots[s];
      if (slot.id < 0 || (slot.tag == tag && m_raw[std::size_t(slot.id)] == raw)) return s;
    }
  }
  /// Doubles the table (at least 16 slots) and re-inserts every id.
  void grow() {
    std::vector<Slot> slots(std::max<std::size_t>(16, 2 * m_slots.size()));
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = 0; i < m_raw.size(); ++i) {
      const std::uint64_t h = hash_of(m_raw[i]);
      std::size_t s = std::size_t(h) & mask;
      while (slots[s].id >= 0) s = (s + 1) & mask;
      slots[s] = {std::int32_t(i), tag_of(h)};
    }
    m_slots.swap(slots);
  }

  std::vector<std::string> m_raw;
  std::vector<Slot> m_slots;
};

/// One interaction before it is assembled into the matrix.
struct Interaction {
  UserId user;                 ///< dense user index (row)
  ItemId item;                 ///< dense item index (column)
  float value = 1;             ///< rating, count or 1
  std::int64_t timestamp = 0;  ///< seconds (0 when the source has none)
};

/// What to do with repeated (user, item) pairs when building Interactions.
enum class Duplicates {
  sum,   ///< add the values (counts); keep the latest timestamp
  last,  ///< keep the value of the latest timestamp (file order breaks ties)
  max,   ///< keep the largest value and its timestamp
};

/// A user×item interaction matrix (CSR, float values), optional timestamps aligned with the CSR
/// values, and the raw-id maps. The CSC view (items as rows of the transpose) is built on demand.
class Interactions {
 public:
  using Csr = Eigen::SparseMatrix<float, Eigen::RowMajor, int>;  ///< row-major (user-oriented) storage
  using Csc = Eigen::SparseMatrix<float, Eigen::ColMajor, int>;  ///< column-major (item-oriented) storage

  Interactions() = default;
  /// Deep copy of the matrix and timestamps; the id maps are shared (they are immutable).
  Interactions(const Interactions&) = default;
  /// Deep copy, as the copy constructor.
  Interactions& operator=(const Interactions&) = default;
  /// Moves in O(1). Written out because Eigen 3.4's SparseMatrix has no move constructor: the
  /// implicit one would copy the whole matrix. The moved-from object is left valid and empty.
  Interactions(Interactions&& other) noexcept { swap(other); }
  /// Moves in O(1) (a swap): `other` is left valid, holding this object's former contents.
  Interactions& operator=(Interactions&& other) noexcept {
    swap(other);
    return *this;
  }
  /// Exchanges the contents of two data sets in O(1).
  void swap(Interactions& other) noexcept {
    m_csr.swap(other.m_csr);
    m_csc.swap(other.m_csc);
    m_timestamps.swap(other.m_timestamps);
    m_users.swap(other.m_users);
    m_items.swap(other.m_items);
  }

  /// Assembles the matrix. Users and items beyond the maps' sizes throw `Errc::shape_mismatch`;
  /// non-finite values throw `Errc::non_finite`. Entries are sorted by (user, item).
  static Interactions from_interactions(std::vector<Interaction> rows, IdMap users, IdMap items,
                                        Duplicates dup = Duplicates::sum);

  /// Wraps an existing matrix (timestamps optional: empty, or one per stored value in CSR order).
  static Interactions from_matrix(Csr matrix, IdMap users, IdMap items, std::vector<std::int64_t> timestamps = {});

  /// The users × items matrix (CSR).
  const Csr& matrix() const { return *m_csr; }
  /// Shares the matrix: it is immutable, so copies of this object and the models fitted on it hold the
  /// same arrays instead of their own copies (at 50 M interactions a copy is 385 MB, bench/scale).
  std::shared_ptr<const Csr> matrix_ptr() const { return m_csr; }
  /// Column-major copy (item-oriented access), built on first call. Not thread-safe on first call;
  /// call it once before sharing the object between threads.
  const Csc& csc() const;
  /// One timestamp per stored value, in CSR order; empty when the source had none.
  const std::vector<std::int64_t>& timestamps() const { return m_timestamps; }
  /// True when timestamps() is not empty.
  bool has_timestamps() const { return !m_timestamps.empty(); }

  /// Raw-id map of the users (rows).
  const IdMap& users() const { return *m_users; }
  /// Raw-id map of the items (columns).
  const IdMap& items() const { return *m_items; }
  /// Shares the id maps (splits keep one set of maps for train and test).
  std::shared_ptr<const IdMap> user_map() const { return m_users; }
  /// Shares the item map, like user_map().
  std::shared_ptr<const IdMap> item_map() const { return m_items; }

  /// Number of users (rows of the matrix).
  Index num_users() const { return m_csr->rows(); }
  /// Number of items (columns of the matrix).
  Index num_items() const { return m_csr->cols(); }
  /// Number of stored interactions (non-zeros of the matrix).
  Index nnz() const { return m_csr->nonZeros(); }

  /// All interactions back as a list (CSR order).
  std::vector<Interaction> to_list() const;

  /// Same maps, different matrix (used by splits and filters).
  Interactions with_matrix(Csr matrix, std::vector<std::int64_t> timestamps = {}) const;

 private:
  friend struct detail::InteractionsAccess;
  std::shared_ptr<const Csr> m_csr = std::make_shared<const Csr>();  // immutable: copies and models share it
  mutable std::shared_ptr<Csc> m_csc;
  std::vector<std::int64_t> m_timestamps;
  std::shared_ptr<const IdMap> m_users = std::make_shared<IdMap>();
  std::shared_ptr<const IdMap> m_items = std::make_shared<IdMap>();
};

namespace detail {
/// Moves `matrix` into a fresh shared CSR without copying its arrays (swap: Eigen 3.4's SparseMatrix
/// copies where a move was meant).
inline std::shared_ptr<const Interactions::Csr> share_matrix(Interactions::Csr& matrix) {
  auto shared = std::make_shared<Interactions::Csr>();
  shared->swap(matrix);
  return shared;
}
}  // namespace detail

/// Options of the embedded synthetic data set (`lowrank demo` runs on it without any file).
struct SyntheticOptions {
  Index users = 6000;            ///< number of users
  Index items = 3000;            ///< number of items (≥ 2)
  Index interactions = 1000000;  ///< target count; the generated count is close to it
  int latent_factors = 16;       ///< rank of the preference model
  double noise = 0.5;            ///< std-dev of the preference noise, relative to the signal
  double item_popularity_exponent = 1.0;  ///< Zipf exponent of item popularity
  double user_activity_exponent = 1.0;    ///< Zipf exponent of user activity
  int genres = 18;               ///< each item gets 1–3 genres aligned with its latent factors
  bool ratings = true;           ///< values are 1–5 ratings (else 1)
  std::uint64_t seed = 42;       ///< seed of the random generator
};

/// A synthetic data set with item genres.
struct SyntheticData {
  Interactions interactions;                  ///< the users × items data
  std::vector<std::vector<int>> item_genres;  ///< genres of each item
  std::vector<std::string> genre_names;       ///< name of each genre index
};

}  // namespace lowrank::rec
