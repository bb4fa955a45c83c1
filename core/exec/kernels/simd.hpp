// Hot loops are compiled twice: for x86-64-v3 (AVX2 + FMA) and for the baseline, picked at load
// time by the dynamic loader (GCC function multi-versioning), so the binary stays portable.
// v8 is an 8-float GCC vector: one AVX register in the x86-64-v3 clone, two SSE registers in the
// baseline one. The helpers are always inlined into the MNNQ_HOT function that uses them, so
// each clone gets its own instructions and no vector crosses a call boundary.
#pragma once

#include <cstring>

// The vector helpers below are always inlined, so no v8 ever crosses a call boundary and the
// ABI note GCC gives for vector arguments in the baseline clone does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MNNQ_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MNNQ_HOT
#endif

namespace mnnq::exec {

typedef float v8 __attribute__((vector_size(32)));

[[gnu::always_inline]] inline v8 loadu(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void storeu(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }
[[gnu::always_inline]] inline v8 splat(float x) { return v8{x, x, x, x, x, x, x, x}; }

}  // namespace mnnq::exec
