# Dependency lookup for lowrank. Eigen and Highway are required; OpenMP, zlib and LAPACK are optional.
if(NOT TARGET Eigen3::Eigen)
  find_package(Eigen3 3.4 REQUIRED NO_MODULE)
endif()
find_package(hwy 1.0 REQUIRED)

set(LOWRANK_HAS_OPENMP OFF)
if(LOWRANK_WITH_OPENMP)
  find_package(OpenMP COMPONENTS CXX)
  if(OpenMP_CXX_FOUND)
    set(LOWRANK_HAS_OPENMP ON)
  else()
    message(STATUS "lowrank: OpenMP not found; building single-threaded")
  endif()
endif()

# gzip input for loaders and Matrix Market files.
find_package(ZLIB)
if(NOT ZLIB_FOUND)
  message(STATUS "lowrank: zlib not found; .gz inputs will be refused with an error")
endif()

# LAPACK (OpenBLAS) through LAPACKE, for comparisons only — the benchmarks' dgesdd/dgesvd/dgejsv rows
# and the differential test's dgesdd leg. The library itself never links it. Gives the target
# lowrank_lapack_baseline (INTERFACE) when found.
set(LOWRANK_HAS_LAPACK OFF)
if(LOWRANK_WITH_LAPACK AND (LOWRANK_BUILD_TESTS OR LOWRANK_BUILD_BENCH))
  set(BLA_VENDOR OpenBLAS)
  find_package(LAPACK QUIET)
  find_package(PkgConfig QUIET)
  if(LAPACK_FOUND AND PkgConfig_FOUND)
    pkg_check_modules(LAPACKE QUIET IMPORTED_TARGET lapacke)
    if(LAPACKE_FOUND)
      set(LOWRANK_HAS_LAPACK ON)
      add_library(lowrank_lapack_baseline INTERFACE)
      target_link_libraries(lowrank_lapack_baseline INTERFACE PkgConfig::LAPACKE LAPACK::LAPACK)
    endif()
  endif()
  if(NOT LOWRANK_HAS_LAPACK)
    message(STATUS "lowrank: LAPACK/LAPACKE not found; benchmarks and the differential test run without LAPACK")
  endif()
endif()
