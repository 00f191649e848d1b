#pragma once
/// \file rec/impl/io_impl.hpp  Streaming loaders (compiled once in src/lib/rec_core.cpp, or inline in
/// header-only mode, where .gz input is unavailable because zlib is linked only into the library).
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lowrank/config.hpp"
#include "lowrank/rec/impl/assemble.hpp"
#include "lowrank/rec/io.hpp"

#if LOWRANK_HAVE_ZLIB
#include <zlib.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#endif

namespace lowrank::rec {
namespace detail {

#if LOWRANK_HAVE_ZLIB
/// Inflates a gzip stream on a second thread, two 4 MiB blocks ahead of the parser: inflating costs
/// about as much as parsing, so on two cores the load takes the longer of the two, not their sum.
/// Errors of the inflating thread are rethrown by read().
class GzipReadAhead {
 public:
  GzipReadAhead(gzFile gz, std::string name) : m_gz(gz), m_name(std::move(name)) {
    for (auto& b : m_blocks) b.data.resize(kBlock);
    m_thread = std::thread([this] { produce(); });
  }
  GzipReadAhead(const GzipReadAhead&) = delete;
  GzipReadAhead& operator=(const GzipReadAhead&) = delete;
  ~GzipReadAhead() {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stop = true;
    }
    m_changed.notify_all();
    m_thread.join();
  }
  /// Up to n bytes into buf; 0 at the end.
  std::size_t read(char* buf, std::size_t n) {
    if (m_end) {
      if (m_blocks[m_current].error) std::rethrow_exception(m_blocks[m_current].error);
      return 0;
    }
    Block* b = &m_blocks[m_current];
    if (!m_holding || m_pos == b->size) {
      std::unique_lock<std::mutex> lock(m_mutex);
      if (m_holding) {  // hand the drained block back and move to the other one
        b->full = false;
        m_current ^= 1;
        b = &m_blocks[m_current];
        m_changed.notify_all();
      }
      m_changed.wait(lock, [&] { return b->full; });
      m_holding = true;
      m_pos = 0;
      if (b->size == 0) m_end = true;  // end or error: the producer has stopped, never wait again
      if (b->error) std::rethrow_exception(b->error);
      if (m_end) return 0;
    }
    const std::size_t got = std::min(n, b->size - m_pos);
    std::memcpy(buf, b->data.data() + m_pos, got);
    m_pos += got;
    return got;
  }

