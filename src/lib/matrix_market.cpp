// Matrix Market reader/writer and the file helpers shared by the loaders (gzip, atomic writes).
#include "lowrank/matrix_market.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#if LOWRANK_HAVE_ZLIB
#include <zlib.h>
#endif

namespace lowrank {

std::string read_file_maybe_gz(const std::filesystem::path& path) {
  const std::string name = path.string();
  const bool gz = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
  if (gz) {
#if LOWRANK_HAVE_ZLIB
    gzFile f = gzopen(name.c_str(), "rb");
    LOWRANK_CHECK(f != nullptr, io, name, ": cannot open (", std::strerror(errno), ")");
    gzbuffer(f, 1 << 17);
    std::string out;
    std::vector<char> buf(1 << 20);
    for (;;) {
      const int got = gzread(f, buf.data(), unsigned(buf.size()));
      if (got < 0) {
        int code = 0;
        const std::string msg = gzerror(f, &code);
        gzclose(f);
        throw Error(Errc::io, name + ": gzip read error: " + msg);
      }
      if (got == 0) break;
      out.append(buf.data(), std::size_t(got));
    }
    gzclose(f);
    return out;
#else
    throw Error(Errc::io, name + ": .gz input needs zlib, and this build of lowrank has none");
#endif
  }
  std::ifstream in(path, std::ios::binary);
  LOWRANK_CHECK(in.good(), io, name, ": cannot open (", std::strerror(errno), ")");
  std::string out;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  LOWRANK_CHECK(size >= 0, io, name, ": cannot determine the file size");
  out.resize(std::size_t(size));
  in.seekg(0);
  in.read(out.data(), size);
  LOWRANK_CHECK(in.good() || in.eof(), io, name, ": read error");
  return out;
}

void write_file_atomic(const std::filesystem::path& path, const std::string& bytes) {
  // A unique temporary name beside the target, so rename() stays on one file system.
  std::random_device rd;
  const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(rd()) + "-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  LOWRANK_CHECK(fd >= 0, io, path.string(), ": cannot create temporary file ", tmp.string(), " (",
                std::strerror(errno), ")");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      std::filesystem::remove(tmp);
      throw Error(Errc::io, path.string() + ": write failed (" + why + ")");
    }
    done += std::size_t(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    std::filesystem::remove(tmp);
    throw Error(Errc::io, path.string() + ": flush failed (" + why + ")");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw Error(Errc::io, path.string() + ": rename failed (" + ec.message() + ")");
  }
}

namespace {

struct LineCursor {
  const std::string& text;
  const std::string& name;
  std::size_t pos = 0;
  std::int64_t line = 0;
  std::size_t line_start = 0, line_end = 0;

  // Next line (CR/LF stripped); false at end.
  bool next() {
    if (pos >= text.size()) return false;
    line_start = pos;
    const std::size_t nl = text.find('\n', pos);
    line_end = nl == std::string::npos ? text.size() : nl;
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line_end > line_start && text[line_end - 1] == '\r') --line_end;
    ++line;
    return true;
  }
  std::string_view view() const { return std::string_view(text).substr(line_start, line_end - line_start); }
  [[noreturn]] void fail(std::size_t col, const std::string& what) const {
    const std::string token(view().substr(std::min(col, view().size()), 40));
    throw Error(Errc::parse, name + ":" + std::to_string(line) + ":" + std::to_string(col + 1) + ": " + what +
                                 ", got \"" + token + "\"");
  }
};

