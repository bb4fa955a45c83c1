// mnnq_host for plugin objects: each function pointer below finds its PluginHost through
// host_private.
#include "mnnq/core/plugin_host.hpp"

#include "mnnq/core/parallel_for.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace mnnq {

struct PluginHostAccess {
  static const PluginHost& of(const mnnq_host* host) {
    return *static_cast<const PluginHost*>(host->host_private);
  }

  static void log(const mnnq_host* host, mnnq_log_level level, const char* text) {
    static std::mutex mutex;  // one line at a time, whichever plugin or thread
    const PluginHost& self = of(host);
    if (level != MNNQ_LOG_WARNING && self.quiet_) return;
    std::lock_guard<std::mutex> lock(mutex);
    std::fprintf(stderr, "%s%s: %s\n", level == MNNQ_LOG_WARNING ? "warning: " : "",
                 self.label_.c_str(), text ? text : "");
  }

  static const char* configValue(const mnnq_host* host, const char* key) {
    if (!key) return nullptr;
    const auto& values = of(host).values_;
    const auto found = values.find(std::string(key));
    return found == values.end() ? nullptr : found->second.c_str();
  }

  static mnnq_status parallelFor(const mnnq_host* host, uint64_t count, mnnq_parallel_body body,
                                 void* context, mnnq_message* msg) {
    if (!body) return MNNQ_INVALID_STATE;
    // The first failure's status and text; a failing body stops the hand-out of indexes.
    struct Failure {
      mnnq_status status;
      std::string text;
    };
    try {
      mnnq::parallelFor(host->threads, count, [&](uint64_t index, unsigned worker) {
        char text[1024] = {0};
        mnnq_message local{text, sizeof text};
        const mnnq_status s = body(context, index, static_cast<uint32_t>(worker), &local);
        if (s != MNNQ_OK) {
          text[sizeof text - 1] = '\0';
          throw Failure{s, text};
        }
      });
    } catch (const Failure& f) {
      write(msg, f.text);
      return f.status;
    } catch (const std::exception& e) {
      write(msg, e.what());
      return MNNQ_INTERNAL_ERROR;
    }
    return MNNQ_OK;
  }

  static void write(mnnq_message* msg, const std::string& text) {
    if (!msg || !msg->text || msg->capacity == 0) return;
    const size_t n = std::min(text.size(), msg->capacity - 1);
    std::memcpy(msg->text, text.data(), n);
    msg->text[n] = '\0';
  }
};

PluginHost::PluginHost(const nlohmann::json& config, std::string label,
                       const HostOptions& options)
    : label_(std::move(label)), quiet_(options.quiet) {
  if (config.is_object())
    for (const auto& [key, value] : config.items()) values_[key] = value.dump();
  host_.struct_size = sizeof(mnnq_host);
  host_.threads = std::max(1u, options.threads);
  host_.parallel_for = &PluginHostAccess::parallelFor;
  host_.log = &PluginHostAccess::log;
  host_.config_value = &PluginHostAccess::configValue;
  host_.embedder_data = options.embedder_data;
  host_.host_private = this;
}

}  // namespace mnnq
