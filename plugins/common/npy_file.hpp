// The one reader of NumPy .npy files (format versions 1-3, any byte order, real numeric dtypes),
// used by the npy/sequence input plugins and by the host (core/exec/npy.cpp: references,
// `mnnq infer` inputs). Header-only so each plugin compiles its own copy (plugins share no
// library with the host).
#pragma once

#include "mnnq/core/regular_file.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <istream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mnnq::input {

struct NpyArray {
  std::vector<int64_t> shape;
  std::string dtype;         // numpy descr, e.g. "<f4"
  bool converted = false;    // true if dtype was not float32 (values were converted)
  std::vector<float> data;   // row-major (C order)
};

namespace npy_detail {

inline std::runtime_error error(const std::string& path, const std::string& what) {
  return std::runtime_error("'" + path + "': " + what);
}

// Value of `key` in the header dict text, e.g. 'descr': '<f4' -> "'<f4'".
inline std::string headerField(const std::string& header, const std::string& key,
                               const std::string& path) {
  std::size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw error(path, "npy header has no '" + key + "' field");
  std::size_t colon = header.find(':', k);
  if (colon == std::string::npos) throw error(path, "malformed npy header");
  std::size_t start = header.find_first_not_of(" ", colon + 1);
  if (start == std::string::npos) throw error(path, "malformed npy header");
  std::size_t stop;
  if (header[start] == '(') {
    stop = header.find(')', start);
    if (stop == std::string::npos) throw error(path, "malformed npy shape");
    return header.substr(start, stop - start + 1);
  }
  if (header[start] == '\'' || header[start] == '"') {
    stop = header.find(header[start], start + 1);
    if (stop == std::string::npos) throw error(path, "malformed npy header");
    return header.substr(start + 1, stop - start - 1);
  }
  stop = header.find_first_of(",}", start);
  return header.substr(start, stop - start);
}

inline std::vector<int64_t> parseShape(const std::string& text, const std::string& path) {
  std::vector<int64_t> shape;
  std::size_t i = 1;  // after '('
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size() || text[i] == ')') break;
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(text.substr(i), &used);
    } catch (const std::exception&) {
      throw error(path, "malformed npy shape " + text);
    }
    if (v < 0) throw error(path, "negative dimension in npy shape " + text);
    shape.push_back(v);
    i += used;
  }
  return shape;
}

template <class T, class Out>
void convertAll(const char* bytes, std::size_t count, bool swap, std::vector<Out>& out) {
  out.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, bytes + i * sizeof(T), sizeof(T));
    if (swap)
      for (std::size_t j = 0; j < sizeof(T) / 2; ++j) std::swap(b[j], b[sizeof(T) - 1 - j]);
    T v;
    std::memcpy(&v, b, sizeof(T));
    out[i] = static_cast<Out>(v);
  }
}

}  // namespace npy_detail

// The header of an open .npy stream, which is left at the first data byte.
struct NpyHeader {
  std::vector<int64_t> shape;
  std::string dtype;  // numpy descr, e.g. "<f4"
  std::size_t count = 1;  // number of elements
};