 private:
  static constexpr std::size_t kBlock = std::size_t(4) << 20;
  struct Block {
    std::vector<char> data;
    std::size_t size = 0;
    bool full = false;
    std::exception_ptr error;
  };
  void produce() {
    try {
      produce_blocks();
    } catch (...) {  // e.g. bad_alloc building a message: hand it to the reader instead of terminating
      std::lock_guard<std::mutex> lock(m_mutex);
      for (auto& b : m_blocks)
        if (!b.full) b.size = 0, b.error = std::current_exception(), b.full = true;
      m_changed.notify_all();
    }
  }
  void produce_blocks() {
    for (int at = 0;; at ^= 1) {
      Block& b = m_blocks[at];
      {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_changed.wait(lock, [&] { return m_stop || !b.full; });
        if (m_stop) return;
      }
      std::size_t size = 0;
      std::exception_ptr error;
      const int got = gzread(m_gz, b.data.data(), unsigned(kBlock));
      if (got < 0) {
        int code = 0;
        error = std::make_exception_ptr(Error(Errc::io, m_name + ": gzip read error: " + gzerror(m_gz, &code)));
      } else {
        size = std::size_t(got);
        int code = Z_OK;
        gzerror(m_gz, &code);
        if (got == 0 && code == Z_BUF_ERROR)  // gzread reports a cut-off stream as a short, clean end
          error = std::make_exception_ptr(
              Error(Errc::io, m_name + ": the gzip stream is truncated (unexpected end of file)"));
      }
      {
        std::lock_guard<std::mutex> lock(m_mutex);
        b.size = size;
        b.error = error;
        b.full = true;
      }
      m_changed.notify_all();
      if (size == 0) return;  // end of input, or an error: the reader sees it and stops asking
    }
  }
  gzFile m_gz;
  std::string m_name;
  Block m_blocks[2];
  int m_current = 0;
  bool m_holding = false, m_end = false, m_stop = false;
  std::size_t m_pos = 0;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::thread m_thread;
};
#endif

/// Reads a plain or gzip file in chunks.
class ChunkReader {
 public:
  explicit ChunkReader(const std::filesystem::path& path) : m_name(path.string()) {
    const bool gz = m_name.size() > 3 && m_name.compare(m_name.size() - 3, 3, ".gz") == 0;
    if (gz) {
#if LOWRANK_HAVE_ZLIB
      m_gz = gzopen(m_name.c_str(), "rb");
      LOWRANK_CHECK(m_gz != nullptr, io, m_name, ": cannot open (", std::strerror(errno), ")");
      gzbuffer(m_gz, 1 << 18);
      try {
        m_ahead = std::make_unique<GzipReadAhead>(m_gz, m_name);
      } catch (...) {  // the destructor does not run for a throwing constructor
        gzclose(m_gz);
        throw;
      }
#else
      throw Error(Errc::io, m_name + ": .gz input needs zlib, and this build of lowrank has none");
#endif
    } else {
      m_file = std::fopen(m_name.c_str(), "rb");
      LOWRANK_CHECK(m_file != nullptr, io, m_name, ": cannot open (", std::strerror(errno), ")");
    }
  }
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;
  ~ChunkReader() {
    if (m_file) std::fclose(m_file);
#if LOWRANK_HAVE_ZLIB
    m_ahead.reset();  // joins the inflating thread before the stream closes
    if (m_gz) gzclose(m_gz);
#endif
  }
  /// Up to n bytes into buf; 0 at the end.
  std::size_t read(char* buf, std::size_t n) {
#if LOWRANK_HAVE_ZLIB
    if (m_ahead) return m_ahead->read(buf, n);
#endif
    const std::size_t got = std::fread(buf, 1, n, m_file);
    LOWRANK_CHECK(got == n || !std::ferror(m_file), io, m_name, ": read error");
    return got;
  }
  /// A good first buffer size: the whole of a small plain file (+1 to see its end in one read), at most
  /// `cap`; `cap` for compressed input, whose size is unknown.
  std::size_t buffer_size(std::size_t cap) const {
    if (!m_file) return cap;
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(m_name, ec);
    return ec ? cap : std::max<std::size_t>(4096, std::min<std::size_t>(cap, std::size_t(bytes) + 1));
  }

 private:
  std::string m_name;
  std::FILE* m_file = nullptr;
#if LOWRANK_HAVE_ZLIB
  gzFile m_gz = nullptr;
  std::unique_ptr<GzipReadAhead> m_ahead;
#endif
};

/// Calls `on_line(line, number)` for every line (CR stripped, BOM removed from line 1), streaming.
template <class F>
void for_each_line(const std::filesystem::path& path, F&& on_line) {
  ChunkReader in(path);
  // 8 MiB chunks for big files; a small file gets a buffer its size (loading many small files, fuzzing).
  std::vector<char> buf(in.buffer_size(std::size_t(8) << 20));
  std::size_t have = 0;  // bytes carried over (an unfinished line)
  std::int64_t number = 0;
  bool eof = false;
  while (!eof) {
    if (have == buf.size()) buf.resize(buf.size() * 2);  // a line longer than the buffer
    const std::size_t got = in.read(buf.data() + have, buf.size() - have);
    eof = got == 0;
    const std::size_t end = have + got;
    const char* p = buf.data();
    const char* stop = buf.data() + end;
    for (;;) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', std::size_t(stop - p)));
      if (!nl) {
        if (eof && p < stop) nl = stop;  // the last line has no newline
        else break;
      }
      const char* e = nl;
      if (e > p && e[-1] == '\r') --e;
      ++number;
      std::string_view line(p, std::size_t(e - p));
      if (number == 1 && line.size() >= 3 && std::memcmp(line.data(), "\xEF\xBB\xBF", 3) == 0) line.remove_prefix(3);
      on_line(line, number);
      p = nl == stop ? stop : nl + 1;
    }
    have = std::size_t(stop - p);
    std::memmove(buf.data(), p, have);
  }
}

