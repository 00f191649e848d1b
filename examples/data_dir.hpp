#pragma once
// Where the examples find the real data sets: $LOWRANK_DATA_DIR, else ../shared/data beside the checkout.
#include <cstdlib>
#include <filesystem>

inline std::filesystem::path example_data_dir() {
  if (const char* e = std::getenv("LOWRANK_DATA_DIR"); e && *e) return e;
#ifdef LOWRANK_DEFAULT_DATA_DIR
  return LOWRANK_DEFAULT_DATA_DIR;
#else
  return "../shared/data";
#endif
}

/// Exit code that ctest reports as "skipped" (SKIP_RETURN_CODE) when a data set is absent.
constexpr int kExampleSkipped = 77;