inline NpyHeader readNpyHeader(std::istream& in, const std::string& path) {
  using npy_detail::error;
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw error(path, "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  uint32_t headerLen = 0;
  unsigned char len[4] = {0, 0, 0, 0};
  if (major == 1) {
    if (!in.read(reinterpret_cast<char*>(len), 2)) throw error(path, "truncated npy header");
    headerLen = len[0] | (len[1] << 8);
  } else if (major == 2 || major == 3) {
    if (!in.read(reinterpret_cast<char*>(len), 4)) throw error(path, "truncated npy header");
    headerLen = len[0] | (len[1] << 8) | (len[2] << 16) | (uint32_t(len[3]) << 24);
  } else {
    throw error(path, "unsupported npy format version " + std::to_string(major));
  }
  if (headerLen > (1u << 20)) throw error(path, "npy header too large");
  std::string header(headerLen, '\0');
  if (!in.read(&header[0], headerLen)) throw error(path, "truncated npy header");

  NpyHeader h;
  h.dtype = npy_detail::headerField(header, "descr", path);
  const std::string fortran = npy_detail::headerField(header, "fortran_order", path);
  if (fortran.find("True") != std::string::npos)
    throw error(path, "Fortran-ordered array; save it with numpy.ascontiguousarray()");
  h.shape = npy_detail::parseShape(npy_detail::headerField(header, "shape", path), path);
  for (int64_t d : h.shape) h.count *= static_cast<std::size_t>(d);
  return h;
}

// True for a floating-point dtype ("<f4", ">f8", ...).
inline bool npyIsFloat(const NpyHeader& h) { return h.dtype.size() >= 2 && h.dtype[1] == 'f'; }

// Reads the h.count values after the header, converting them from h.dtype to Out
// (static_cast per element).
template <class Out>
void readNpyValues(std::istream& in, const NpyHeader& h, const std::string& path,
                   std::vector<Out>& out) {
  using npy_detail::error;
  if (h.dtype.size() < 3) throw error(path, "unsupported npy dtype '" + h.dtype + "'");
  const char order = h.dtype[0];
  const char kind = h.dtype[1];
  const int size = std::atoi(h.dtype.c_str() + 2);
  const bool swap = (order == '>');  // x86 and ARM Linux are little-endian
  // The declared size must be in the file before anything of that size is allocated (the
  // product is formed in double: the exact one may overflow).
  const std::streamoff dataStart = in.tellg();
  in.seekg(0, std::ios::end);
  const std::streamoff available = in.tellg() - dataStart;
  in.seekg(dataStart);
  double elements = 1;
  for (int64_t d : h.shape) elements *= static_cast<double>(d);
  const double declared = elements * (size > 0 ? size : 1);
  const auto number = [](double v) {
    return v < 9e18 ? std::to_string(static_cast<uint64_t>(v)) : std::string("over 9e18");
  };
  if (dataStart < 0 || declared > static_cast<double>(available))
    throw error(path, "file is shorter than its header declares (" + number(declared) +
                          " bytes of data: " + number(elements) + " elements of " + h.dtype +
                          "; the file holds " + std::to_string(available) +
                          " bytes; truncated?)");
  const std::size_t count = h.count;
  std::vector<char> raw(count * static_cast<std::size_t>(size > 0 ? size : 1));
  if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    throw error(path, "file is shorter than its shape " + std::to_string(count) +
                          " x " + h.dtype + " says (truncated?)");
  const char* b = raw.data();
  using npy_detail::convertAll;
  if (kind == 'f' && size == 4) convertAll<float>(b, count, swap, out);
  else if (kind == 'f' && size == 8) convertAll<double>(b, count, swap, out);
  else if (kind == 'i' && size == 1) convertAll<int8_t>(b, count, swap, out);
  else if (kind == 'i' && size == 2) convertAll<int16_t>(b, count, swap, out);
  else if (kind == 'i' && size == 4) convertAll<int32_t>(b, count, swap, out);
  else if (kind == 'i' && size == 8) convertAll<int64_t>(b, count, swap, out);
  else if ((kind == 'u' || kind == 'b') && size == 1) convertAll<uint8_t>(b, count, swap, out);
  else if (kind == 'u' && size == 2) convertAll<uint16_t>(b, count, swap, out);
  else if (kind == 'u' && size == 4) convertAll<uint32_t>(b, count, swap, out);
  else if (kind == 'u' && size == 8) convertAll<uint64_t>(b, count, swap, out);
  else
    throw error(path, "unsupported npy dtype '" + h.dtype +
                          "' (use float32; float64 and integer types are converted)");
}

// Reads the header only (shape and dtype), or the whole array as float32 when withData.
inline NpyArray readNpy(const std::string& path, bool withData = true) {
  const std::string irregular = notRegularFileReason(path);
  if (!irregular.empty()) throw npy_detail::error(path, irregular);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw npy_detail::error(path, "cannot open file");
  const NpyHeader h = readNpyHeader(in, path);
  NpyArray a;
  a.shape = h.shape;
  a.dtype = h.dtype;
  if (!withData) return a;
  readNpyValues(in, h, path, a.data);
  a.converted = a.dtype.substr(1) != "f4";
  return a;
}

}  // namespace mnnq::input
