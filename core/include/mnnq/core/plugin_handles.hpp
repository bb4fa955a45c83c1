// Host-side wrappers around plugin objects: each owns one plugin object (destroyed through
// the plugin's own vtable), calls the vtable, and turns a failed status plus the plugin's
// message into a PluginError naming the plugin.
//
// Usage (pipeline):
//
//   const mnnq::LoadedPlugin& kl = registry.require(MNNQ_KIND_FEATURE_CALIBRATOR, "KL", ...);
//   mnnq::HostOptions host;                            // thread budget, quiet (plugin_host.hpp)
//   host.threads = 4;
//   mnnq::CalibratorHandle calibrator(kl, validated_config.dump(), host);
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
//
// The handles enforce the call order and argument ranges abi.h promises plugins (prepare once,
// begin_pass/end_pass in pass order, observe/transform only inside a pass that asked for them,
// with a shard and tensor in range, compute once after the last pass; load/sample_name of an
// existing sample; weight descriptions that are consistent), so plugins need not check them:
// a violation is a host bug, reported as PluginError with status INVALID_STATE before the
// plugin is called.
#pragma once

#include "mnnq/core/config_key.hpp"
#include "mnnq/core/plugin_host.hpp"
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
  // config_json: the validated configuration (a JSON object); not JSON is a PluginError
  // (INVALID_ARGUMENT, as from create).
  CalibratorHandle(const LoadedPlugin& plugin, const std::string& config_json,
                   const HostOptions& host = {});
  CalibratorHandle(CalibratorHandle&&) noexcept;
  CalibratorHandle& operator=(CalibratorHandle&&) noexcept;
  CalibratorHandle(const CalibratorHandle&) = delete;
  CalibratorHandle& operator=(const CalibratorHandle&) = delete;
  ~CalibratorHandle();

  const LoadedPlugin& plugin() const { return *plugin_; }
  // The plugin asked the host to share scales across data-movement ops
  // (MNNQ_CALIBRATOR_SHARE_SCALES).
  bool sharesScales() const;
  // MNNQ_CALIBRATOR_TRANSFORMS: the plugin may ask for MNNQ_PASS_TRANSFORM passes.
  bool hasTransform() const;
  // MNNQ_CALIBRATOR_REPRODUCES_MNN: its default run reproduces quantized.out's scales, so
  // rewrites that change them (cross-layer equalisation) are off unless the config asks.
  bool reproducesMnn() const;

  // tensors[i].index must be i.
  uint32_t prepare(const std::vector<mnnq_tensor_desc>& tensors, uint32_t num_shards);
  // Checks the plugin's answer: TRANSFORM only with the capability, weight_bits 0 or 2..8.
  mnnq_pass_desc beginPass(uint32_t pass);
  // Thread-safe for different shards (see abi.h). `data` is only read.
  void observe(uint32_t pass, uint32_t shard, uint64_t first_sample, uint32_t batch,
               uint32_t tensor, float* data, uint64_t count);
  void transform(uint32_t pass, uint32_t shard, uint64_t first_sample, uint32_t batch,
                 uint32_t tensor, float* data, uint64_t count);
  void endPass(uint32_t pass);
  // One entry per tensor given to prepare(); after the last pass, once.
  std::vector<mnnq_feature_params> compute();

 private:
  enum class State { Created, Prepared, InPass, BetweenPasses, Done };
  void deliver(bool transform, uint32_t pass, uint32_t shard, uint64_t first_sample,
               uint32_t batch, uint32_t tensor, float* data, uint64_t count);
  [[noreturn]] void outOfOrder(const std::string& what) const;

  std::shared_ptr<const LoadedPlugin> keep_;
  const LoadedPlugin* plugin_ = nullptr;
  std::unique_ptr<PluginHost> host_;
  mnnq_calibrator* object_ = nullptr;
  State state_ = State::Created;
  uint32_t num_tensors_ = 0;
  uint32_t num_shards_ = 0;
  uint32_t num_passes_ = 0;
  uint32_t pass_ = 0;          // current (InPass) or last ended (BetweenPasses) pass
  uint32_t pass_flags_ = 0;    // MNNQ_PASS_* of the current pass
};

class WeightQuantizerHandle {
 public:
  WeightQuantizerHandle(const LoadedPlugin& plugin, const std::string& config_json,
                        const HostOptions& host = {});
  WeightQuantizerHandle(WeightQuantizerHandle&&) noexcept;
  WeightQuantizerHandle& operator=(WeightQuantizerHandle&&) noexcept;
  WeightQuantizerHandle(const WeightQuantizerHandle&) = delete;
  WeightQuantizerHandle& operator=(const WeightQuantizerHandle&) = delete;
  ~WeightQuantizerHandle();

  const LoadedPlugin& plugin() const { return *plugin_; }
  // Thread-safe. The result buffers are the caller's, sized as abi.h says. The description is
  // checked first (abi.h lists what the plugin may rely on).
  void quantize(const mnnq_weight_desc& weights, mnnq_weight_result& result) const;

 private:
  std::shared_ptr<const LoadedPlugin> keep_;
  const LoadedPlugin* plugin_ = nullptr;
  std::unique_ptr<PluginHost> host_;
  mnnq_weight_quantizer* object_ = nullptr;
};

class InputSourceHandle {
 public:
  InputSourceHandle(const LoadedPlugin& plugin, const std::string& config_json,
                    const std::vector<mnnq_input_desc>& model_inputs,
                    const HostOptions& host = {});
  InputSourceHandle(InputSourceHandle&&) noexcept;
  InputSourceHandle& operator=(InputSourceHandle&&) noexcept;
  InputSourceHandle(const InputSourceHandle&) = delete;
  InputSourceHandle& operator=(const InputSourceHandle&) = delete;
  ~InputSourceHandle();

  const LoadedPlugin& plugin() const { return *plugin_; }
  // Shape for model input `input` (name and layout copied from the model input); checks all
  // dims are known.
  mnnq_input_desc inputShape(uint32_t input);
  // Asked once, after create.
  uint64_t count() const { return count_; }
  // "sample i" for an index the source does not have.
  std::string sampleName(uint64_t i);
  // Thread-safe for different i < count(). Returns false (and the reason) for a sample the
  // plugin skipped; throws PluginError for real failures.
  bool load(uint64_t i, float* const* buffers, std::string* skip_reason);

 private:
  std::shared_ptr<const LoadedPlugin> keep_;
  const LoadedPlugin* plugin_ = nullptr;
  std::unique_ptr<PluginHost> host_;
  mnnq_input_source* object_ = nullptr;
  uint64_t count_ = 0;
  std::vector<mnnq_input_desc> inputs_;
  std::vector<std::string> input_names_;  // owns the names inputs_ point to
};

}  // namespace mnnq
