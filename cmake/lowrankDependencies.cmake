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
