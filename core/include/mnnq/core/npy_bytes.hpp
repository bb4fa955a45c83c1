// The bytes of a .npy file, for outputs published through OutputSet (mnnq/core/output_set.hpp);
// writeNpy (tensor.hpp) writes the same bytes straight to a path.
#pragma once

#include "mnnq/core/tensor.hpp"

#include <cstdint>
#include <vector>

namespace mnnq {

// .npy format 1.0, little-endian <f4 (Float32) or <i4 (Int32), C order.
std::vector<uint8_t> encodeNpy(const Tensor& tensor);

}  // namespace mnnq
