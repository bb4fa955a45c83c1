// Where the fake plugins of tests/plugins_registry/fake are built, and a helper that lays out
// temporary plugin folders from them.
#pragma once

#include <filesystem>
#include <string>

namespace mnnq::test {

inline std::string fakePlugin(const std::string& stem) {
  return std::string(MNNQ_FAKE_PLUGIN_DIR) + "/" + stem + ".so";
}

// Copies fake plugin `stem` into `folder` as `file_name` (default: its own name).
inline std::string placePlugin(const std::string& stem, const std::string& folder,
                               const std::string& file_name = "") {
  namespace fs = std::filesystem;
  fs::create_directories(folder);
  fs::path target = fs::path(folder) / (file_name.empty() ? stem + ".so" : file_name);
  fs::copy_file(fakePlugin(stem), target, fs::copy_options::overwrite_existing);
  return target.string();
}

}  // namespace mnnq::test