/// Raw id → dense index, with a direct table for canonical non-negative integers (no std::string
/// per lookup); everything else goes through the IdMap. The table grows only while its size stays
/// within 64 slots per distinct id seen (plus 64 Ki), so a stray large id in a small file costs a map
/// entry, not a 128 MiB table (found by tests/fuzz/fuzz_loader).
class IdCache {
 public:
  Index get(std::string_view tok) {
    if (!tok.empty() && tok.size() <= 9 && (tok[0] != '0' || tok.size() == 1)) {
      std::uint32_t v = 0;
      auto [q, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
      const std::size_t budget = 64 * (std::size_t(map.size()) + 1024);
      if (ec == std::errc() && q == tok.data() + tok.size() && v < (1u << 24) &&
          (v < m_table.size() || v < budget)) {
        if (v >= m_table.size())
          m_table.resize(std::min(std::max<std::size_t>(v + 1, m_table.size() * 2), budget), -1);
        Index& slot = m_table[v];
        if (slot < 0) slot = map.insert(tok);
        return slot;
      }
    }
    return map.insert(tok);
  }
  IdMap map;

 private:
  std::vector<Index> m_table;
};

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || (s.front() == '\t'))) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct ParseSpec {
  std::string delimiter;  // one or two characters ("::")
  bool header = false;
  int user = 0, item = 1, rating = 2, timestamp = 3;
  double min_rating = -std::numeric_limits<double>::infinity();
  bool binarize = false;
  bool exact = false;
};

inline std::string describe_delimiter(const std::string& d) {
  if (d == "\t") return "tab";
  return "'" + d + "'";
}

/// The loader proper: fields by position, strict numbers, errors with path:line:column.
inline TripletColumns parse_interactions(const std::filesystem::path& path, const ParseSpec& spec, IdMap& users_out,
                                         IdMap& items_out) {
  const std::string name = path.string();
  const int last = std::max({spec.user, spec.item, spec.rating, spec.timestamp});
  IdCache users, items;
  TripletColumns rows(spec.timestamp >= 0);
  bool header_pending = spec.header;
  std::vector<std::string_view> fields(static_cast<std::size_t>(last) + 1);
  std::vector<std::size_t> starts(static_cast<std::size_t>(last) + 1);
  const std::size_t dlen = spec.delimiter.size();
  const char d0 = spec.delimiter[0];
  const char d1 = dlen > 1 ? spec.delimiter[1] : '\0';

  for_each_line(path, [&](std::string_view line, std::int64_t number) {
    auto fail = [&](std::size_t col, const std::string& what, std::string_view got) {
      std::string token(got.substr(0, 60));
      throw Error(Errc::parse, name + ":" + std::to_string(number) + ":" + std::to_string(col + 1) + ": expected " +
                                   what + ", got \"" + token + "\"");
    };
    // blank and comment lines
    std::size_t first = 0;
    while (first < line.size() && (line[first] == ' ' || line[first] == '\t')) ++first;
    if (first == line.size() || line[first] == '#') return;
    if (header_pending) {
      header_pending = false;
      return;
    }
    // step 1 — split the fields we need
    std::size_t pos = 0;
    int f = 0;
    for (; f <= last; ++f) {
      const char* b = line.data() + pos;
      const char* e = line.data() + line.size();
      const char* hit;
      hit = static_cast<const char*>(std::memchr(b, d0, std::size_t(e - b)));
      if (dlen == 2)  // "::" — memchr for the first character, then check the second
        while (hit && (hit + 1 == e || hit[1] != d1))
          hit = static_cast<const char*>(std::memchr(hit + 1, d0, std::size_t(e - hit - 1)));
      const std::size_t fend = hit ? std::size_t(hit - line.data()) : line.size();
      starts[std::size_t(f)] = pos;
      fields[std::size_t(f)] = trim(line.substr(pos, fend - pos));
      if (!hit) {
        ++f;
        pos = line.size() + 1;  // no more fields
        break;
      }
      pos = fend + dlen;
    }
    auto role = [&](int c) -> const char* {
      if (c == spec.user) return "a user id";
      if (c == spec.item) return "an item id";
      if (c == spec.rating) return "a rating";
      if (c == spec.timestamp) return "a timestamp";
      return "a field";
    };
    if (f <= last)
      fail(line.size(),
           std::to_string(last + 1) + " fields separated by " + describe_delimiter(spec.delimiter) + " (" +
               role(f) + " in field " + std::to_string(f + 1) + ")",
           line);
    if (spec.exact && pos <= line.size()) fail(pos, "end of line after " + std::to_string(last + 1) + " fields", line.substr(pos));
    // step 2 — numbers first (a filtered line must not add ids)
    float value = 1;
    if (spec.rating >= 0) {
      const std::string_view t = fields[std::size_t(spec.rating)];
      double v = 0;
      auto [q, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (t.empty() || ec != std::errc() || q != t.data() + t.size() || !std::isfinite(v))
        fail(starts[std::size_t(spec.rating)], "a finite number (rating)", t);
      if (std::abs(v) > double(std::numeric_limits<float>::max()))  // stored as float: would be Inf
        fail(starts[std::size_t(spec.rating)], "a rating within the float range (|r| <= 3.4e38)", t);
      if (v < spec.min_rating) return;
      value = spec.binarize ? 1.0f : float(v);
    }
    std::int64_t ts = 0;
    if (spec.timestamp >= 0) {
      const std::string_view t = fields[std::size_t(spec.timestamp)];
      auto [q, ec] = std::from_chars(t.data(), t.data() + t.size(), ts);
      if (t.empty() || ec != std::errc() || q != t.data() + t.size())
        fail(starts[std::size_t(spec.timestamp)], "an integer timestamp", t);
    }
    const std::string_view ut = fields[std::size_t(spec.user)], it = fields[std::size_t(spec.item)];
    if (ut.empty()) fail(starts[std::size_t(spec.user)], "a user id", ut);
    if (it.empty()) fail(starts[std::size_t(spec.item)], "an item id", it);
    const Index u = users.get(ut), i = items.get(it);
    LOWRANK_CHECK(u < std::numeric_limits<int>::max() && i < std::numeric_limits<int>::max(), resource_limit, name,
                  ":", number, ": more than 2^31 - 1 distinct user or item ids");
    rows.push(int(u), int(i), value, ts);
  });
  users_out = std::move(users.map);
  items_out = std::move(items.map);
  return rows;
}

inline Interactions load_with(const std::filesystem::path& path, const ParseSpec& spec, Duplicates dup, int min_user,
                              int min_item) {
  IdMap users, items;
  TripletColumns rows = parse_interactions(path, spec, users, items);  // fills the maps: a statement of its own
  Interactions data = assemble_interactions(std::move(rows), std::move(users), std::move(items), dup);
  if (min_user > 1 || min_item > 1) data = k_core(data, min_user, min_item);
  return data;
}

}  // namespace detail

