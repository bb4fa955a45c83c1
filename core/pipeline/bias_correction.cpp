#include "bias_correction.hpp"

namespace mnnq {

bool correctBias(const std::vector<float>& weights, const std::vector<float>& quantized,
                 int out_channels, int kernel_area, const std::vector<double>& input_means,
                 std::vector<float>& bias) {
  if (out_channels <= 0 || kernel_area <= 0 || weights.size() != quantized.size() ||
      input_means.empty() || bias.size() != static_cast<size_t>(out_channels) ||
      weights.size() % static_cast<size_t>(out_channels) != 0)
    return false;
  // Weights of output o: [input channels of its group][kernel area]; the group count follows
  // from the input channel count.
  const size_t per_output = weights.size() / out_channels;
  const size_t area = static_cast<size_t>(kernel_area);
  if (per_output % area != 0) return false;
  const size_t in_per_group = per_output / area;
  const size_t in_channels = input_means.size();
  if (in_channels % in_per_group != 0) return false;
  const size_t groups = in_channels / in_per_group;
  if (static_cast<size_t>(out_channels) % groups != 0) return false;
  const size_t out_per_group = out_channels / groups;
  for (int o = 0; o < out_channels; ++o) {
    const size_t first_channel = (o / out_per_group) * in_per_group;
    double error = 0;
    for (size_t k = 0; k < per_output; ++k) {
      const size_t i = o * per_output + k;
      error += (static_cast<double>(quantized[i]) - weights[i]) * input_means[first_channel + k / area];
    }
    bias[o] -= static_cast<float>(error);
  }
  return true;
}

}  // namespace mnnq
