// Plugin discovery: which folders, which files, and the name-clash rule (see the header).
#include "mnnq/core/plugin_registry.hpp"

#include "mnnq/core/suggest.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <system_error>

#ifndef MNNQ_INSTALL_LIBDIR
#define MNNQ_INSTALL_LIBDIR "lib"
#endif

namespace fs = std::filesystem;

namespace mnnq {
namespace {

// "" unless the plugin file or its folder is writable by every user (a folder with the sticky
// bit, like /tmp, still lets anyone add files, so it counts too).
std::string writableByOthers(const std::string& folder, const std::string& file) {
  struct stat st;
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & S_IWOTH)) return "the world-writable file " + file;
  if (::stat(folder.c_str(), &st) == 0 && (st.st_mode & S_IWOTH)) return "the world-writable folder " + folder;
  return "";
}

struct Folder {
  std::string path;
  PluginOrigin origin;
};

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Canonical form used to notice the same folder or file reached twice; falls back to the
// absolute path for things that do not exist.
std::string identity(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::canonical(path, ec);
  if (ec) return fs::absolute(path, ec).lexically_normal().string();
  return canonical.string();
}

std::vector<Folder> searchFolders(const PluginSearchOptions& options) {
  std::vector<Folder> folders;
  if (!options.executable_dir.empty()) {
    fs::path exe(options.executable_dir);
    folders.push_back({exe.string(), PluginOrigin::BesideExecutable});
    folders.push_back({(exe / ".." / "lib" / "mnnq" / "plugins").lexically_normal().string(),
                       PluginOrigin::Installed});
    fs::path libdir(MNNQ_INSTALL_LIBDIR);
    if (libdir.is_relative() && libdir != "lib")
      folders.push_back({(exe / ".." / libdir / "mnnq" / "plugins").lexically_normal().string(),
                         PluginOrigin::Installed});
  }
  if (options.use_environment) {
    if (const char* env = std::getenv("MNNQ_PLUGIN_PATH")) {
      std::string list = env;
      size_t start = 0;
      while (start <= list.size()) {
        size_t colon = list.find(':', start);
        if (colon == std::string::npos) colon = list.size();
        std::string item = list.substr(start, colon - start);
        if (!item.empty()) folders.push_back({item, PluginOrigin::Environment});
        start = colon + 1;
      }
    }
  }
  for (const auto& dir : options.plugin_dirs) folders.push_back({dir, PluginOrigin::CommandLine});
  return folders;
}

bool isCandidate(const std::string& filename, PluginOrigin origin) {
  if (!endsWith(filename, ".so")) return false;
  return origin == PluginOrigin::CommandLine || startsWith(filename, "libmnnq_");
}

}  // namespace

const char* originName(PluginOrigin origin) {
  switch (origin) {
    case PluginOrigin::BesideExecutable: return "beside the executable";
    case PluginOrigin::Installed: return "installed";
    case PluginOrigin::Environment: return "MNNQ_PLUGIN_PATH";
    case PluginOrigin::CommandLine: return "--plugin-dir";
    case PluginOrigin::InProcess: return "in process";
  }
  return "?";
}

std::string kindName(mnnq_kind kind) {
  switch (kind) {
    case MNNQ_KIND_FEATURE_CALIBRATOR: return "feature calibrator";
    case MNNQ_KIND_WEIGHT_QUANTIZER: return "weight quantizer";
    case MNNQ_KIND_INPUT_SOURCE: return "input source";
  }
  return "unknown kind " + std::to_string(static_cast<int>(kind));
}

std::string kindShortName(mnnq_kind kind) {
  switch (kind) {
    case MNNQ_KIND_FEATURE_CALIBRATOR: return "feature";
    case MNNQ_KIND_WEIGHT_QUANTIZER: return "weight";
    case MNNQ_KIND_INPUT_SOURCE: return "input";
  }
  return "unknown";
}

