#include "rewrite.hpp"

#include "unary_lookup.hpp"

#include "mnnq/core/idst_codec.hpp"
#include "mnnq/core/op_traits.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

namespace mnnq {
namespace {

void writeTensorDescribes(schema::NetT& net, const TensorParams& params) {
  // Existing describes keyed by tensor index; a later entry for the same index replaced an
  // earlier one at load time, so the last one is the one to keep.
  std::map<int, std::unique_ptr<schema::TensorDescribeT>> by_index;
  for (auto& describe : net.extraTensorDescribe)
    if (describe) by_index[describe->index] = std::move(describe);
  net.extraTensorDescribe.clear();
  for (const auto& [tensor, p] : params) {
    auto& describe = by_index[tensor];
    if (!describe) {
      describe = std::make_unique<schema::TensorDescribeT>();
      describe->index = tensor;
    }
    auto info = std::make_unique<schema::TensorQuantInfoT>();
    info->scale = p.scale;
    info->zero = p.zero;
    info->min = p.min;
    info->max = p.max;
    info->type = schema::DataType_DT_INT8;
    describe->quantInfo = std::move(info);
  }
  for (auto& [index, describe] : by_index) net.extraTensorDescribe.push_back(std::move(describe));
}

// Why a convolution cannot be quantized, or "" if it can.
std::string convBlocker(const schema::OpT& op, const TensorParams& params,
                        const RewriteOptions& options) {
  if (options.skip_ops.count(op.name)) return "listed in skip_quant_op_names";
  const auto* conv = op.main.AsConvolution2D();
  if (!conv || !conv->common) return "no Convolution2D parameters";
  if (op.inputIndexes.size() != 1) return "weights are runtime inputs, not constants";
  if (conv->weight.empty()) {
    if (conv->quanParameter) return "already quantized";
    return "no inline float weights";
  }
  if (op.outputIndexes.empty()) return "no output";
  if (!params.count(op.inputIndexes[0])) return "input tensor has no quantization parameters";
  if (!params.count(op.outputIndexes[0])) return "output tensor has no quantization parameters";
  const int oc = conv->common->outputCount;
  if (oc <= 0 || conv->weight.size() % static_cast<size_t>(oc) != 0)
    return "weight count " + std::to_string(conv->weight.size()) +
           " is not a multiple of outputCount " + std::to_string(oc);
  return "";
}

int8_t toInt8(float v) {
  return static_cast<int8_t>(std::max(-128.0f, std::min(127.0f, std::round(v))));
}

// Returns whether the bias was corrected.
bool quantizeConv(schema::OpT& op, const mnnq_feature_params& in, const mnnq_feature_params& out,
                  const RewriteOptions& options) {
  auto* conv = op.main.AsConvolution2D();
  auto& common = *conv->common;
  const uint32_t oc = static_cast<uint32_t>(common.outputCount);
  const uint64_t count = conv->weight.size();
  const uint32_t kh = std::max(1, common.kernelY), kw = std::max(1, common.kernelX);
  const uint64_t area = count / oc;

  mnnq_weight_desc desc{};
  desc.op_name = op.name.c_str();
  desc.data = conv->weight.data();
  desc.count = count;
  desc.out_channels = oc;
  desc.in_channels_per_group = static_cast<uint32_t>(area / (static_cast<uint64_t>(kh) * kw));
  desc.kernel_h = kh;
  desc.kernel_w = kw;
  desc.bits = static_cast<uint32_t>(options.bits);
  desc.clamp = options.weight_clamp;

  std::vector<float> alpha(oc, 0.0f), zeros(oc, 0.0f);
  std::vector<int8_t> values(count, 0);
  mnnq_weight_result result{alpha.data(), zeros.data(), values.data(), 0};
  options.quantize_weights(desc, result);
  if (result.asymmetric)
    throw std::runtime_error("op '" + op.name +
                             "': the weight quantizer returned asymmetric weights, which the MNN "
                             "int8 convolution cannot use");

  // MNN's selection: the sparse form only at 8 bits and only when it is strictly smaller.
  IdstEncoded coded = options.encode_weights
                          ? options.encode_weights(op.name, values.data(), oc, area, options.bits, options.bits >= 8)
                          : encodeIdst(values.data(), oc, area, options.bits, options.bits >= 8);
  auto quan = std::make_unique<schema::IDSTQuanT>();
  quan->buffer = std::move(coded.buffer);
  quan->shapeInt32 = coded.shape_int32;
  quan->alpha = alpha;
  quan->type = coded.type;
  quan->aMaxOrBits = options.bits;
  quan->quantScale = 1.0f;
  quan->scaleIn = in.scale;
  quan->scaleOut = out.scale;
  quan->readType = 0;
  quan->aMin = 0;
  quan->has_scaleInt = false;
  quan->useInt32 = false;

  auto sym = std::make_unique<schema::QuantizedFloatParamT>();
  sym->nbits = options.bits;
  sym->clampMin = static_cast<int8_t>(-(1 << (options.bits - 1)) + 1);
  sym->clampMax = static_cast<int8_t>((1 << (options.bits - 1)) - 1);
  sym->zeroPoint = toInt8(in.zero);
  sym->outputZeroPoint = toInt8(out.zero);
  sym->method = schema::QuantizeAlgo_DEFAULT;
  sym->outputDataType = schema::DataType_DT_INT8;

  if (conv->bias.size() != oc) conv->bias.assign(oc, 0.0f);
  bool corrected = false;
  // Deconvolution weights are laid out per input channel; the runtime dequantizes them anyway.
  if (options.input_means && op.type != schema::OpType_Deconvolution) {
    auto means = options.input_means->find(op.inputIndexes[0]);
    if (means != options.input_means->end()) {
      // The weights the runtime uses: integer times the channel's alpha (quantScale 1).
      std::vector<float> dequantized(count);
      for (uint64_t i = 0; i < count; ++i) dequantized[i] = values[i] * alpha[i / area];
      corrected = correctBias(conv->weight, dequantized, static_cast<int>(oc),
                              static_cast<int>(kh * kw), means->second, conv->bias);
    }
  }
  if (options.channels) {
    const int channels = options.channels(op.inputIndexes[0]);
    if (channels > 0) common.inputCount = channels;
  }
  conv->weight.clear();
  conv->weight.shrink_to_fit();
  conv->external.clear();
  op.externalPath.clear();
  conv->quanParameter = std::move(quan);
  conv->symmetricQuan = std::move(sym);
  return corrected;
}

// A ReLU/ReLU6 op that MNN's runtime can fold into the convolution before it (common.relu or
// common.relu6): plain ReLU (slope 0) or ReLU6 clamping to exactly [0, 6].
bool isFoldableActivation(const schema::OpT& op, bool* relu6) {
  if (op.type == schema::OpType_ReLU) {
    const auto* p = op.main.AsRelu();
    *relu6 = false;
    return !p || p->slope == 0.0f;
  }
  if (op.type == schema::OpType_ReLU6) {
    const auto* p = op.main.AsRelu6();
    *relu6 = true;
    return !p || (p->minValue == 0.0f && p->maxValue == 6.0f);
  }
  return false;
}

// Calibrators that quantize around convolution units (EMA) give parameters to the unit's
// output, which is the activation's output when a convolution is followed by its own ReLU:
// the activation is folded into the convolution (its flag set, the convolution writing the
// activation's output tensor, the activation op removed) so the convolution has quantized
// input and output tensors, as MNN's EMA export does. Returns the number of folded ops.
int foldActivationsIntoUnits(schema::NetT& net, const TensorParams& params,
                             const std::set<std::string>& skip_ops) {
  std::map<int, int> consumer_count;
  std::map<int, size_t> consumer_of;
  for (size_t i = 0; i < net.oplists.size(); ++i)
    for (int t : net.oplists[i]->inputIndexes) {
      ++consumer_count[t];
      consumer_of[t] = i;
    }
  std::set<size_t> removed;
  for (size_t i = 0; i < net.oplists.size(); ++i) {
    schema::OpT& conv = *net.oplists[i];
    if (!hasOpTrait(conv.type, kOpForwardConv)) continue;
    auto* params2d = conv.main.AsConvolution2D();
    if (!params2d || !params2d->common || conv.outputIndexes.size() != 1) continue;
    if (skip_ops.count(conv.name)) continue;
    const int out = conv.outputIndexes[0];
    if (params.count(out) || consumer_count[out] != 1) continue;
    schema::OpT& act = *net.oplists[consumer_of[out]];
    bool relu6 = false;
    if (!isFoldableActivation(act, &relu6) || skip_ops.count(act.name)) continue;
    if (act.outputIndexes.size() != 1 || !params.count(act.outputIndexes[0])) continue;
    if (relu6)
      params2d->common->relu6 = true;
    else
      params2d->common->relu = true;
    conv.outputIndexes[0] = act.outputIndexes[0];
    removed.insert(consumer_of[out]);
  }
  if (removed.empty()) return 0;
  std::vector<std::unique_ptr<schema::OpT>> kept;
  for (size_t i = 0; i < net.oplists.size(); ++i)
    if (!removed.count(i)) kept.push_back(std::move(net.oplists[i]));
  net.oplists = std::move(kept);
  return static_cast<int>(removed.size());
}

void convertLegacyUnary(schema::OpT& op) {
  if (op.type != schema::OpType_Sigmoid && op.type != schema::OpType_TanH) return;
  auto unary = std::make_unique<schema::UnaryOpT>();
  unary->opType = op.type == schema::OpType_Sigmoid ? schema::UnaryOpOperation_SIGMOID
                                                    : schema::UnaryOpOperation_TANH;
  unary->T = schema::DataType_DT_FLOAT;
  op.type = schema::OpType_UnaryOp;
  op.main.Reset();
  op.main.type = schema::OpParameter_UnaryOp;
  op.main.value = unary.release();
}

}  // namespace

RewriteReport rewriteQuantized(schema::NetT& net, const TensorParams& params,
                               const RewriteOptions& options) {
  RewriteReport report;
  writeTensorDescribes(net, params);
  report.tensors_with_params = static_cast<int>(params.size());
  report.activations_folded = foldActivationsIntoUnits(net, params, options.skip_ops);

  for (auto& op_ptr : net.oplists) {
    schema::OpT& op = *op_ptr;
    if (hasOpTrait(op.type, kOpQuantizableConv)) {
      std::string blocker = convBlocker(op, params, options);
      if (!blocker.empty()) {
        report.left_float.push_back({op.name, schema::EnumNameOpType(op.type), blocker});
        continue;
      }
      if (quantizeConv(op, params.at(op.inputIndexes[0]), params.at(op.outputIndexes[0]), options))
        ++report.biases_corrected;
      ++report.convolutions_quantized;
      continue;
    }
    convertLegacyUnary(op);
    if (op.type != schema::OpType_UnaryOp) continue;
    auto* unary = op.main.AsUnaryOp();
    if (!unary) continue;
    const int kind = unary->opType;
    // NEG, ABS and SIGN run in int8 without a table.
    if (kind == schema::UnaryOpOperation_NEG || kind == schema::UnaryOpOperation_ABS ||
        kind == schema::UnaryOpOperation_SIGN)
      continue;
    auto f = unaryFunctionFor(kind);
    const std::string type_name = std::string("UnaryOp ") + schema::EnumNameUnaryOpOperation(
                                                                 static_cast<schema::UnaryOpOperation>(kind));
    if (options.skip_ops.count(op.name)) {
      report.left_float.push_back({op.name, type_name, "listed in skip_quant_op_names"});
      continue;
    }
    if (!f) {
      report.left_float.push_back({op.name, type_name, "no int8 lookup table for this function"});
      continue;
    }
    if (op.inputIndexes.size() != 1 || op.outputIndexes.size() != 1 ||
        !params.count(op.inputIndexes[0]) || !params.count(op.outputIndexes[0])) {
      report.left_float.push_back({op.name, type_name, "input or output has no quantization parameters"});
      continue;
    }
    const auto& in = params.at(op.inputIndexes[0]);
    const auto& out = params.at(op.outputIndexes[0]);
    unary->tableInt8 = buildUnaryTable(*f, in.scale, in.zero, out.scale, out.zero);
    ++report.unary_tables;
  }
  return report;
}

}  // namespace mnnq
