// Host-side wrappers around plugin objects: each owns one plugin object (destroyed through
// the plugin's own vtable), calls the vtable, and turns a failed status plus the plugin's
// message into a PluginError naming the plugin.
//
// Usage (pipeline):
//
//   const mnnq::LoadedPlugin& kl = registry.require(MNNQ_KIND_FEATURE_CALIBRATOR, "KL", ...);
//   mnnq::CalibratorHandle calibrator(kl, validated_config.dump());
//   uint32_t passes = calibrator.prepare(tensor_descs, num_shards);
//   for (uint32_t p = 0; p < passes; ++p) {
//     mnnq_pass_desc pass = calibrator.beginPass(p);
//     ... calibrator.observe(p, shard, first_sample, batch, tensor, data, count) ...
//     calibrator.endPass(p);
//   }
//   std::vector<mnnq_feature_params> params = calibrator.compute();
//
//   mnnq::InputSourceHandle source(image_plugin, json_text, model_inputs);
//   std::string why;
//   if (!source.load(i, buffers, &why)) warn(source.sampleName(i) + ": " + why);
//
// The handles keep the LoadedPlugin (and so its library) alive. They are movable, not
// copyable. Thread safety is the ABI's: observe/transform/quantize/load may run concurrently
// as abi.h allows; everything else must be serialised by the caller.
#pragma once

#include "mnnq/core/config_key.hpp"
#include "mnnq/core/plugin_registry.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq {

// A plugin call failed. what(): "<plugin name> (<kind>, <file>): <call> failed: <message>".
class PluginError : public std::runtime_error {
 public:
  PluginError(const std::string& what, mnnq_status status, bool during_create)
      : std::runtime_error(what), status_(status), during_create_(during_create) {}
  mnnq_status status() const { return status_; }
  // True when the plugin rejected its configuration (INVALID_ARGUMENT from create): a user
  // error, the CLI exits with 2.
  bool isConfigError() const { return during_create_ && status_ == MNNQ_INVALID_ARGUMENT; }

 private:
  mnnq_status status_;
  bool during_create_;
};

// "OK", "INVALID_ARGUMENT", ...
const char* statusName(mnnq_status status);

class CalibratorHandle {
 public:
  CalibratorHandle(const LoadedPlugin& plugin, const std::string& config_json);
  CalibratorHandle(CalibratorHandle&&) noexcept;
  CalibratorHandle& operator=(CalibratorHandle&&) noexcept;
  CalibratorHandle(const CalibratorHandle&) = delete;
  CalibratorHandle& operator=(const CalibratorHandle&) = delete;
  ~CalibratorHandle();

  const LoadedPlugin& plugin() const { return *plugin_; }
  // The plugin asked the host to share scales across data-movement ops
  // (MNNQ_CALIBRATOR_SHARE_SCALES).
  bool sharesScales() const;
  bool hasTransform() const;

  uint32_t prepare(const std::vector<mnnq_tensor_desc>& tensors, uint32_t num_shards);
  mnnq_pass_desc beginPass(uint32_t pass);
  void observe(uint32_t pass, uint32_t shard, uint64_t first_sample, uint32_t batch,
               uint32_t tensor, const float* data, uint64_t count);
  // Does nothing when the plugin has no transform function.
  void transform(uint32_t pass, uint32_t shard, uint64_t first_sample, uint32_t batch,
                 uint32_t tensor, float* data, uint64_t count);
  void endPass(uint32_t pass);
  // One entry per tensor given to prepare().
  std::vector<mnnq_feature_params> compute();

 private:
  std::shared_ptr<const LoadedPlugin> keep_;
  const LoadedPlugin* plugin_ = nullptr;
  mnnq_calibrator* object_ = nullptr;
  uint32_t num_tensors_ = 0;
};

class WeightQuantizerHandle {
 public:
  WeightQuantizerHandle(const LoadedPlugin& plugin, const std::string& config_json);
  WeightQuantizerHandle(WeightQuantizerHandle&&) noexcept;
  WeightQuantizerHandle& operator=(WeightQuantizerHandle&&) noexcept;
  WeightQuantizerHandle(const WeightQuantizerHandle&) = delete;
  WeightQuantizerHandle& operator=(const WeightQuantizerHandle&) = delete;
  ~WeightQuantizerHandle();

  const LoadedPlugin& plugin() const { return *plugin_; }
  // Thread-safe. The result buffers are the caller's, sized as abi.h says.
  void quantize(const mnnq_weight_desc& weights, mnnq_weight_result& result) const;

 private:
  std::shared_ptr<const LoadedPlugin> keep_;
  const LoadedPlugin* plugin_ = nullptr;
  mnnq_weight_quantizer* object_ = nullptr;
};

class InputSourceHandle {
 public:
  InputSourceHandle(const LoadedPlugin& plugin, const std::string& config_json,
                    const std::vector<mnnq_input_desc>& model_inputs);
  InputSourceHandle(InputSourceHandle&&) noexcept;
  InputSourceHandle& operator=(InputSourceHandle&&) noexcept;
  InputSourceHandle(const InputSourceHandle&) = delete;
  InputSourceHandle& operator=(const InputSourceHandle&) = delete;
  ~InputSourceHandle();

  const LoadedPlugin& plugin() const { return *plugin_; }
  // Shape for model input `input` (name and layout copied from the model input); checks all
  // dims are known.
  mnnq_input_desc inputShape(uint32_t input);
  uint64_t count();
  std::string sampleName(uint64_t i);
  // Thread-safe for different i. Returns false (and the reason) for a sample the plugin
  // skipped; throws PluginError for real failures.
  bool load(uint64_t i, float* const* buffers, std::string* skip_reason);

 private:
  std::shared_ptr<const LoadedPlugin> keep_;
  const LoadedPlugin* plugin_ = nullptr;
  mnnq_input_source* object_ = nullptr;
  std::vector<mnnq_input_desc> inputs_;
  std::vector<std::string> input_names_;  // owns the names inputs_ point to
};

}  // namespace mnnq
