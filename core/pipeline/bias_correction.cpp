#include "bias_correction.hpp"

#include "parallel_samples.hpp"

namespace mnnq {
namespace {

class MeanHook : public TensorHook {
 public:
  MeanHook(const Executor& executor, const std::set<int>& tensors,
           std::map<int, std::vector<double>>& out)
      : executor_(executor), tensors_(tensors), out_(out) {}

  void onTensor(int tensor, Tensor& value) override {
    if (!tensors_.count(tensor) || value.dtype != DType::Float32 || value.shape.size() < 2) return;
    const bool nhwc = executor_.layout(tensor) == Layout::NHWC;
    const int channels = nhwc ? value.shape.back() : value.shape[1];
    if (channels <= 0) return;
    // Batch 1: NCHW is [C][positions], NHWC is [positions][C].
    const size_t count = value.f.size();
    const size_t positions = count / static_cast<size_t>(channels);
    if (positions == 0 || positions * channels != count) return;
    std::vector<double> sums(channels, 0.0);
    if (nhwc) {
      for (size_t p = 0; p < positions; ++p)
        for (int c = 0; c < channels; ++c) sums[c] += value.f[p * channels + c];
    } else {
      for (int c = 0; c < channels; ++c) {
        const float* plane = value.f.data() + static_cast<size_t>(c) * positions;
        double s = 0;
        for (size_t p = 0; p < positions; ++p) s += plane[p];
        sums[c] = s;
      }
    }
    for (double& s : sums) s /= static_cast<double>(positions);
    out_[tensor] = std::move(sums);
  }

 private:
  const Executor& executor_;
  const std::set<int>& tensors_;
  std::map<int, std::vector<double>>& out_;
};

}  // namespace

ChannelMeans measureChannelMeans(const Executor& executor, const std::set<int>& tensors,
                                 SampleFeed& feed, const std::vector<uint64_t>& samples,
                                 const ChannelMeanOptions& options) {
  // One result per sample, summed in sample order afterwards: deterministic.
  std::vector<ChannelMeans> per_sample(samples.size());
  std::vector<char> loaded(samples.size(), 0);
  Progress progress("bias correction", samples.size(), options.quiet, options.progress);
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples.size(), options.threads, progress, [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed.load(samples[k], inputs)) return;
        MeanHook hook(executor, tensors, per_sample[k]);
        executor.run(inputs, &hook);
        loaded[k] = 1;
      });

  ChannelMeans total;
  std::map<int, int> seen;
  for (size_t k = 0; k < samples.size(); ++k) {
    if (!loaded[k]) continue;
    for (const auto& [tensor, means] : per_sample[k]) {
      auto& sum = total[tensor];
      if (sum.empty()) sum.assign(means.size(), 0.0);
      if (sum.size() != means.size()) continue;
      for (size_t c = 0; c < means.size(); ++c) sum[c] += means[c];
      ++seen[tensor];
    }
  }
  for (auto& [tensor, sum] : total)
    for (double& v : sum) v /= seen[tensor];
  return total;
}

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
