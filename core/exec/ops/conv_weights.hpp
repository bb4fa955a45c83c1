// Float weights of a convolution, wherever the file keeps them: inline floats, constant input
// tensors (ONNX-style), or coded integers (IDSTQuan, decoded by the model IO codec).
#pragma once

#include "../op_kernel.hpp"

namespace mnnq::exec {

struct ConvWeights {
  std::vector<float> weight;  // [outChannels][inPerGroup][kernelY][kernelX]
  std::vector<float> bias;    // [outChannels]
  int outChannels = 0, inPerGroup = 0, kernelY = 1, kernelX = 1;
};

ConvWeights loadConvWeights(const OpContext& ctx, const schema::Convolution2DT& conv);
// Inline or coded weight as floats (count = expected element count, for validation).
std::vector<float> decodeConvWeight(const OpContext& ctx, const schema::Convolution2DT& conv,
                                    int64_t count);

}  // namespace mnnq::exec
