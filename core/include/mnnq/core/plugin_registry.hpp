// Plugin discovery and loading (Boost.DLL).
//
// Usage (what the host and the pipeline do):
//
//   mnnq::PluginSearchOptions search;
//   search.executable_dir = boost::dll::program_location().parent_path().string();
//   search.plugin_dirs = {"/my/plugins"};              // --plugin-dir, in order
//   mnnq::PluginRegistry registry = mnnq::PluginRegistry::discover(search);
//   for (const auto& problem : registry.skipped()) std::cerr << "warning: " << problem.reason;
//   const mnnq::LoadedPlugin& kl = registry.require(MNNQ_KIND_FEATURE_CALIBRATOR, "KL",
//                                                   "feature_quantize_method");
//   mnnq::CalibratorHandle calibrator(kl, config_json_text);   // plugin_handles.hpp
//
// Where plugins are looked for, in this order:
//   1. the folder of the mnnq executable (the build tree puts plugins there),
//   2. <exe>/../lib/mnnq/plugins and <exe>/../<CMAKE_INSTALL_LIBDIR>/mnnq/plugins (installed),
//   3. each folder of the MNNQ_PLUGIN_PATH environment variable (':'-separated),
//   4. each --plugin-dir.
// In folders 1-3 only files named libmnnq_*.so are considered; in a --plugin-dir every *.so is.
// A file is skipped without running any of its code when its ELF sections have no `mnnq`
// section or that section lacks the entry symbol. A file that is refused (entry missing, ABI
// mismatch, malformed declarations, load failure) is listed in skipped() and never fatal.
//
// Name rule: two plugins with the same kind and name are an error naming both files
// (PluginConflictError), with one exception: a plugin found in a --plugin-dir replaces a
// built-in one (from folders 1-3) of the same kind and name; the replaced file is listed in
// overridden(). Two --plugin-dir plugins with the same kind and name are an error too.
// The same file reached twice (e.g. a --plugin-dir that is the executable's folder) counts once.
//
// Libraries stay loaded for the life of the process: once loaded, a library is never unloaded
// (objects created by a plugin may be destroyed late, and its static data must outlive them).
#pragma once

#include "mnnq/core/config_key.hpp"

#include <mnnq/abi.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace boost { namespace dll { class shared_library; } }

