// Hot loops of the method plugins are compiled twice, for x86-64-v3 (AVX2 + FMA) and for the
// baseline, and the dynamic loader picks one at load time (GCC function multi-versioning), so
// the plugins stay portable; the host's kernels do the same (core/exec/kernels/simd.hpp, which
// plugins cannot include: they link only the SDK).
//
// Vector code uses GCC vector extensions rather than intrinsics: intrinsics are inline
// functions of a fixed target and cannot be inlined into the baseline clone. Use the types
// only inside one MNNQ_PLUGIN_HOT function (never across calls): see the -Wpsabi note below.
#pragma once

#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MNNQ_PLUGIN_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MNNQ_PLUGIN_HOT
#endif

// The vector types never cross a call boundary, so GCC's note about the vector-argument ABI of
// the baseline clone does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mnnq {
namespace methods {
namespace simd {

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
// Same vectors at any float alignment, allowed to alias the data they are loaded from.
typedef float f8_unaligned __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t i8_unaligned __attribute__((vector_size(32), aligned(4), may_alias));

}  // namespace simd
}  // namespace methods
}  // namespace mnnq

// Macros, not functions, so that they expand inside the clone being compiled (an inline
// function would be compiled for the baseline target first).
#define MNNQ_F8_LOAD(p) ::mnnq::methods::simd::f8(*reinterpret_cast<const ::mnnq::methods::simd::f8_unaligned*>(p))
#define MNNQ_I8_STORE(p, v) (*reinterpret_cast<::mnnq::methods::simd::i8_unaligned*>(p) = (v))
#define MNNQ_F8_SPLAT(x) (float(x) - ::mnnq::methods::simd::f8{})
#define MNNQ_I8_SPLAT(x) (int32_t(x) - ::mnnq::methods::simd::i8{})
