// The configuration keys the host reads itself, declared exactly like a plugin declares its
// keys, so validation and `mnnq plugins show host` treat them the same way.
#include "mnnq/core/config.hpp"

namespace mnnq {
namespace {

constexpr mnnq_config_key key(const char* name, mnnq_value_type type, const char* default_json,
                              const char* help) {
  return mnnq_config_key{sizeof(mnnq_config_key), 0, name, type, default_json, help, 0, 0,
                         nullptr, 0};
}
constexpr mnnq_config_key bounded(const char* name, mnnq_value_type type,
                                  const char* default_json, const char* help, double min_value,
                                  double max_value) {
  return mnnq_config_key{sizeof(mnnq_config_key), MNNQ_KEY_HAS_MIN | MNNQ_KEY_HAS_MAX, name,
                         type, default_json, help, min_value, max_value, nullptr, 0};
}

const mnnq_config_key kHostKeys[] = {
    key("model", MNNQ_VALUE_STRING, nullptr,
     "float .mnn model to quantize; relative to the config file's folder; --model wins"),
    key("output", MNNQ_VALUE_STRING, nullptr,
     "quantized .mnn to write; relative to the config file's folder; --output wins"),
    key("path", MNNQ_VALUE_STRING, nullptr,
     "folder of calibration samples, required by sources that read files; relative to the "
     "config file's folder"),
    key("input_type", MNNQ_VALUE_STRING, "\"image\"",
     "input source plugin that reads `path` (image, sequence, npy, ...; see mnnq plugins)"),
    key("feature_quantize_method", MNNQ_VALUE_STRING, "\"KL\"",
     "feature calibrator plugin (KL, ADMM, EMA, ...; see mnnq plugins)"),
    key("weight_quantize_method", MNNQ_VALUE_STRING, "\"MAX_ABS\"",
     "weight quantizer plugin (MAX_ABS, ADMM, ...; see mnnq plugins)"),
    bounded("quant_bits", MNNQ_VALUE_INT, "8",
     "bits of quantized weights: integers in [-2^(b-1), 2^(b-1)-1]", 2, 8),
    bounded("feature_clamp_value", MNNQ_VALUE_INT, "127",
     "largest |integer| of quantized features (scale = threshold / this)", 1, 127),
    bounded("weight_clamp_value", MNNQ_VALUE_INT, nullptr,
     "largest |integer| of quantized weights; default and maximum 2^(quant_bits-1)-1", 1, 127),
    key("skip_quant_op_names", MNNQ_VALUE_STRING_LIST, "[]",
     "names of ops to leave in float"),
    bounded("used_image_num", MNNQ_VALUE_INT, "0",
     "use only the first N samples of `path` (0 = all)", 0, 1e12),
    bounded("used_sample_num", MNNQ_VALUE_INT, "0",
     "same as used_image_num, and wins when both are given", 0, 1e12),
    key("inputs", MNNQ_VALUE_JSON, "[]",
     "per model input: [{name, shape: [ints], value}]; `shape` fixes dynamic dims"),
    key("debug", MNNQ_VALUE_BOOL, "false",
     "after calibration, report per tensor the cosine and overflow of int8 against float"),
    key("html_report", MNNQ_VALUE_BOOL, "false",
     "write <output>.report.html: one offline page with the summary, quality, per-op "
     "sensitivity, per-tensor error along the graph and histograms of the worst tensors"),
    key("bias_correction", MNNQ_VALUE_BOOL, "false",
     "correct each int8 convolution's float bias for the mean error of its rounded weights "
     "(better on most models, slightly worse on some; see README)"),
    key("cross_layer_equalization", MNNQ_VALUE_BOOL, nullptr,
     "rescale the channels of each conv -> (ReLU) -> depthwise conv pair so the tensor between "
     "them has even channel ranges (same float model, better int8); default true, except with "
     "KL, whose default reproduces quantized.out; false gives quantized.out's weights"),
    key("validation_path", MNNQ_VALUE_STRING, nullptr,
     "folder of held-out samples the written model is evaluated on (same input plugin and "
     "preprocessing as `path`); without it, a spread subset of the calibration samples "
     "(in-sample); relative to the config file's folder"),
    bounded("validation_samples", MNNQ_VALUE_INT, "32",
     "evaluation samples (spread evenly over the set); 0 turns the quality evaluation off", 0,
     1e9),
    key("sensitivity", MNNQ_VALUE_BOOL, "false",
     "rank every quantized op by the model's quality with only that op in float (same samples "
     "as the evaluation)"),
    bounded("target_cosine", MNNQ_VALUE_NUMBER, nullptr,
     "quality target: worst model output's mean cosine on the evaluation samples; the run tries "
     "other calibrations and leaves harmful ops float until it holds (exit 3 if it cannot)", 0, 1),
    bounded("max_float_conv_macs", MNNQ_VALUE_NUMBER, "0.1",
     "with target_cosine: largest share of convolution MACs that may be left in float", 0, 1),
    bounded("threads", MNNQ_VALUE_INT, "0",
     "worker threads, 0 = all cores; results do not depend on it", 0, 1024),
    bounded("shards", MNNQ_VALUE_INT, "16",
     "sample i goes to shard i % shards; results depend on this, never on threads", 1, 4096),
    key("scales_from", MNNQ_VALUE_STRING, nullptr,
     "scale table to quantize from instead of calibrating (<output>.table.json of an earlier run, "
     "edited or not); relative to the config file's folder"),
    bounded("input_cache_mb", MNNQ_VALUE_INT, "512",
     "MiB of decoded samples kept between calibration passes (0 = decode in every pass)", 0, 1048576),
};

}  // namespace

const std::vector<ConfigKeySpec>& hostConfigKeys() {
  static const std::vector<ConfigKeySpec> keys = [] {
    std::vector<ConfigKeySpec> list;
    for (const auto& key : kHostKeys) list.push_back(toConfigKeySpec(key, "host"));
    return list;
  }();
  return keys;
}

bool isPathKey(const std::string& key) {
  return key == "model" || key == "output" || key == "path" || key == "validation_path" ||
         key == "scales_from";
}

}  // namespace mnnq
