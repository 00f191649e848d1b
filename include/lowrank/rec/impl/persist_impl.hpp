#pragma once
/// \file rec/impl/persist_impl.hpp  save / load definitions (compiled once in src/lib/rec_models.cpp).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "lowrank/config.hpp"
#include "lowrank/rec/persist.hpp"
#include "lowrank/rec/registry.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>
#define LOWRANK_PERSIST_POSIX 1
#else
#define LOWRANK_PERSIST_POSIX 0
#endif

namespace lowrank::rec {
namespace detail {

/// Reaches the base's protected training data for load (pointer-to-member through a derived class is
/// the standard-conforming way; the base class header stays unchanged).
struct PersistAccess : Recommender {
  static std::shared_ptr<const Interactions::Csr>& seen(Recommender& r) { return r.*(&PersistAccess::m_seen); }
  static std::shared_ptr<const IdMap>& users(Recommender& r) { return r.*(&PersistAccess::m_users); }
  static std::shared_ptr<const IdMap>& items(Recommender& r) { return r.*(&PersistAccess::m_items); }
  static bool& fitted(Recommender& r) { return r.*(&PersistAccess::m_fitted); }
};

constexpr char kMagic[8] = {'L', 'R', 'K', 'M', 'O', 'D', 'E', 'L'};
constexpr std::uint32_t kEndianMarker = 0x01020304u;
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 8;

}  // namespace detail

LOWRANK_IMPL_INLINE Interactions::Csr BinaryReader::read_csr(const char* what) {
  const auto rows = read<std::int64_t>(what);
  const auto cols = read<std::int64_t>(what);
  const auto nnz = read<std::int64_t>(what);
  LOWRANK_CHECK(rows >= 0 && cols >= 0 && nnz >= 0 && rows < (std::int64_t(1) << 31) && cols < (std::int64_t(1) << 31) &&
                    nnz < (std::int64_t(1) << 31),
                corrupt, m_source, ": corrupt shape of ", what, " (", rows, "x", cols, ", ", nnz, " entries)");
  const std::uint64_t bytes = std::uint64_t(rows + 1) * sizeof(int) + std::uint64_t(nnz) * (sizeof(int) + sizeof(float));
  need(std::size_t(bytes), what);
  std::vector<int> outer(static_cast<std::size_t>(rows) + 1), inner(static_cast<std::size_t>(nnz));
  std::vector<float> values(static_cast<std::size_t>(nnz));
  read_bytes(outer.data(), outer.size() * sizeof(int), what);
  read_bytes(inner.data(), inner.size() * sizeof(int), what);
  read_bytes(values.data(), values.size() * sizeof(float), what);
  // Structure check before handing the arrays to Eigen (a bad index would be UB there).
  // The whole row pointer first: non-decreasing from 0 to nnz, so every p below indexes inside the arrays
  // (checking it row by row let one too-large pointer index past the end; found by tests/fuzz/fuzz_model).
  LOWRANK_CHECK(outer[0] == 0 && outer.back() == nnz, corrupt, m_source, ": ", what, " has a bad row pointer");
  for (std::int64_t r = 0; r < rows; ++r)
    LOWRANK_CHECK(outer[std::size_t(r)] <= outer[std::size_t(r) + 1], corrupt, m_source, ": ", what,
                  " row pointer decreases at row ", r);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (int p = outer[std::size_t(r)]; p < outer[std::size_t(r) + 1]; ++p) {
      LOWRANK_CHECK(inner[std::size_t(p)] >= 0 && inner[std::size_t(p)] < cols &&
                        (p == outer[std::size_t(r)] || inner[std::size_t(p)] > inner[std::size_t(p) - 1]),
                    corrupt, m_source, ": ", what, " has a bad column index in row ", r);
      LOWRANK_CHECK(std::isfinite(values[std::size_t(p)]), corrupt, m_source, ": ", what, " has a non-finite value");
    }
  }
  Interactions::Csr m(rows, cols);
  m.resizeNonZeros(Index(nnz));
  std::copy(outer.begin(), outer.end(), m.outerIndexPtr());
  std::copy(inner.begin(), inner.end(), m.innerIndexPtr());
  std::copy(values.begin(), values.end(), m.valuePtr());
  return m;
}

LOWRANK_IMPL_INLINE IdMap BinaryReader::read_idmap(const char* what) {
  const std::size_t n = read_count(8, what);  // every id costs at least its 8-byte length
  IdMap map;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string raw = read_string(what);
    LOWRANK_CHECK(!map.find(raw).has_value(), corrupt, m_source, ": ", what, " repeats id \"", raw, "\"");
    map.insert(raw);
  }
  return map;
}

LOWRANK_IMPL_INLINE std::vector<unsigned char> serialize(const Recommender& model) {
  // step 1 — header with a placeholder body length
  BinaryWriter w;
  w.write_bytes(detail::kMagic, 8);
  w.write<std::uint32_t>(kFormatVersion);
  w.write<std::uint32_t>(detail::kEndianMarker);
  w.write<std::uint64_t>(0);
  // step 2 — body: name, fitted flag, id maps, seen matrix, model state (hyper-parameters + payload)
  const std::size_t body_start = w.buffer().size();
  w.write_string(model.name());
  w.write<std::uint8_t>(model.is_fitted() ? 1 : 0);
  w.write_idmap(model.users());
  w.write_idmap(model.items());
  w.write_csr(model.seen());
  model.save_state(w);
  // step 3 — patch the body length, append the checksum over everything before it
  auto& buf = w.buffer();
  const std::uint64_t body = buf.size() - body_start;
  std::memcpy(buf.data() + 16, &body, 8);
  const std::uint64_t sum = detail::fnv1a64(buf.data(), buf.size());
  w.write<std::uint64_t>(sum);
  return std::move(w.buffer());
}

