// Bias correction for int8 weights (Nagel et al., "Data-Free Quantization Through Weight
// Equalization and Bias Correction", 2019, section 4.2 with measured instead of BatchNorm-
// derived input means).
//
// Rounding a convolution's weights to int8 changes each output by dW * x. Over a feature map
// the mean of that error is dW * E[x]: with per-channel input means mu_c,
//   E[error_o] = sum over the weights k of output o of (w^_k - w_k) * mu_(input channel of k).
// It is large where inputs carry a big constant part and the filter looks at small variations
// on top of it: MLSD's first depthwise layer reads ReLU6 channels of mean 2..5 and standard
// deviation 0.02..0.4, and the rounding of its 3x3 edge filters alone took the offsets output
// from cosine 1.0 to 0.89 (0.97 with the correction, activations in float). Subtracting the
// expected error from the float bias, which MNN's int8 convolution adds before requantizing
// (mnn-quantizer-facts.md D.3), removes this part of the error; the integer weights and all scales
// stay as they are. Applied to every quantized Convolution/ConvolutionDepthwise whose input means
// are known.
#pragma once

#include <cstddef>
#include <map>
#include <vector>

namespace mnnq {

// Graph tensor id -> mean of each channel over positions and samples (measured with
// measureChannelStats, channel_stats.hpp).
using ChannelMeans = std::map<int, std::vector<double>>;

// Corrects `bias` (one per output channel) of a convolution whose float weights `weights`
// ([out][in per group][kernel area]) were replaced by `quantized` (same layout, dequantized).
// `input_means`: per input channel. Returns false (bias untouched) if the shapes do not fit.
bool correctBias(const std::vector<float>& weights, const std::vector<float>& quantized,
                 int out_channels, int kernel_area, const std::vector<double>& input_means,
                 std::vector<float>& bias);

}  // namespace mnnq