PluginRegistry PluginRegistry::discover(const PluginSearchOptions& options) {
  PluginRegistry registry;

  // Folders, each once; a folder also given as --plugin-dir counts as explicit.
  std::vector<Folder> folders;
  std::map<std::string, size_t> folder_index;
  for (const auto& folder : searchFolders(options)) {
    registry.folders_.push_back(folder.path);
    std::string id = identity(folder.path);
    auto found = folder_index.find(id);
    if (found == folder_index.end()) {
      folder_index[id] = folders.size();
      folders.push_back(folder);
    } else if (folder.origin == PluginOrigin::CommandLine) {
      folders[found->second].origin = PluginOrigin::CommandLine;
    }
  }

  std::map<std::string, bool> seen_files;
  std::map<std::pair<int, std::string>, std::shared_ptr<const LoadedPlugin>> by_name;
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder.path, ec)) continue;
    std::vector<std::string> files;
    for (fs::directory_iterator it(folder.path, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      if (isCandidate(it->path().filename().string(), folder.origin))
        files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());  // deterministic order and messages

    for (const auto& file : files) {
      std::string id = identity(file);
      if (seen_files.count(id)) continue;
      seen_files[id] = true;

      std::shared_ptr<const LoadedPlugin> plugin;
      try {
        plugin = LoadedPlugin::load(file, folder.origin);
      } catch (const std::exception& e) {
        std::string reason = e.what();
        // A library that is not ours, found in a --plugin-dir under another name, is normal
        // (a plugin's own dependencies); anything named libmnnq_* deserves a warning.
        bool quiet = folder.origin == PluginOrigin::CommandLine &&
                     !startsWith(fs::path(file).filename().string(), "libmnnq_") &&
                     reason.find("no `mnnq` section") != std::string::npos;
        registry.skipped_.push_back({file, reason, quiet});
        continue;
      }

      if (const std::string why = writableByOthers(folder.path, file); !why.empty())
        registry.warnings_.push_back(plugin->label() + " was loaded from " + why +
                                     ": any user could have replaced it");
      auto key = std::make_pair(static_cast<int>(plugin->kind()), plugin->name());
      auto existing = by_name.find(key);
      if (existing == by_name.end()) {
        by_name[key] = plugin;
        continue;
      }
      const auto& old = existing->second;
      bool new_explicit = plugin->origin() == PluginOrigin::CommandLine;
      bool old_explicit = old->origin() == PluginOrigin::CommandLine;
      if (new_explicit == old_explicit)
        throw PluginConflictError(
            "two " + kindName(plugin->kind()) + " plugins are named '" + plugin->name() +
            "': " + old->file() + " and " + plugin->file() +
            " (remove one; only a plugin given with --plugin-dir may replace a built-in one)");
      if (new_explicit) {
        registry.overridden_.push_back(old);
        existing->second = plugin;
      } else {
        registry.overridden_.push_back(plugin);
      }
    }
  }
  for (auto& entry : by_name) registry.plugins_.push_back(entry.second);
  return registry;
}

void PluginRegistry::addInProcess(std::shared_ptr<const LoadedPlugin> plugin) {
  if (const LoadedPlugin* old = find(plugin->kind(), plugin->name()))
    throw PluginConflictError("two " + kindName(plugin->kind()) + " plugins are named '" +
                              plugin->name() + "': " + old->file() + " and " + plugin->file());
  // Keep the order discover() gives: by kind, then name.
  auto before = [](const std::shared_ptr<const LoadedPlugin>& a,
                   const std::shared_ptr<const LoadedPlugin>& b) {
    return std::make_pair(static_cast<int>(a->kind()), a->name()) <
           std::make_pair(static_cast<int>(b->kind()), b->name());
  };
  plugins_.insert(std::upper_bound(plugins_.begin(), plugins_.end(), plugin, before), plugin);
}

const LoadedPlugin* PluginRegistry::find(mnnq_kind kind, const std::string& name) const {
  for (const auto& plugin : plugins_)
    if (plugin->kind() == kind && plugin->name() == name) return plugin.get();
  return nullptr;
}

std::vector<const LoadedPlugin*> PluginRegistry::findByName(const std::string& name) const {
  std::vector<const LoadedPlugin*> found;
  for (const auto& plugin : plugins_)
    if (plugin->name() == name) found.push_back(plugin.get());
  return found;
}

std::vector<std::string> PluginRegistry::names(mnnq_kind kind) const {
  std::vector<std::string> result;
  for (const auto& plugin : plugins_)
    if (plugin->kind() == kind) result.push_back(plugin->name());
  return result;
}

const LoadedPlugin& PluginRegistry::require(mnnq_kind kind, const std::string& name,
                                            const std::string& config_key) const {
  if (const LoadedPlugin* plugin = find(kind, name)) return *plugin;
  std::vector<std::string> available = names(kind);
  std::string message = config_key + " '" + name + "' is not a loaded " + kindName(kind) + " (";
  if (available.empty()) {
    message += "none is loaded";
  } else {
    message += "loaded: ";
    for (size_t i = 0; i < available.size(); ++i) message += (i ? ", " : "") + available[i];
  }
  message += ")";
  std::string suggestion = closestMatch(name, available);
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  for (const auto& skipped : skipped_)
    if (!skipped.quiet) message += "\n  note: refused " + skipped.reason;
  if (available.empty() && skipped_.empty()) {
    message += "\n  searched:";
    for (const auto& folder : folders_) message += " " + folder;
  }
  throw ConfigError(message);
}

}  // namespace mnnq
