#pragma once
/// \file rec/persist.hpp  One binary format for every model: save (atomic) and load (validated).
///
/// Layout (little-endian fields as written by this machine; the endian marker rejects a foreign one):
///
///     "LRKMODEL"            8-byte magic
///     u32 format version    kFormatVersion; a newer one → Errc::version_mismatch
///     u32 endian marker     0x01020304
///     u64 body length       bytes between this field and the checksum (truncation check)
///     body:  string model name · id maps (users, items) · seen matrix (CSR) · model state
///            (the model's hyper-parameters first, then its fitted arrays; every matrix carries
///            its scalar size, so a float/double mix-up is a version_mismatch, not garbage)
///     u64 checksum          FNV-1a 64 over every preceding byte
///
/// `save` writes `path.tmp-XXXXXX` next to the target, flushes it to disk (fsync) and renames it
/// over `path`, so a crash mid-write leaves the previous file intact (nanoflann saveIndex header +
/// the rename idiom of SQLite/LMDB). `load` checks magic and version, then length, then checksum,
/// before it parses anything; the parser is bounds-checked as well (reading past the end or a size
/// larger than the remaining bytes throws Errc::corrupt, never UB and never a giant allocation).
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/error.hpp"
#include "lowrank/rec/data.hpp"
#include "lowrank/rec/model.hpp"

namespace lowrank::rec {

/// Current on-disk format version; files with a larger number are refused.
/// Version 2 (2026-12) added the BiasedMF/SVDpp solver, burn_in and thinning; version 1 files still load.
inline constexpr std::uint32_t kFormatVersion = 2;

namespace detail {
/// FNV-1a 64 (Fowler–Noll–Vo): one pass, every bit of every byte changes the hash.
inline std::uint64_t fnv1a64(const unsigned char* data, std::size_t n,
                             std::uint64_t h = 0xcbf29ce484222325ull) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}
}  // namespace detail

/// Appends typed values to an in-memory byte buffer (the file is written in one piece by `save`).
class BinaryWriter {
 public:
  /// Appends the bytes of a trivially copyable value (native byte order).
  template <class T>
  void write(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>, "BinaryWriter::write: POD only");
    const auto* p = reinterpret_cast<const unsigned char*>(&value);
    m_buf.insert(m_buf.end(), p, p + sizeof(T));
  }
  /// Appends `n` raw bytes from `data`.
  void write_bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    m_buf.insert(m_buf.end(), p, p + n);
  }
  /// A string: u64 length, then its bytes.
  void write_string(const std::string& s) {
    write<std::uint64_t>(s.size());
    write_bytes(s.data(), s.size());
  }
  /// A vector of trivially copyable values: u8 element size, u64 count, then the elements.
  template <class T>
  void write_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>, "BinaryWriter::write_vector: POD only");
    write<std::uint8_t>(sizeof(T));
    write<std::uint64_t>(v.size());
    write_bytes(v.data(), v.size() * sizeof(T));
  }
  /// Dense matrix of any storage order: scalar size, rows, cols, then the values in column-major order.
  template <class Derived>
  void write_matrix(const Eigen::DenseBase<Derived>& m) {
    using S = typename Derived::Scalar;
    write<std::uint8_t>(sizeof(S));
    write<std::int64_t>(m.rows());
    write<std::int64_t>(m.cols());
    const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> tmp = m;  // column-major, contiguous
    write_bytes(tmp.data(), std::size_t(tmp.size()) * sizeof(S));
  }
  /// CSR float matrix (the seen matrix): shape, then outer index, inner indices, values.
  void write_csr(const Interactions::Csr& m) {
    Interactions::Csr c = m;
    c.makeCompressed();
    write<std::int64_t>(c.rows());
    write<std::int64_t>(c.cols());
    write<std::int64_t>(c.nonZeros());
    write_bytes(c.outerIndexPtr(), std::size_t(c.rows() + 1) * sizeof(int));
    write_bytes(c.innerIndexPtr(), std::size_t(c.nonZeros()) * sizeof(int));
    write_bytes(c.valuePtr(), std::size_t(c.nonZeros()) * sizeof(float));
  }
  /// An id map: u64 count, then every raw id as a string, in dense-index order.
  void write_idmap(const IdMap& map) {
    write<std::uint64_t>(std::uint64_t(map.size()));
    for (const auto& s : map.raw_ids()) write_string(s);
  }
  /// The bytes written so far.
  const std::vector<unsigned char>& buffer() const { return m_buf; }
  /// The bytes written so far, writable (serialize patches the body length in the header).
  std::vector<unsigned char>& buffer() { return m_buf; }

 private:
  std::vector<unsigned char> m_buf;
};

/// Reads typed values from a byte range; every read is bounds-checked and throws Errc::corrupt
/// (naming `what` and the offset) instead of reading past the end.
class BinaryReader {
 public:
  /// Reads the `size` bytes at `data` (not copied: keep them alive); `source` names them in errors.
  /// `format_version` is the file's (older versions lack some fields; load_state asks).
  BinaryReader(const unsigned char* data, std::size_t size, std::string source = "model",
               std::uint32_t format_version = kFormatVersion)
      : m_data(data), m_size(size), m_source(std::move(source)), m_version(format_version) {}

  /// The format version of the file being read.
  std::uint32_t format_version() const { return m_version; }

  /// Bytes consumed so far.
  std::size_t offset() const { return m_pos; }
  /// Bytes left to read.
  std::size_t remaining() const { return m_size - m_pos; }
  /// The name given to the constructor (a path, or "model").
  const std::string& source() const { return m_source; }

