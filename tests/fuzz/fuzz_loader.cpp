// Fuzz target: the interaction loaders (rec::load_movielens and rec::load_csv with options chosen by
// the first input byte) must return consistent Interactions or throw lowrank::Error — nothing else.
// The loaders read files, so the input is written to a per-process file in /dev/shm (or /tmp).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "lowrank/rec.hpp"

namespace {
std::filesystem::path scratch_file(const char* ext) {
  const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  return dir / ("lowrank-fuzz-" + std::to_string(getpid()) + ext);
}

void check(const lowrank::rec::Interactions& d) {
  const auto& m = d.matrix();
  if (m.rows() != d.users().size() || m.cols() != d.items().size()) __builtin_trap();
  if (d.has_timestamps() && Eigen::Index(d.timestamps().size()) != m.nonZeros()) __builtin_trap();
  for (Eigen::Index k = 0; k < m.nonZeros(); ++k)
    if (!std::isfinite(m.valuePtr()[k])) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const bool movielens = (mode & 1) == 0;
  const auto path = scratch_file(movielens ? ".data" : ".csv");
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    if (movielens) {
      check(lowrank::rec::load_movielens(path));
    } else {
      lowrank::rec::CsvOptions o;
      static const char delimiters[4] = {',', '\t', ';', ' '};
      o.delimiter = delimiters[(mode >> 1) & 3];
      o.header = (mode >> 3) & 1;
      o.rating_column = (mode >> 4) & 1 ? 2 : -1;
      o.timestamp_column = (mode >> 5) & 1 ? 3 : -1;
      o.min_user_interactions = (mode >> 6) & 1 ? 2 : 0;
      o.duplicates = (mode >> 7) & 1 ? lowrank::rec::Duplicates::max : lowrank::rec::Duplicates::sum;
      check(lowrank::rec::load_csv(path, o));
    }
  } catch (const lowrank::Error&) {
  }
  std::filesystem::remove(path);
  return 0;
}