LOWRANK_IMPL_INLINE Interactions load_csv(const std::filesystem::path& path, const CsvOptions& o) {
  LOWRANK_CHECK(o.user_column >= 0 && o.item_column >= 0 && o.user_column != o.item_column, invalid_argument,
                "load_csv: user_column ", o.user_column, " and item_column ", o.item_column,
                " must be distinct and >= 0");
  LOWRANK_CHECK(o.rating_column >= -1 && o.timestamp_column >= -1, invalid_argument,
                "load_csv: rating_column and timestamp_column must be >= 0, or -1 for none");
  LOWRANK_CHECK(o.delimiter != '\n' && o.delimiter != '\r' && o.delimiter != '\0', invalid_argument,
                "load_csv: the delimiter cannot be a line end or NUL");
  LOWRANK_CHECK(!std::isnan(o.min_rating), invalid_argument, "load_csv: min_rating is NaN");
  LOWRANK_CHECK(o.min_user_interactions >= 0 && o.min_item_interactions >= 0, invalid_argument,
                "load_csv: k-core thresholds must be >= 0");
  detail::ParseSpec s;
  s.delimiter = std::string(1, o.delimiter);
  s.header = o.header;
  s.user = o.user_column, s.item = o.item_column, s.rating = o.rating_column, s.timestamp = o.timestamp_column;
  s.min_rating = o.min_rating;
  s.binarize = o.binarize;
  s.exact = o.exact_fields;
  return detail::load_with(path, s, o.duplicates, o.min_user_interactions, o.min_item_interactions);
}

