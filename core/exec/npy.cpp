// NumPy .npy reader/writer for the tensors the executor exchanges with the outside (reference
// outputs, inputs given on the command line, dumps). Only little-endian C-order arrays are
// accepted; that is what numpy writes on every platform we care about.
#include "mnnq/core/regular_file.hpp"
#include "mnnq/core/tensor.hpp"

#include <cstring>
#include <limits>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mnnq {
namespace {

std::runtime_error npyError(const std::string& path, const std::string& what) {
  return std::runtime_error("npy file '" + path + "': " + what);
}

// Value of `key` in the header dict, as the raw text after the colon.
std::string headerField(const std::string& header, const std::string& key,
                        const std::string& path) {
  const std::string quoted = "'" + key + "'";
  auto pos = header.find(quoted);
  if (pos == std::string::npos) throw npyError(path, "header has no " + quoted);
  pos = header.find(':', pos + quoted.size());
  if (pos == std::string::npos) throw npyError(path, "malformed header near " + quoted);
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  return header.substr(pos);
}

}  // namespace

Tensor readNpy(const std::string& path) {
  const std::string irregular = notRegularFileReason(path);
  if (!irregular.empty()) throw npyError(path, irregular);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw npyError(path, "cannot open");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw npyError(path, "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  uint32_t headerLen = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) throw npyError(path, "truncated header");
    headerLen = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) throw npyError(path, "truncated header");
    headerLen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  } else {
    throw npyError(path, "unsupported format version " + std::to_string(major));
  }
  std::string header(headerLen, '\0');
  if (!in.read(&header[0], headerLen)) throw npyError(path, "truncated header");

  std::string descr = headerField(header, "descr", path);
  if (descr.size() < 5 || descr[0] != '\'') throw npyError(path, "malformed descr");
  descr = descr.substr(1, descr.find('\'', 1) - 1);
  const std::string fortran = headerField(header, "fortran_order", path);
  if (fortran.compare(0, 4, "True") == 0)
    throw npyError(path, "Fortran-order arrays are not supported");
  std::string shapeText = headerField(header, "shape", path);
  if (shapeText.empty() || shapeText[0] != '(') throw npyError(path, "malformed shape");
  shapeText = shapeText.substr(1, shapeText.find(')') - 1);

  Tensor t;
  std::stringstream ss(shapeText);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    long long d = 0;
    try {
      d = std::stoll(item);
    } catch (const std::exception&) {
      throw npyError(path, "bad dimension '" + item + "'");
    }
    if (d < 0 || d > std::numeric_limits<int>::max()) throw npyError(path, "bad dimension " + item);
    if (t.shape.size() >= 32) throw npyError(path, "more than 32 dimensions");
    t.shape.push_back(static_cast<int>(d));
    double count = 1;  // the exact product may overflow int64 before the limit check
    for (int x : t.shape) count *= x;
    if (count > double(int64_t(1) << 33)) throw npyError(path, "array too large");
  }
  const int64_t n = t.elementCount();
  if (n > (int64_t(1) << 33)) throw npyError(path, "array too large");

  if (descr.size() < 3 || descr[0] == '>')
    throw npyError(path, "big-endian or unknown dtype '" + descr + "'");
  const std::string kind = descr.substr(1);
  // The declared size must be in the file before anything of that size is allocated.
  const int itemBytes = kind == "f4" || kind == "i4" ? 4 : kind == "f8" || kind == "i8" ? 8 : 1;
  const std::streamoff dataStart = in.tellg();
  in.seekg(0, std::ios::end);
  const std::streamoff fileEnd = in.tellg();
  in.seekg(dataStart);
  if (dataStart < 0 || fileEnd < dataStart || n > (fileEnd - dataStart) / itemBytes)
    throw npyError(path, "the header declares " + std::to_string(n) + " elements of " + descr + " (" +
                             std::to_string(n * itemBytes) + " bytes) but the file holds " +
                             std::to_string(fileEnd - dataStart) + " bytes of data");
  auto readRaw = [&](void* dst, size_t bytes) {
    if (!in.read(static_cast<char*>(dst), static_cast<std::streamsize>(bytes)))
      throw npyError(path, "truncated data (expected " + std::to_string(n) + " elements of " +
                               descr + ")");
  };
  if (kind == "f4") {
    t.dtype = DType::Float32;
    t.f.resize(n);
    readRaw(t.f.data(), n * 4);
  } else if (kind == "f8") {
    std::vector<double> tmp(n);
    readRaw(tmp.data(), n * 8);
    t.dtype = DType::Float32;
    t.f.assign(tmp.begin(), tmp.end());
  } else if (kind == "i4") {
    t.dtype = DType::Int32;
    t.i.resize(n);
    readRaw(t.i.data(), n * 4);
  } else if (kind == "i8") {
    std::vector<int64_t> tmp(n);
    readRaw(tmp.data(), n * 8);
    t.dtype = DType::Int32;
    t.i.resize(n);
    for (int64_t k = 0; k < n; ++k) t.i[k] = static_cast<int32_t>(tmp[k]);
  } else if (kind == "u1" || kind == "b1" || kind == "i1") {
    std::vector<uint8_t> tmp(n);
    readRaw(tmp.data(), n);
    t.dtype = DType::Int32;
    t.i.resize(n);
    for (int64_t k = 0; k < n; ++k)
      t.i[k] = kind == "i1" ? static_cast<int8_t>(tmp[k]) : tmp[k];
  } else {
    throw npyError(path, "unsupported dtype '" + descr + "'");
  }
  return t;
}

void writeNpy(const std::string& path, const Tensor& tensor) {
  const bool isFloat = tensor.dtype == DType::Float32;
  const int64_t n = tensor.elementCount();
  if (static_cast<int64_t>(isFloat ? tensor.f.size() : tensor.i.size()) != n)
    throw std::runtime_error("writeNpy '" + path + "': data size does not match shape");
  std::string header = std::string("{'descr': '") + (isFloat ? "<f4" : "<i4") +
                       "', 'fortran_order': False, 'shape': (";
  for (size_t k = 0; k < tensor.shape.size(); ++k) {
    header += std::to_string(tensor.shape[k]);
    if (tensor.shape.size() == 1 || k + 1 < tensor.shape.size()) header += ",";
    if (k + 1 < tensor.shape.size()) header += " ";
  }
  header += "), }";
  // Pad with spaces so that magic + length + header + '\n' is a multiple of 64 (numpy does so).
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("writeNpy: cannot create '" + path + "'");
  const uint16_t len = static_cast<uint16_t>(header.size());
  const char prefix[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.write(prefix, 8);
  const char lenBytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(lenBytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (isFloat)
    out.write(reinterpret_cast<const char*>(tensor.f.data()), static_cast<std::streamsize>(n * 4));
  else
    out.write(reinterpret_cast<const char*>(tensor.i.data()), static_cast<std::streamsize>(n * 4));
  if (!out) throw std::runtime_error("writeNpy: write failed for '" + path + "'");
}

}  // namespace mnnq
