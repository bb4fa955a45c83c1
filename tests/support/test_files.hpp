// Files the tests write and read: whole files as bytes, and .npy files built by hand (the
// format's version 1 header, so tests can also write headers that lie about their data).
#pragma once

#include <string>

namespace mnnq::test {

// Writes `bytes` to `path` (replacing it, creating its folders); REQUIREs success.
void writeFile(const std::string& path, const std::string& bytes);
// The whole file ("" when it cannot be read).
std::string readFile(const std::string& path);
// A version-1 .npy header for dtype `descr` (e.g. "<f4") and a Python shape tuple `shape`
// (e.g. "(1, 3)"), padded to 64 bytes as numpy writes it; the data follows it.
std::string npyHeader(const std::string& descr, const std::string& shape);
// npyHeader(descr, shape) + raw little-endian data bytes.
inline std::string npyBytes(const std::string& descr, const std::string& shape, const std::string& raw) {
  return npyHeader(descr, shape) + raw;
}

}  // namespace mnnq::test