  /// Throws Errc::corrupt unless `n` more bytes are available.
  void need(std::size_t n, const char* what) const {
    LOWRANK_CHECK(n <= remaining(), corrupt, m_source, ": truncated or corrupt while reading ", what, " at byte ",
                  m_pos, " (needs ", n, " bytes, ", remaining(), " left)");
  }
  /// One trivially copyable value written by BinaryWriter::write; `what` names it in errors.
  template <class T>
  T read(const char* what = "value") {
    static_assert(std::is_trivially_copyable_v<T>, "BinaryReader::read: POD only");
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, m_data + m_pos, sizeof(T));
    m_pos += sizeof(T);
    return v;
  }
  /// Copies the next `n` bytes into `out`.
  void read_bytes(void* out, std::size_t n, const char* what) {
    need(n, what);
    if (n) std::memcpy(out, m_data + m_pos, n);
    m_pos += n;
  }
  /// A count of `elem` -byte elements, checked against the remaining bytes before anything is allocated.
  std::size_t read_count(std::size_t elem, const char* what) {
    const auto n = read<std::uint64_t>(what);
    LOWRANK_CHECK(elem == 0 || n <= remaining() / elem, corrupt, m_source, ": corrupt size ", n, " for ", what,
                  " at byte ", m_pos - 8, " (only ", remaining(), " bytes left)");
    return std::size_t(n);
  }
  /// A string written by write_string.
  std::string read_string(const char* what = "string") {
    const std::size_t n = read_count(1, what);
    std::string s(n, '\0');
    read_bytes(s.data(), n, what);
    return s;
  }
  /// A vector written by write_vector; a different element size is Errc::version_mismatch.
  template <class T>
  std::vector<T> read_vector(const char* what = "vector") {
    check_scalar(read<std::uint8_t>(what), sizeof(T), what);
    const std::size_t n = read_count(sizeof(T), what);
    std::vector<T> v(n);
    read_bytes(v.data(), n * sizeof(T), what);
    return v;
  }
  /// Dense matrix written by write_matrix; a different scalar size is Errc::version_mismatch.
  template <class S>
  Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> read_matrix(const char* what = "matrix") {
    check_scalar(read<std::uint8_t>(what), sizeof(S), what);
    const auto rows = read<std::int64_t>(what);
    const auto cols = read<std::int64_t>(what);
    LOWRANK_CHECK(rows >= 0 && cols >= 0, corrupt, m_source, ": negative shape of ", what, " at byte ", m_pos);
    // An empty matrix may not claim a dimension larger than the file: callers size other arrays by it.
    LOWRANK_CHECK(std::uint64_t(std::max(rows, cols)) <= remaining() + 1, corrupt, m_source, ": corrupt shape ", rows,
                  "x", cols, " of ", what, " (", remaining(), " bytes left)");
    LOWRANK_CHECK(rows == 0 || std::uint64_t(cols) <= remaining() / sizeof(S) / std::uint64_t(rows), corrupt, m_source,
                  ": corrupt shape ", rows, "x", cols, " of ", what, " (", remaining(), " bytes left)");
    Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> m(rows, cols);
    read_bytes(m.data(), std::size_t(rows * cols) * sizeof(S), what);
    return m;
  }
  /// A column vector written by write_matrix; throws Errc::corrupt when it has more than one column.
  template <class S>
  Eigen::Matrix<S, Eigen::Dynamic, 1> read_vector_eigen(const char* what = "vector") {
    auto m = read_matrix<S>(what);
    LOWRANK_CHECK(m.cols() == 1 || m.rows() == 0, corrupt, m_source, ": ", what, " is not a column vector (",
                  m.rows(), "x", m.cols(), ")");
    if (m.size() == 0) return Eigen::Matrix<S, Eigen::Dynamic, 1>();
    return Eigen::Map<Eigen::Matrix<S, Eigen::Dynamic, 1>>(m.data(), m.rows());
  }
  /// A CSR matrix written by write_csr; its structure (row pointers, sorted in-range columns) is checked.
  Interactions::Csr read_csr(const char* what = "sparse matrix");
  /// An id map written by write_idmap; a repeated raw id is Errc::corrupt.
  IdMap read_idmap(const char* what = "id map");

 private:
  void check_scalar(std::uint8_t got, std::size_t want, const char* what) const {
    LOWRANK_CHECK(got == want, version_mismatch, m_source, ": ", what, " has ", int(got), "-byte scalars, expected ",
                  want, " (float/double mismatch)");
  }
  const unsigned char* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
  std::string m_source;
  std::uint32_t m_version;
};

/// Writes `model` (fitted or not) to `path` atomically: temp file, fsync, rename.
/// \throws Error(Errc::io) when the file cannot be written.
LOWRANK_API void save(const Recommender& model, const std::filesystem::path& path);

/// Reads a model written by `save`.
/// \throws Error(Errc::io) unreadable file; Error(Errc::version_mismatch) wrong magic, newer format
///         version, other endianness or scalar type; Error(Errc::corrupt) truncated file, checksum
///         mismatch or malformed content.
LOWRANK_API std::unique_ptr<Recommender> load(const std::filesystem::path& path);

/// The same format in memory (tests, network transfer).
LOWRANK_API std::vector<unsigned char> serialize(const Recommender& model);
/// Reads a model from the `size` bytes at `data` (as `load` does from a file); `source` names them in
/// error messages. Throws as `load`, except Errc::io.
LOWRANK_API std::unique_ptr<Recommender> deserialize(const unsigned char* data, std::size_t size,
                                                     const std::string& source = "model");

}  // namespace lowrank::rec
