// Hot loops are compiled twice: for x86-64-v3 (AVX2 + FMA) and for the baseline, picked at load
// time by the dynamic loader (GCC function multi-versioning), so the binary stays portable.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MNNQ_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MNNQ_HOT
#endif