bool blank_or_comment(std::string_view s) {
  for (char c : s) {
    if (c == '%') return true;
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

// Reads whitespace-separated fields from the current line.
struct FieldReader {
  const LineCursor& cur;
  std::size_t i = 0;
  void skip_ws() {
    const auto s = cur.view();
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  std::int64_t integer(const char* what) {
    skip_ws();
    const auto s = cur.view();
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
    if (ec != std::errc() || (p != s.data() + s.size() && *p != ' ' && *p != '\t'))
      cur.fail(i, std::string("expected an integer ") + what);
    i = std::size_t(p - s.data());
    return v;
  }
  double real(const char* what) {
    skip_ws();
    const auto s = cur.view();
    std::size_t end = i;
    while (end < s.size() && s[end] != ' ' && s[end] != '\t') ++end;
    if (end == i) cur.fail(i, std::string("expected a number ") + what);
    const std::string tok(s.substr(i, end - i));
    char* stop = nullptr;
    errno = 0;
    const double v = std::strtod(tok.c_str(), &stop);
    if (stop != tok.c_str() + tok.size()) cur.fail(i, std::string("expected a number ") + what);
    if (!std::isfinite(v)) cur.fail(i, std::string("non-finite ") + what);
    i = end;
    return v;
  }
  void expect_end() {
    skip_ws();
    if (i < cur.view().size()) cur.fail(i, "unexpected extra field");
  }
};

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

MatrixMarketData parse_matrix_market(const std::string& text, const std::string& name, std::int64_t max_entries) {
  LineCursor cur{text, name};
  if (!cur.next()) throw Error(Errc::parse, name + ":1:1: empty file, expected a %%MatrixMarket banner");
  MatrixMarketData out;
  out.header = std::string(cur.view());
  std::istringstream banner{std::string(cur.view())};
  std::string tag, object, format, field, symmetry;
  banner >> tag >> object >> format >> field >> symmetry;
  if (tag != "%%MatrixMarket") cur.fail(0, "expected the %%MatrixMarket banner");
  object = lower(object), format = lower(format), field = lower(field), symmetry = lower(symmetry);
  if (object != "matrix") cur.fail(0, "only 'matrix' objects are supported");
  if (format != "coordinate" && format != "array") cur.fail(0, "format must be coordinate or array");
  if (field != "real" && field != "integer" && field != "pattern" && field != "double")
    cur.fail(0, "field must be real, integer or pattern (complex is not supported)");
  if (symmetry != "general" && symmetry != "symmetric" && symmetry != "skew-symmetric")
    cur.fail(0, "symmetry must be general, symmetric or skew-symmetric");
  const bool pattern = field == "pattern";
  const bool symmetric = symmetry != "general";
  const double mirror_sign = symmetry == "skew-symmetric" ? -1.0 : 1.0;
  if (pattern && format == "array") cur.fail(0, "a pattern matrix must be in coordinate format");

  do {
    if (!cur.next()) throw Error(Errc::parse, name + ":" + std::to_string(cur.line + 1) + ":1: missing size line");
  } while (blank_or_comment(cur.view()));
  FieldReader size{cur};
  const std::int64_t m = size.integer("row count"), n = size.integer("column count");
  if (m <= 0 || n <= 0) cur.fail(0, "matrix dimensions must be positive");
  if (m > std::numeric_limits<int>::max() || n > std::numeric_limits<int>::max()) cur.fail(0, "dimension too large");

  if (format == "array") {
    size.expect_end();
    LOWRANK_CHECK(m <= max_entries / n, resource_limit, name, ": a ", m, "×", n, " dense matrix exceeds the limit of ",
                  max_entries, " entries");
    if (symmetric && m != n) cur.fail(0, "a symmetric matrix must be square");
    out.is_dense = true;
    out.dense.setZero(m, n);
    // Column-major order; symmetric files list the lower triangle only.
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t i = symmetric ? j : 0; i < m; ++i) {
        do {
          if (!cur.next())
            throw Error(Errc::parse, name + ":" + std::to_string(cur.line + 1) + ":1: expected " +
                                         std::to_string(m * n) + " values, file ended early");
        } while (blank_or_comment(cur.view()));
        FieldReader f{cur};
        const double v = f.real("value");
        f.expect_end();
        out.dense(i, j) = v;
        if (symmetric && i != j) out.dense(j, i) = mirror_sign * v;
      }
    return out;
  }

  const std::int64_t nnz = size.integer("entry count");
  size.expect_end();
  // Found by fuzzing: a non-square "symmetric" file mirrored entries out of range.
  if (symmetric && m != n) cur.fail(0, "a symmetric matrix must be square");
  if (nnz < 0) cur.fail(0, "entry count must be >= 0");
  LOWRANK_CHECK(nnz <= max_entries / (symmetric ? 2 : 1), resource_limit, name, ": ", nnz,
                " entries exceed the limit of ", max_entries);
  // Found by fuzzing: a 4×444444443 file with one entry made the sparse assembly allocate an index per
  // column (1.7 GB). The row and column index arrays count against the same budget as the entries.
  LOWRANK_CHECK(m + n <= max_entries, resource_limit, name, ": a ", m, "×", n,
                " sparse matrix needs index arrays of ", m + n, " entries, over the limit of ", max_entries);
  std::vector<Eigen::Triplet<double, int>> triplets;
  triplets.reserve(std::size_t(std::min<std::int64_t>(nnz, std::int64_t(text.size() / 4 + 1))) * (symmetric ? 2 : 1));
  for (std::int64_t e = 0; e < nnz; ++e) {
    do {
      if (!cur.next())
        throw Error(Errc::parse, name + ":" + std::to_string(cur.line + 1) + ":1: expected " + std::to_string(nnz) +
                                     " entries, found " + std::to_string(e));
    } while (blank_or_comment(cur.view()));
    FieldReader f{cur};
    const std::int64_t i = f.integer("row index"), j = f.integer("column index");
    if (i < 1 || i > m) cur.fail(0, "row index out of range [1, " + std::to_string(m) + "]");
    if (j < 1 || j > n) cur.fail(0, "column index out of range [1, " + std::to_string(n) + "]");
    const double v = pattern ? 1.0 : f.real("value");
    f.expect_end();
    triplets.emplace_back(int(i - 1), int(j - 1), v);
    if (symmetric && i != j) triplets.emplace_back(int(j - 1), int(i - 1), mirror_sign * v);
  }
  while (cur.next())
    if (!blank_or_comment(cur.view())) cur.fail(0, "unexpected data after the declared " + std::to_string(nnz) + " entries");
  out.sparse.resize(Index(m), Index(n));
  out.sparse.setFromTriplets(triplets.begin(), triplets.end());  // duplicates are summed
  return out;
}

MatrixMarketData read_matrix_market(const std::filesystem::path& path, std::int64_t max_entries) {
  return parse_matrix_market(read_file_maybe_gz(path), path.string(), max_entries);
}

void write_matrix_market(const std::filesystem::path& path, const Eigen::MatrixXd& A) {
  std::string out = "%%MatrixMarket matrix array real general\n";
  out += std::to_string(A.rows()) + " " + std::to_string(A.cols()) + "\n";
  char buf[64];
  for (Index j = 0; j < A.cols(); ++j)
    for (Index i = 0; i < A.rows(); ++i) {
      const int len = std::snprintf(buf, sizeof buf, "%.17g\n", A(i, j));
      out.append(buf, std::size_t(len));
    }
  write_file_atomic(path, out);
}

}  // namespace lowrank
