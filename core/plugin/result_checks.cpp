#include "result_checks.hpp"

#include "mnnq/core/plugin_handles.hpp"

#include <cmath>
#include <sstream>

namespace mnnq::plugin_checks {
namespace {

[[noreturn]] void fail(const std::string& plugin, const std::string& what) {
  throw PluginError(plugin + ": " + what, MNNQ_INTERNAL_ERROR, false);
}

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

bool isInteger(float v) { return std::isfinite(v) && std::nearbyint(v) == v; }

}  // namespace

void checkPasses(const std::string& plugin, uint32_t passes) {
  if (passes > kMaxPasses)
    fail(plugin, "prepare asked for " + std::to_string(passes) + " passes over the samples (at most " +
                     std::to_string(kMaxPasses) + ")");
}

void checkSampleCount(const std::string& plugin, uint64_t count) {
  if (count > kMaxSamples)
    fail(plugin, "count gave " + std::to_string(count) + " samples (at most " + std::to_string(kMaxSamples) + ")");
}

void checkFeatureParams(const std::string& plugin, const std::vector<mnnq_feature_params>& params) {
  for (size_t k = 0; k < params.size(); ++k) {
    const mnnq_feature_params& p = params[k];
    const std::string where = "compute gave tensor #" + std::to_string(k) + " ";
    if (p.valid > 1) fail(plugin, where + "valid = " + std::to_string(p.valid) + " (0 or 1 expected)");
    if (!p.valid) continue;
    if (!std::isfinite(p.scale) || !(p.scale > 0)) fail(plugin, where + "scale " + num(p.scale) + " (finite and > 0 expected)");
    if (!isInteger(p.zero) || p.zero < -128 || p.zero > 127)
      fail(plugin, where + "zero point " + num(p.zero) + " (an integer in [-128, 127] expected)");
    if (!std::isfinite(p.min) || !std::isfinite(p.max) || p.min > p.max)
      fail(plugin, where + "min " + num(p.min) + ", max " + num(p.max) + " (finite, min <= max expected)");
  }
}

void checkWeightResult(const std::string& plugin, const mnnq_weight_desc& desc, const mnnq_weight_result& result) {
  const std::string op = desc.op_name ? desc.op_name : "?";
  const int lo = -(1 << (desc.bits - 1)), hi = (1 << (desc.bits - 1)) - 1;
  if (result.asymmetric > 1) fail(plugin, "quantize of '" + op + "' set asymmetric = " + std::to_string(result.asymmetric));
  const uint64_t perChannel = desc.out_channels ? desc.count / desc.out_channels : 0;
  for (uint32_t oc = 0; oc < desc.out_channels; ++oc) {
    const std::string where = "quantize of '" + op + "' gave channel " + std::to_string(oc) + " ";
    const float scale = result.scales[oc];
    if (!std::isfinite(scale) || scale < 0) fail(plugin, where + "scale " + num(scale) + " (finite and >= 0 expected)");
    if (result.asymmetric) {
      const float zero = result.zero_points[oc];
      if (!isInteger(zero) || zero < lo || zero > hi)
        fail(plugin, where + "zero point " + num(zero) + " (an integer in [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "] expected)");
    }
    bool allZero = true;
    for (uint64_t i = oc * perChannel; i < (oc + 1) * perChannel; ++i) {
      const int v = result.values[i];
      if (v < lo || v > hi)
        fail(plugin, where + "integer " + std::to_string(v) + " outside the " + std::to_string(desc.bits) +
                         "-bit range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      allZero = allZero && v == 0;
    }
    if (scale == 0 && !allZero) fail(plugin, where + "scale 0 with non-zero integers (the weights would be lost)");
  }
}

}  // namespace mnnq::plugin_checks
