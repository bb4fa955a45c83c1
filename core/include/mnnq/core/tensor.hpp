// A dense host tensor: logical shape in its layout, fp32 or int32 elements.
// CONTRACT owned by the executor team (see executor.hpp); extend, don't break.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnnq {

// Numerically equal to MNN's MNN_DATA_FORMAT and mnnq_layout. NC4HW4 tensors are stored as
// NCHW (same logical dims and order); the packing is an MNN runtime detail.
enum class Layout : int { NCHW = 0, NHWC = 1, NC4HW4 = 2, Unknown = 4 };
enum class DType : int { Float32 = 0, Int32 = 1 };

struct Tensor {
  std::vector<int> shape;
  Layout layout = Layout::NCHW;
  DType dtype = DType::Float32;
  std::vector<float> f;    // used when dtype == Float32
  std::vector<int32_t> i;  // used when dtype == Int32

  int64_t elementCount() const {
    int64_t n = 1;
    for (int d : shape) n *= d;
    return n;
  }
};

// .npy (format 1.0/2.0) read/write for float32 (and int32/float64/int64 on read, converted).
Tensor readNpy(const std::string& path);
void writeNpy(const std::string& path, const Tensor& tensor);

}  // namespace mnnq