LOWRANK_IMPL_INLINE std::unique_ptr<Recommender> deserialize(const unsigned char* data, std::size_t size,
                                                             const std::string& source) {
  // step 1 — magic, version, endianness: a foreign or newer file is a version_mismatch
  LOWRANK_CHECK(size > 0 && data != nullptr && std::memcmp(data, detail::kMagic, std::min<std::size_t>(size, 8)) == 0,
                version_mismatch,
                source, ": not a lowrank model file (bad magic)");
  LOWRANK_CHECK(size >= detail::kHeaderBytes + 8, corrupt, source, ": truncated: ", size,
                " bytes, shorter than the header and checksum");
  std::uint32_t version, endian;
  std::uint64_t body;
  std::memcpy(&version, data + 8, 4);
  std::memcpy(&endian, data + 12, 4);
  std::memcpy(&body, data + 16, 8);
  LOWRANK_CHECK(version <= kFormatVersion && version >= 1, version_mismatch, source, ": format version ", version,
                " is not supported (this build reads 1..", kFormatVersion, ")");
  LOWRANK_CHECK(endian == detail::kEndianMarker, version_mismatch, source,
                ": written on a machine of other endianness (marker ", endian, ")");
  // step 2 — length, then the checksum over everything, before any parsing
  LOWRANK_CHECK(body <= size - detail::kHeaderBytes - 8, corrupt, source, ": truncated: the header announces ", body,
                " body bytes, the file holds ", size - detail::kHeaderBytes - 8);
  LOWRANK_CHECK(body == size - detail::kHeaderBytes - 8, corrupt, source, ": ", size - detail::kHeaderBytes - 8 - body,
                " unexpected trailing bytes (or a corrupt length field)");
  std::uint64_t stored;
  std::memcpy(&stored, data + size - 8, 8);
  LOWRANK_CHECK(detail::fnv1a64(data, size - 8) == stored, corrupt, source,
                ": checksum mismatch (the file is corrupt)");
  // step 3 — parse the body with the bounds-checked reader
  BinaryReader in(data + detail::kHeaderBytes, std::size_t(body), source, version);
  const std::string name = in.read_string("model name");
  std::unique_ptr<Recommender> model;
  try {
    model = make_recommender(name, {});
  } catch (const Error&) {
    throw Error(Errc::corrupt, source + ": unknown model name \"" + name + "\"");
  }
  const bool fitted = in.read<std::uint8_t>("fitted flag") != 0;
  auto users = std::make_shared<IdMap>(in.read_idmap("user ids"));
  auto items = std::make_shared<IdMap>(in.read_idmap("item ids"));
  Interactions::Csr seen = in.read_csr("seen matrix");
  if (fitted)
    LOWRANK_CHECK(seen.rows() == users->size() && seen.cols() == items->size(), corrupt, source, ": seen matrix ",
                  seen.rows(), "x", seen.cols(), " does not match ", users->size(), " users and ", items->size(),
                  " items");
  detail::PersistAccess::seen(*model) = detail::share_matrix(seen);
  detail::PersistAccess::users(*model) = std::move(users);
  detail::PersistAccess::items(*model) = std::move(items);
  detail::PersistAccess::fitted(*model) = fitted;
  model->load_state(in);
  LOWRANK_CHECK(in.remaining() == 0, corrupt, source, ": ", in.remaining(), " unread bytes after the ", name,
                " state");
  return model;
}

LOWRANK_IMPL_INLINE void save(const Recommender& model, const std::filesystem::path& path) {
  const std::vector<unsigned char> bytes = serialize(model);
  // Temp file beside the target (same file system, so rename is atomic), random suffix.
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06x", unsigned(rd()) & 0xffffffu);
  std::filesystem::path tmp = path;
  tmp += std::string(".tmp-") + suffix;
#if LOWRANK_PERSIST_POSIX
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  LOWRANK_CHECK(fd >= 0, io, "save: cannot create ", tmp.string(), ": ", std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      std::filesystem::remove(tmp);
      throw Error(Errc::io, "save: write to " + tmp.string() + " failed: " + std::strerror(err));
    }
    done += std::size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    std::filesystem::remove(tmp);
    throw Error(Errc::io, "save: flushing " + tmp.string() + " failed: " + std::strerror(err));
  }
#else
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    LOWRANK_CHECK(f.good(), io, "save: cannot create ", tmp.string());
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    f.flush();
    LOWRANK_CHECK(f.good(), io, "save: write to ", tmp.string(), " failed");
  }
#endif
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw Error(Errc::io, "save: cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
  }
#if LOWRANK_PERSIST_POSIX
  // Make the rename itself durable: fsync the directory (best effort).
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
#endif
}

LOWRANK_IMPL_INLINE std::unique_ptr<Recommender> load(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  LOWRANK_CHECK(f.good(), io, "load: cannot open ", path.string());
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  LOWRANK_CHECK(!f.bad(), io, "load: read error in ", path.string());
  return deserialize(bytes.data(), bytes.size(), path.string());
}

}  // namespace lowrank::rec
