// Host-side checks of every value a plugin hands back, so a buggy or hostile plugin cannot put
// NaN scales, out-of-range zero points or absurd counts into a run or a written model. Each
// check throws PluginError naming the plugin (its label), the call and the value.
#pragma once

#include "mnnq/abi.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mnnq::plugin_checks {

constexpr uint32_t kMaxPasses = 64;               // calibration passes over the samples
constexpr uint64_t kMaxSamples = uint64_t(1) << 24;  // samples an input source may announce

void checkPasses(const std::string& plugin, uint32_t passes);
void checkSampleCount(const std::string& plugin, uint64_t count);
// Per tensor (index k): valid in {0, 1}; for valid ones scale finite and > 0, zero an integer
// in [-128, 127], min and max finite with min <= max.
void checkFeatureParams(const std::string& plugin, const std::vector<mnnq_feature_params>& params);
// Per channel: scale finite and >= 0 (0 only for a channel whose integers are all 0); zero
// point (when asymmetric) an integer in the `bits` range; every integer in the `bits` range.
void checkWeightResult(const std::string& plugin, const mnnq_weight_desc& desc, const mnnq_weight_result& result);

}  // namespace mnnq::plugin_checks
