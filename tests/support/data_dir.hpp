#pragma once
// Where data-driven tests find ../shared/data: LOWRANK_DATA_DIR, else the build's default.
// Catch2 v2 has no SKIP: tests tagged [data] call LOWRANK_REQUIRE_DATA(sub), which WARNs and returns
// when the folder is absent (a user's fresh clone).
#include <cstdlib>
#include <filesystem>
#include <string>

namespace lowrank_test {
inline std::filesystem::path data_dir() {
  if (const char* env = std::getenv("LOWRANK_DATA_DIR"); env && *env) return env;
#ifdef LOWRANK_DEFAULT_DATA_DIR
  return LOWRANK_DEFAULT_DATA_DIR;
#else
  return "../shared/data";
#endif
}
inline std::filesystem::path data_path(const std::string& sub) { return data_dir() / sub; }
}  // namespace lowrank_test

#define LOWRANK_REQUIRE_DATA(sub)                                                                  \
  do {                                                                                             \
    if (!std::filesystem::exists(lowrank_test::data_path(sub))) {                                  \
      WARN("skipped: data set " << lowrank_test::data_path(sub).string()                           \
                                << " not found (set LOWRANK_DATA_DIR to the shared/data folder)"); \
      return;                                                                                      \
    }                                                                                              \
  } while (0)
