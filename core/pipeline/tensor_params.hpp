// Quantization parameters per graph tensor: the hand-off from calibration to the rewrite.
#pragma once

#include <mnnq/abi.h>

#include <map>

namespace mnnq {

// Graph tensor id -> parameters. Only valid entries are kept.
using TensorParams = std::map<int, mnnq_feature_params>;

}  // namespace mnnq
