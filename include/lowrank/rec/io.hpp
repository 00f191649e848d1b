#pragma once
/// \file rec/io.hpp  Interaction loaders: MovieLens (auto-detected) and delimited text with column roles.
///
/// Parsing streams the file in 8 MiB chunks and parses each line in place (std::from_chars, no per-line
/// std::string, integer ids looked up through a direct table before the IdMap), so memory is the
/// interactions themselves and speed is several million lines per second. Files whose name ends in
/// `.gz` are inflated on the fly through zlib when the library was built with it (LOWRANK_HAVE_ZLIB);
/// otherwise a `.gz` path throws Errc::io saying so.
///
/// Tolerated everywhere: CRLF line ends, a UTF-8 byte-order mark, blank lines, and comment lines whose
/// first non-blank character is '#'. Fields are trimmed of spaces. Malformed input throws
/// `Error(Errc::parse, "path:line:column: expected <what>, got \"<text>\"")` (column is 1-based, in bytes).
///
/// Duplicate (user, item) pairs are merged by CsvOptions::duplicates (rec::Duplicates: sum — values
/// added, latest timestamp kept; last — value of the latest timestamp, file order breaking ties; max —
/// the largest value). Raw ids are kept as text in the IdMaps, in order of first appearance.
#include <filesystem>
#include <limits>

#include "lowrank/config.hpp"
#include "lowrank/rec/data.hpp"

namespace lowrank::rec {

/// Column roles and filters of a delimited interaction file.
struct CsvOptions {
  char delimiter = ',';         ///< field separator (not a line end or NUL)
  bool header = false;          ///< the first data line is a header (skipped)
  int user_column = 0;          ///< 0-based field index of the user id
  int item_column = 1;          ///< 0-based field index of the item id
  int rating_column = 2;        ///< -1: no rating column, every value is 1
  int timestamp_column = 3;     ///< -1: no timestamps (integers, e.g. Unix seconds)
  /// Keep interactions whose rating is >= min_rating (e.g. 4 → implicit positives); −∞ keeps all.
  double min_rating = -std::numeric_limits<double>::infinity();
  bool binarize = false;        ///< store 1 instead of the rating (after the min_rating filter)
  int min_user_interactions = 0;  ///< k-core: users with fewer distinct items are dropped (iterated)
  int min_item_interactions = 0;  ///< k-core: items with fewer distinct users are dropped (iterated)
  Duplicates duplicates = Duplicates::sum;  ///< what to do with repeated (user, item) pairs
  /// true: a line with more fields than the last used column is an error (the MovieLens formats).
  bool exact_fields = false;
};

/// Loads a delimited interaction file. \throws Error parse (path:line:column), io (open/read, .gz
/// without zlib), invalid_argument (bad options).
LOWRANK_API Interactions load_csv(const std::filesystem::path& path, const CsvOptions& options = {});

/// Loads MovieLens ratings, detecting the layout from the first data line: ML-100K `u.data`
/// (tab: user item rating timestamp), ML-1M/10M `ratings.dat` (`::`), ML-latest/20M/25M `ratings.csv`
/// (comma, header userId,movieId,rating,timestamp). `.gz` variants are read too.
LOWRANK_API Interactions load_movielens(const std::filesystem::path& path);

/// k-core filter: repeatedly drops users with fewer than `min_user` items and items with fewer than
/// `min_item` users until none is left to drop; the id maps are compacted (order kept).
LOWRANK_API Interactions k_core(const Interactions& data, int min_user, int min_item);

}  // namespace lowrank::rec
