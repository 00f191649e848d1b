#pragma once
/// \file config.hpp  Build configuration: header-only mode, OpenMP, symbol visibility.
#include "lowrank/version.hpp"

// LOWRANK_HEADER_ONLY=1: kernels.hpp forwards to the scalar reference kernels (no compiled library).
#ifndef LOWRANK_HEADER_ONLY
#define LOWRANK_HEADER_ONLY 0
#endif

#if defined(_OPENMP)
#define LOWRANK_HAS_OPENMP 1
#else
#define LOWRANK_HAS_OPENMP 0
#endif

#if defined(_WIN32) && defined(LOWRANK_SHARED)
#define LOWRANK_API __declspec(dllexport)
#elif defined(__GNUC__)
#define LOWRANK_API __attribute__((visibility("default")))
#else
#define LOWRANK_API
#endif

// Non-template definitions in rec/impl/*_impl.hpp are compiled once in src/lib/*.cpp, or included
// inline by the umbrella headers in header-only mode (fmt's FMT_HEADER_ONLY pattern).
#if LOWRANK_HEADER_ONLY
#define LOWRANK_IMPL_INLINE inline
#else
#define LOWRANK_IMPL_INLINE
#endif

// The float/double instantiations that nearly every user needs (Eigen's dense decompositions, the
// scalar-only solver steps, the solvers on plain dense and sparse matrices) are compiled once into the
// library: headers declare them `extern template` and src/lib/instances.cpp, which defines
// LOWRANK_DEFINE_INSTANCES, turns the same lines into the definitions. This cuts every including
// translation unit's compile time several-fold. Header-only mode, and a library built with
// LOWRANK_EXPLICIT_INSTANCES=OFF (which defines LOWRANK_EXTERN_INSTANCES=0), instantiate implicitly.
#ifndef LOWRANK_EXTERN_INSTANCES
#define LOWRANK_EXTERN_INSTANCES 1
#endif
#if LOWRANK_HEADER_ONLY || !LOWRANK_EXTERN_INSTANCES
#define LOWRANK_EXTERN_TEMPLATE(...)
#elif defined(LOWRANK_DEFINE_INSTANCES)
#define LOWRANK_EXTERN_TEMPLATE(...) template __VA_ARGS__;
#else
#define LOWRANK_EXTERN_TEMPLATE(...) extern template __VA_ARGS__;
#endif
