#include "equalization.hpp"

#include <algorithm>
#include <stdexcept>

namespace mnnq {
namespace {

// The op's convolution parameters if its weights and bias are plain floats in the op itself
// (not coded, not external, not runtime inputs), else null.
const schema::Convolution2DT* plainConvolution(const schema::OpT& op) {
  if (op.type != schema::OpType_Convolution && op.type != schema::OpType_ConvolutionDepthwise)
    return nullptr;
  if (op.inputIndexes.size() != 1 || op.outputIndexes.size() != 1) return nullptr;
  const schema::Convolution2DT* conv = op.main.AsConvolution2D();
  if (!conv || !conv->common || conv->quanParameter || conv->symmetricQuan ||
      conv->sparseParameter || !conv->external.empty())
    return nullptr;
  const int out = conv->common->outputCount;
  if (out <= 0 || conv->bias.size() != static_cast<size_t>(out) || conv->weight.empty() ||
      conv->weight.size() % static_cast<size_t>(out) != 0)
    return nullptr;
  return conv;
}

// One filter per channel, each reading only its own channel.
bool isDepthwise(const schema::OpT& op, const schema::Convolution2DT& conv) {
  const auto& c = *conv.common;
  const size_t area = static_cast<size_t>(c.kernelX) * static_cast<size_t>(c.kernelY);
  if (conv.weight.size() != static_cast<size_t>(c.outputCount) * area) return false;
  if (c.inputCount != 0 && c.inputCount != c.outputCount) return false;
  if (op.type == schema::OpType_ConvolutionDepthwise) return true;
  return c.group == c.outputCount && c.outputCount > 1;
}

// max(0, x), leaky ReLU and PReLU: f(s x) = s f(x) for s > 0, per channel.
bool isHomogeneousActivation(const schema::OpT& op) {
  return (op.type == schema::OpType_ReLU || op.type == schema::OpType_PReLU) &&
         op.inputIndexes.size() == 1 && op.outputIndexes.size() == 1;
}

bool isGraphOutput(const Graph& graph, int tensor) {
  const auto& outputs = graph.outputs();
  return std::find(outputs.begin(), outputs.end(), tensor) != outputs.end();
}

// The tensor is read by exactly one op and is not a model output.
bool privateLink(const Graph& graph, int tensor) {
  return graph.consumers(tensor).size() == 1 && !isGraphOutput(graph, tensor);
}

}  // namespace

std::vector<EqualizationPair> findEqualizationPairs(const Graph& graph) {
  std::vector<EqualizationPair> pairs;
  for (int b = 0; b < graph.numOps(); ++b) {
    const schema::OpT& depthwise = graph.op(b);
    const schema::Convolution2DT* conv_b = plainConvolution(depthwise);
    if (!conv_b || !isDepthwise(depthwise, *conv_b)) continue;
    EqualizationPair pair;
    pair.depthwise = b;
    pair.tensor = depthwise.inputIndexes[0];
    if (!privateLink(graph, pair.tensor)) continue;
    int a = graph.producer(pair.tensor);
    if (a < 0) continue;
    if (isHomogeneousActivation(graph.op(a))) {
      pair.activation = a;
      const int before = graph.op(a).inputIndexes[0];
      if (!privateLink(graph, before)) continue;
      a = graph.producer(before);
      if (a < 0) continue;
    }
    const schema::Convolution2DT* conv_a = plainConvolution(graph.op(a));
    if (!conv_a || conv_a->common->relu6) continue;
    if (conv_a->common->outputCount != conv_b->common->outputCount) continue;
    if (pair.activation >= 0 && graph.op(pair.activation).type == schema::OpType_PReLU) {
      const schema::PReluT* prelu = graph.op(pair.activation).main.AsPRelu();
      if (!prelu) continue;
      const size_t slopes = prelu->slope.size();
      if (slopes != 1 && slopes != static_cast<size_t>(conv_a->common->outputCount)) continue;
    }
    pair.producer = a;
    pair.channels = conv_a->common->outputCount;
    pairs.push_back(pair);
  }
  return pairs;
}

std::vector<float> equalizationFactors(const std::vector<float>& channel_max_abs) {
  float largest = 0.0f;
  for (float r : channel_max_abs) largest = std::max(largest, r);
  std::vector<float> factors(channel_max_abs.size(), 1.0f);
  if (!(largest > 0.0f)) return factors;
  for (size_t c = 0; c < channel_max_abs.size(); ++c) {
    const float r = channel_max_abs[c];
    if (r > 0.0f) factors[c] = std::min(largest / r, kMaxEqualizationFactor);
  }
  return factors;
}

void applyEqualization(Graph& graph, const EqualizationPair& pair,
                       const std::vector<float>& factors) {
  const size_t channels = static_cast<size_t>(pair.channels);
  if (factors.size() != channels)
    throw std::logic_error("equalisation: " + std::to_string(factors.size()) +
                           " factors for " + std::to_string(channels) + " channels");
  schema::NetT& net = graph.net();
  schema::Convolution2DT& a = *net.oplists.at(pair.producer)->main.AsConvolution2D();
  schema::Convolution2DT& b = *net.oplists.at(pair.depthwise)->main.AsConvolution2D();
  const size_t per_a = a.weight.size() / channels;
  const size_t per_b = b.weight.size() / channels;
  for (size_t c = 0; c < channels; ++c) {
    const float s = factors[c];
    if (s == 1.0f) continue;
    for (size_t k = 0; k < per_a; ++k) a.weight[c * per_a + k] *= s;
    a.bias[c] *= s;
    for (size_t k = 0; k < per_b; ++k) b.weight[c * per_b + k] /= s;
  }
}

}  // namespace mnnq
