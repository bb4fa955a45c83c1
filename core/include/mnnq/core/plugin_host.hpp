// The host context every plugin object receives at create (mnnq_host in abi.h): the thread
// budget and the parallel loop (parallel_for.hpp), the log, the run configuration by key, and
// an embedding program's data. One PluginHost per plugin object; its address is what the plugin
// keeps, so it is neither copied nor moved (the handles hold it by unique_ptr).
#pragma once

#include <mnnq/abi.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace mnnq {

struct HostOptions {
  unsigned threads = 1;                 // thread budget given to the plugin, >= 1
  bool quiet = false;                   // hide MNNQ_LOG_INFO lines
  const void* embedder_data = nullptr;  // mnnq_host::embedder_data
};

class PluginHost {
 public:
  // config: the validated run configuration (a JSON object). label: how log lines name the
  // plugin.
  PluginHost(const nlohmann::json& config, std::string label, const HostOptions& options);
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  const mnnq_host* abi() const { return &host_; }
  const std::string& label() const { return label_; }
  bool quiet() const { return quiet_; }

 private:
  mnnq_host host_{};
  std::string label_;
  bool quiet_ = false;
  std::map<std::string, std::string, std::less<>> values_;  // key -> compact JSON text
  friend struct PluginHostAccess;
};

}  // namespace mnnq