LOWRANK_IMPL_INLINE Interactions load_movielens(const std::filesystem::path& path) {
  // step 1 — detect the layout from the first data line
  std::string first;
  std::int64_t first_number = 0;
  try {
    detail::for_each_line(path, [&](std::string_view line, std::int64_t number) {
      std::size_t i = 0;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i == line.size() || line[i] == '#') return;
      first = std::string(line);
      first_number = number;
      throw 0;  // stop after the first data line
    });
  } catch (int) {
  }
  const std::string name = path.string();
  LOWRANK_CHECK(!first.empty(), parse, name, ":1:1: expected MovieLens ratings, got an empty file");
  detail::ParseSpec s;
  s.exact = true;
  if (first.find("::") != std::string::npos) {
    s.delimiter = "::";  // ML-1M / ML-10M ratings.dat
  } else if (first.find('\t') != std::string::npos) {
    s.delimiter = "\t";  // ML-100K u.data
  } else if (first.find(',') != std::string::npos) {
    s.delimiter = ",";   // ML-latest ratings.csv
    s.header = first.compare(0, 6, "userId") == 0 || !(first[0] >= '0' && first[0] <= '9');
  } else {
    throw Error(Errc::parse, name + ":" + std::to_string(first_number) +
                                 ":1: expected MovieLens ratings (user item rating timestamp separated by a tab, "
                                 "'::' or ','), got \"" + first.substr(0, 60) + "\"");
  }
  // step 2 — parse; MovieLens files hold no duplicates, "last" would keep the newest if one did
  return detail::load_with(path, s, Duplicates::last, 0, 0);
}

LOWRANK_IMPL_INLINE Interactions k_core(const Interactions& data, int min_user, int min_item) {
  LOWRANK_CHECK(min_user >= 0 && min_item >= 0, invalid_argument, "k_core: thresholds must be >= 0");
  const auto& m = data.matrix();
  const Index nu = data.num_users(), ni = data.num_items();
  std::vector<char> user_alive(static_cast<std::size_t>(nu), 1), item_alive(static_cast<std::size_t>(ni), 1);
  // Every pass removes at least one user or item, so nu + ni passes bound the loop.
  for (Index pass = 0; pass <= nu + ni; ++pass) {
    std::vector<Index> ucount(static_cast<std::size_t>(nu), 0), icount(static_cast<std::size_t>(ni), 0);
    for (Index u = 0; u < nu; ++u) {
      if (!user_alive[std::size_t(u)]) continue;
      for (int e = m.outerIndexPtr()[u]; e < m.outerIndexPtr()[u + 1]; ++e) {
        const int i = m.innerIndexPtr()[e];
        if (!item_alive[std::size_t(i)]) continue;
        ++ucount[std::size_t(u)];
        ++icount[std::size_t(i)];
      }
    }
    bool changed = false;
    for (Index u = 0; u < nu; ++u)
      if (user_alive[std::size_t(u)] && ucount[std::size_t(u)] < std::max(min_user, 1)) user_alive[std::size_t(u)] = 0, changed = true;
    for (Index i = 0; i < ni; ++i)
      if (item_alive[std::size_t(i)] && icount[std::size_t(i)] < std::max(min_item, 1)) item_alive[std::size_t(i)] = 0, changed = true;
    if (!changed) break;
  }
  // compact the maps (order kept) and rebuild
  IdMap users, items;
  std::vector<Index> unew(static_cast<std::size_t>(nu), -1), inew(static_cast<std::size_t>(ni), -1);
  for (Index u = 0; u < nu; ++u)
    if (user_alive[std::size_t(u)]) unew[std::size_t(u)] = users.insert(data.users().raw(u));
  for (Index i = 0; i < ni; ++i)
    if (item_alive[std::size_t(i)]) inew[std::size_t(i)] = items.insert(data.items().raw(i));
  std::vector<Interaction> rows;
  for (const auto& r : data.to_list())
    if (unew[std::size_t(r.user)] >= 0 && inew[std::size_t(r.item)] >= 0)
      rows.push_back({unew[std::size_t(r.user)], inew[std::size_t(r.item)], r.value, r.timestamp});
  return Interactions::from_interactions(std::move(rows), std::move(users), std::move(items));
}

}  // namespace lowrank::rec
