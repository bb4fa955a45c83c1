// Test access to the method plugins exactly as the host sees them: the built shared library is
// loaded with Boost.DLL, its `mnnq_plugin_entry` alias called, and every call goes through the
// C vtable. Failed calls throw PluginCallError with the plugin's status and message.
#pragma once

#include "mnnq/core/plugin_host.hpp"

#include <mnnq/abi.h>

#include <memory>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq::test {

class PluginCallError : public std::runtime_error {
 public:
  PluginCallError(const std::string& what, mnnq_status status)
      : std::runtime_error(what), status(status) {}
  mnnq_status status;
};

// Loads <build bin dir>/libmnnq_<target>.so once per process (never unloaded) and returns its
// info after checking the ABI version and kind.
const mnnq_plugin_info& methodPlugin(const std::string& target);

// One calibrator object (created with a JSON config and a host context whose thread budget is
// `threads`), destroyed through its vtable. The calls go straight to the vtable (no host-side
// order checks), so tests can see what the plugin itself does.
class Calibrator {
 public:
  Calibrator(const std::string& target, const std::string& config_json, unsigned threads = 1);
  ~Calibrator();
  Calibrator(const Calibrator&) = delete;
  Calibrator& operator=(const Calibrator&) = delete;

  const mnnq_plugin_info& info() const { return *info_; }
  uint32_t prepare(const std::vector<mnnq_tensor_desc>& tensors, uint32_t shards);
  mnnq_pass_desc beginPass(uint32_t pass);
  void observe(uint32_t pass, uint32_t shard, uint64_t first, uint32_t batch, uint32_t tensor,
               const std::vector<float>& data);
  void transform(uint32_t pass, uint32_t shard, uint64_t first, uint32_t batch, uint32_t tensor,
                 std::vector<float>& data);
  void endPass(uint32_t pass);
  std::vector<mnnq_feature_params> compute();

 private:
  const mnnq_plugin_info* info_;
  std::unique_ptr<PluginHost> host_;
  const mnnq_calibrator_vtbl* vt_;
  mnnq_calibrator* object_ = nullptr;
  uint32_t num_tensors_ = 0;
};

// Creates the calibrator and throws the create() error (for config-rejection tests).
void createCalibratorOrThrow(const std::string& target, const std::string& config_json);

struct QuantizedWeights {
  std::vector<float> scales;
  std::vector<int8_t> values;
};

// Quantizes one convolution's weights [oc][rest] with a freshly created quantizer.
QuantizedWeights quantizeWeights(const std::string& target, const std::vector<float>& weights,
                                 uint32_t out_channels, uint32_t bits, int32_t clamp,
                                 const std::string& op_name = "conv");

// A tensor description with the given per-sample dims (NCHW unless told).
mnnq_tensor_desc tensorDesc(uint32_t index, const std::vector<int32_t>& dims, uint32_t flags = 0,
                            mnnq_layout layout = MNNQ_LAYOUT_NCHW);

// Drives a two-pass observe-only calibrator like the host: samples[i][t] is tensor t of
// sample i; sample i goes to shard i % shards; shards are processed on `threads` threads.
std::vector<mnnq_feature_params> calibrate(Calibrator& calibrator,
                                           const std::vector<mnnq_tensor_desc>& tensors,
                                           const std::vector<std::vector<std::vector<float>>>& samples,
                                           uint32_t shards, unsigned threads);

}  // namespace mnnq::test
