// Hot loops are compiled twice: for x86-64-v3 (AVX2 + FMA) and for the baseline, picked at load
// time by the dynamic loader (GCC function multi-versioning), so the binary stays portable.
//
// v8 is an 8-float GCC vector: one AVX register in the x86-64-v3 clone, two SSE registers in the
// baseline one. Its helpers are macros on purpose: as (always-inline) functions they are
// compiled for the baseline target before being inlined into the x86-64-v3 clone, and GCC then
// builds broadcasts lane by lane and spills accumulators (measured: 3x slower GEMM tiles).
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MNNQ_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MNNQ_HOT
#endif

// A v8 never crosses a call boundary (all uses are inside one MNNQ_HOT function), so GCC's note
// about the vector-argument ABI of the baseline clone does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mnnq::exec {

typedef float v8 __attribute__((vector_size(32)));
// Same vector at any float alignment, allowed to alias the float data it is loaded from.
typedef float v8_unaligned __attribute__((vector_size(32), aligned(4), may_alias));

}  // namespace mnnq::exec

#define V8_LOAD(p) ::mnnq::exec::v8(*reinterpret_cast<const ::mnnq::exec::v8_unaligned*>(p))
#define V8_STORE(p, v) (*reinterpret_cast<::mnnq::exec::v8_unaligned*>(p) = (v))
#define V8_SPLAT(x) (float(x) - ::mnnq::exec::v8{})
