#pragma once
/// \file error.hpp  lowrank::Error, its codes, and the boundary checks.
///
/// Policy (STYLE C9): caller errors and malformed files throw `Error` whose message starts with the
/// function (or path:line:col) and says what and where; numerical outcomes (no convergence) are
/// reported in `SvdInfo`, never thrown; internal invariants use the debug-only `LOWRANK_ASSERT`.
#include <cassert>
#include <sstream>
#include <stdexcept>
#include <string>

namespace lowrank {

/// What kind of failure an `Error` reports, so callers (and tests) can branch on it.
enum class Errc {
  invalid_argument,  ///< bad option value, rank out of range, unknown name
  shape_mismatch,    ///< empty or mismatched dimensions
  non_finite,        ///< NaN or Inf in an input, or produced by a matrix-free operator
  parse,             ///< malformed file: the message holds path:line:col and the offending text
  io,                ///< a file could not be opened, read or written
  unknown_id,        ///< a user or item id the model or data set does not know
  corrupt,           ///< a persisted model failed its checksum or is truncated
  version_mismatch,  ///< a persisted model has a wrong magic, newer format version or scalar type
  numerical,         ///< a model's fit produced non-finite factors
  resource_limit,    ///< a size computation overflows or exceeds the memory budget
  cancelled,         ///< the progress callback asked to stop
};

/// Name of an error code, e.g. "non_finite".
inline const char* errc_name(Errc c) noexcept {
  switch (c) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::shape_mismatch: return "shape_mismatch";
    case Errc::non_finite: return "non_finite";
    case Errc::parse: return "parse";
    case Errc::io: return "io";
    case Errc::unknown_id: return "unknown_id";
    case Errc::corrupt: return "corrupt";
    case Errc::version_mismatch: return "version_mismatch";
    case Errc::numerical: return "numerical";
    case Errc::resource_limit: return "resource_limit";
    case Errc::cancelled: return "cancelled";
  }
  return "unknown";
}

/// The one exception type lowrank throws for caller errors and bad files.
class Error : public std::runtime_error {
 public:
  /// An error of category `code`; `message` is what what() returns.
  Error(Errc code, const std::string& message) : std::runtime_error(message), m_code(code) {}
  /// The error's category.
  Errc code() const noexcept { return m_code; }

 private:
  Errc m_code;
};

namespace detail {
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace lowrank

/// Always-on boundary check: `LOWRANK_CHECK(k >= 1, invalid_argument, "lanczos_svd: rank ", k, " < 1")`.
#define LOWRANK_CHECK(cond, errc, ...)                                                       \
  do {                                                                                       \
    if (!(cond)) throw ::lowrank::Error(::lowrank::Errc::errc, ::lowrank::detail::concat(__VA_ARGS__)); \
  } while (0)

/// Debug-only internal invariant (Eigen's eigen_assert role).
#define LOWRANK_ASSERT(cond) assert(cond)
