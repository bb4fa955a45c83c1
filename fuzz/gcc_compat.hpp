// Force-included into the fuzz targets (clang): GCC's __builtin_shuffle, which the vector kernels
// use and clang lacks, as element loops with GCC's semantics (mask entries taken modulo the
// number of source elements). Slower than the real shuffle, identical results; the project
// itself is built with GCC and never sees this file.
#pragma once
#if defined(__clang__) && defined(__cplusplus)

template <typename V, typename M>
inline V mnnqShuffle1(V v, M m) {
  constexpr int n = sizeof(V) / sizeof(v[0]);
  V r;
  for (int i = 0; i < n; ++i) r[i] = v[m[i] & (n - 1)];
  return r;
}

template <typename V, typename M>
inline V mnnqShuffle2(V a, V b, M m) {
  constexpr int n = sizeof(V) / sizeof(a[0]);
  V r;
  for (int i = 0; i < n; ++i) {
    const int k = m[i] & (2 * n - 1);
    r[i] = k < n ? a[k] : b[k - n];
  }
  return r;
}

#define MNNQ_SHUFFLE_PICK(_1, _2, _3, name, ...) name
#define __builtin_shuffle(...) MNNQ_SHUFFLE_PICK(__VA_ARGS__, mnnqShuffle2, mnnqShuffle1, unused)(__VA_ARGS__)

#endif
