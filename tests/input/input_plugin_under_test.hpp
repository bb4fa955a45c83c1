// Loads an input plugin library from the build tree with Boost.DLL and drives it through its C
// vtable exactly as the host does, so the tests exercise the real ABI boundary.
#pragma once

#include "mnnq/core/plugin_host.hpp"

#include <memory>

#include <mnnq/abi.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mnnq::test {

struct ModelInputSpec {
  std::string name;
  std::vector<int32_t> dims;
  mnnq_layout layout = MNNQ_LAYOUT_NCHW;
};

// The plugin's registration record; `target` is the CMake target, e.g. "input_image".
const mnnq_plugin_info& inputPluginInfo(const std::string& target);

struct CallResult {
  mnnq_status status = MNNQ_OK;
  std::string message;
};

class InputSourceUnderTest {
 public:
  // Throws std::runtime_error with the plugin's status and message if create fails.
  InputSourceUnderTest(const std::string& target, const nlohmann::json& config,
                       const std::vector<ModelInputSpec>& inputs);
  ~InputSourceUnderTest();
  InputSourceUnderTest(const InputSourceUnderTest&) = delete;
  InputSourceUnderTest& operator=(const InputSourceUnderTest&) = delete;

  // Status and message of a create call that is expected to fail (or succeed).
  static CallResult tryCreate(const std::string& target, const nlohmann::json& config,
                              const std::vector<ModelInputSpec>& inputs);

  std::vector<int32_t> shape(uint32_t input) const;
  uint64_t count() const;
  std::string name(uint64_t i) const;
  // Resizes `out` to one buffer per input, sized from shape(), and loads sample i.
  CallResult load(uint64_t i, std::vector<std::vector<float>>& out) const;

 private:
  const mnnq_input_source_vtbl* vtbl_ = nullptr;
  std::unique_ptr<PluginHost> host_;  // the source's host context, alive until destroy
  mnnq_input_source* source_ = nullptr;
  uint32_t numInputs_ = 0;
};

}  // namespace mnnq::test