namespace mnnq {

// Two plugins claim the same kind and name. The CLI exits with status 2.
class PluginConflictError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

enum class PluginOrigin {
  BesideExecutable,  // build tree
  Installed,         // <prefix>/lib/mnnq/plugins
  Environment,       // MNNQ_PLUGIN_PATH
  CommandLine,       // --plugin-dir
  InProcess          // linked into the running program (PluginRegistry::addInProcess)
};
const char* originName(PluginOrigin origin);

// "feature calibrator", "weight quantizer", "input source".
std::string kindName(mnnq_kind kind);
// Short form used in `mnnq plugins` tables and JSON: "feature", "weight", "input".
std::string kindShortName(mnnq_kind kind);

struct PluginSearchOptions {
  std::string executable_dir;  // empty: no folders 1 and 2
  bool use_environment = true; // read MNNQ_PLUGIN_PATH
  std::vector<std::string> plugin_dirs;
};

struct SkippedPlugin {
  std::string file;
  std::string reason;  // full sentence starting with the file name
  bool quiet = false;  // a non-mnnq library in a --plugin-dir: not worth a warning
};

class LoadedPlugin : public std::enable_shared_from_this<LoadedPlugin> {
 public:
  const std::string& file() const { return file_; }
  PluginOrigin origin() const { return origin_; }
  mnnq_kind kind() const { return info_.kind; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& description() const { return description_; }
  uint32_t abiVersion() const { return info_.abi_version; }
  uint32_t flags() const { return info_.flags; }
  // The plugin's own configuration keys, in declaration order.
  const std::vector<ConfigKeySpec>& keys() const { return keys_; }
  // The host's keys it reads (mnnq_plugin_info.host_keys), as the host declares them.
  const std::vector<ConfigKeySpec>& hostKeys() const { return host_keys_; }
  // True when `name` is one of keys() or hostKeys().
  bool readsKey(const std::string& name) const;
  // "KL (feature calibrator, /path/libmnnq_feature_kl.so)": how messages name a plugin.
  std::string label() const;

  // The kind's vtable, zero-extended to the host's struct size (functions appended in later
  // ABI revisions read as NULL). Throws std::logic_error when called for another kind.
  const mnnq_calibrator_vtbl& calibratorVtable() const;
  const mnnq_weight_quantizer_vtbl& weightQuantizerVtable() const;
  const mnnq_input_source_vtbl& inputSourceVtable() const;

  // Loads and checks one file. Throws std::runtime_error naming the file when it is not a
  // usable plugin. Public for tests; discovery goes through PluginRegistry::discover.
  static std::shared_ptr<LoadedPlugin> load(const std::string& file, PluginOrigin origin);
  // A plugin whose code is linked into this process (e.g. the Python module's "python" input
  // source): `info` is checked exactly like a library's and must stay valid for the life of
  // the process; `where` stands in for the file name in messages.
  static std::shared_ptr<LoadedPlugin> fromInfo(const mnnq_plugin_info& info,
                                                const std::string& where);

 private:
  LoadedPlugin() = default;

  std::shared_ptr<boost::dll::shared_library> library_;
  std::string file_;
  PluginOrigin origin_ = PluginOrigin::CommandLine;
  mnnq_plugin_info info_{};
  std::string name_, version_, description_;
  std::vector<ConfigKeySpec> keys_;
  std::vector<ConfigKeySpec> host_keys_;
  mnnq_calibrator_vtbl calibrator_{};
  mnnq_weight_quantizer_vtbl weight_{};
  mnnq_input_source_vtbl input_{};
};

class PluginRegistry {
 public:
  // Searches the folders described above. Throws PluginConflictError for a name clash.
  static PluginRegistry discover(const PluginSearchOptions& options);

  // Sorted by kind, then name.
  const std::vector<std::shared_ptr<const LoadedPlugin>>& plugins() const { return plugins_; }
  const std::vector<SkippedPlugin>& skipped() const { return skipped_; }
  // Built-in plugins replaced by a --plugin-dir one of the same kind and name.
  const std::vector<std::shared_ptr<const LoadedPlugin>>& overridden() const { return overridden_; }
  // Folders searched, in order (existing or not).
  const std::vector<std::string>& searchedFolders() const { return folders_; }
  // Sentences worth a warning about plugins that were loaded, e.g. one found in a folder any
  // user may write to (anyone could have planted it).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Adds an in-process plugin (LoadedPlugin::fromInfo). Throws PluginConflictError if a
  // plugin of the same kind and name is already loaded.
  void addInProcess(std::shared_ptr<const LoadedPlugin> plugin);

  const LoadedPlugin* find(mnnq_kind kind, const std::string& name) const;
  // Every plugin of that name, any kind.
  std::vector<const LoadedPlugin*> findByName(const std::string& name) const;
  std::vector<std::string> names(mnnq_kind kind) const;
  // Like find, but throws ConfigError "feature_quantize_method 'KLL' is not a loaded feature
  // calibrator (loaded: ADMM, EMA, KL); did you mean 'KL'?" when absent; the message also
  // lists refused files, which often explain why a plugin is missing.
  const LoadedPlugin& require(mnnq_kind kind, const std::string& name,
                              const std::string& config_key) const;

 private:
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins_;
  std::vector<std::shared_ptr<const LoadedPlugin>> overridden_;
  std::vector<SkippedPlugin> skipped_;
  std::vector<std::string> folders_;
  std::vector<std::string> warnings_;
};

}  // namespace mnnq
