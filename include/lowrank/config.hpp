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
// scalar-only solver steps, the solvers on dense and sparse matrices and operators) are compiled once
// into the library: headers declare them `extern template` with LOWRANK_EXTERN_TEMPLATE(scalar, …), and
// src/lib/instances_float.cpp and instances_double.cpp, which define LOWRANK_DEFINE_FLOAT_INSTANCES or
// LOWRANK_DEFINE_DOUBLE_INSTANCES, turn the lines of their scalar into the definitions (two files: the
// halves compile in parallel). This cuts every including translation unit's compile time several-fold.
// Header-only mode, and a library built with LOWRANK_EXPLICIT_INSTANCES=OFF (which defines
// LOWRANK_EXTERN_INSTANCES=0), instantiate implicitly.
#ifndef LOWRANK_EXTERN_INSTANCES
#define LOWRANK_EXTERN_INSTANCES 1
#endif
#if LOWRANK_HEADER_ONLY || !LOWRANK_EXTERN_INSTANCES
#define LOWRANK_INSTANCE_float(...)
#define LOWRANK_INSTANCE_double(...)
#else
#ifdef LOWRANK_DEFINE_FLOAT_INSTANCES
#define LOWRANK_INSTANCE_float(...) template __VA_ARGS__;
#else
#define LOWRANK_INSTANCE_float(...) extern template __VA_ARGS__;
#endif
#ifdef LOWRANK_DEFINE_DOUBLE_INSTANCES
#define LOWRANK_INSTANCE_double(...) template __VA_ARGS__;
#else
#define LOWRANK_INSTANCE_double(...) extern template __VA_ARGS__;
#endif
#endif
/// `extern template` declaration of an instantiation for `scalar` (float or double), or its definition
/// in the library file of that scalar.
#define LOWRANK_EXTERN_TEMPLATE(scalar, ...) LOWRANK_INSTANCE_##scalar(__VA_ARGS__)
