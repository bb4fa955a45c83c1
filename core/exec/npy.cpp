// NumPy .npy reading and writing for the tensors the executor exchanges with the outside
// (reference outputs, inputs given on the command line, dumps). Reading goes through the one
// .npy parser the input plugins use too (plugins/common/npy_file.hpp); floating-point arrays
// become Float32 tensors, integer and bool arrays Int32 tensors.
#include "mnnq/core/npy_bytes.hpp"
#include "mnnq/core/regular_file.hpp"
#include "mnnq/core/tensor.hpp"

#include "npy_file.hpp"

#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace mnnq {

Tensor readNpy(const std::string& path) {
  const auto error = [&](const std::string& what) {
    return std::runtime_error("'" + path + "': " + what);
  };
  const std::string irregular = notRegularFileReason(path);
  if (!irregular.empty()) throw error(irregular);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error("cannot open file");
  const input::NpyHeader header = input::readNpyHeader(in, path);
  Tensor t;
  double count = 1;  // the exact product may overflow int64 before the limit check
  for (int64_t d : header.shape) {
    if (d > std::numeric_limits<int>::max()) throw error("bad dimension " + std::to_string(d));
    if (t.shape.size() >= 32) throw error("more than 32 dimensions");
    t.shape.push_back(static_cast<int>(d));
    count *= static_cast<double>(d);
    if (count > double(int64_t(1) << 33)) throw error("array too large");
  }
  if (input::npyIsFloat(header)) {
    t.dtype = DType::Float32;
    input::readNpyValues(in, header, path, t.f);
  } else {
    t.dtype = DType::Int32;
    input::readNpyValues(in, header, path, t.i);
  }
  return t;
}

std::vector<uint8_t> encodeNpy(const Tensor& tensor) {
  const bool isFloat = tensor.dtype == DType::Float32;
  const int64_t n = tensor.elementCount();
  if (static_cast<int64_t>(isFloat ? tensor.f.size() : tensor.i.size()) != n)
    throw std::runtime_error("encodeNpy: data size does not match shape");
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

  const uint16_t len = static_cast<uint16_t>(header.size());
  const uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(len & 0xff),
                              static_cast<uint8_t>(len >> 8)};
  std::vector<uint8_t> bytes(sizeof prefix + header.size() + static_cast<size_t>(n) * 4);
  std::memcpy(bytes.data(), prefix, sizeof prefix);
  std::memcpy(bytes.data() + sizeof prefix, header.data(), header.size());
  const void* data = isFloat ? static_cast<const void*>(tensor.f.data()) : static_cast<const void*>(tensor.i.data());
  if (n > 0) std::memcpy(bytes.data() + sizeof prefix + header.size(), data, static_cast<size_t>(n) * 4);
  return bytes;
}

void writeNpy(const std::string& path, const Tensor& tensor) {
  const std::vector<uint8_t> bytes = encodeNpy(tensor);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("writeNpy: cannot create '" + path + "'");
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("writeNpy: write failed for '" + path + "'");
}

}  // namespace mnnq
