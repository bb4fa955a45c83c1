// `mnnq plugins`: what was found where, and `mnnq plugins show NAME`: the keys a plugin reads.
#include "cli_plugins.hpp"
#include "command.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/suggest.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

namespace mnnq::cli {
namespace {

nlohmann::json pluginJson(const LoadedPlugin& plugin) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& key : plugin.keys()) keys.push_back(configKeyJson(key));
  nlohmann::json host_keys = nlohmann::json::array();
  for (const auto& key : plugin.hostKeys()) host_keys.push_back(configKeyJson(key));
  return {{"kind", kindShortName(plugin.kind())}, {"name", plugin.name()},
          {"version", plugin.version()},          {"abi", plugin.abiVersion()},
          {"description", plugin.description()},  {"file", plugin.file()},
          {"origin", originName(plugin.origin())}, {"flags", plugin.flags()},
          {"keys", keys},                         {"host_keys", host_keys}};
}

std::string padded(std::string text, size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text + " ";
}

void printKeys(const std::vector<ConfigKeySpec>& keys,
               const char* none = "  (no config keys of its own)\n") {
  if (keys.empty()) {
    std::cout << none;
    return;
  }
  size_t name_width = 4, type_width = 4, default_width = 7;
  for (const auto& key : keys) {
    name_width = std::max(name_width, key.name.size());
    type_width = std::max(type_width, typeName(key.type).size());
    default_width = std::max(default_width, key.has_default ? key.default_value.dump().size() : 1);
  }
  std::cout << "  " << padded("KEY", name_width) << padded("TYPE", type_width)
            << padded("DEFAULT", default_width) << "MEANING\n";
  for (const auto& key : keys) {
    std::string meaning = key.help;
    if (key.bounded() || !key.choices.empty()) meaning += " (" + describeExpected(key) + ")";
    std::cout << "  " << padded(key.name, name_width) << padded(typeName(key.type), type_width)
              << padded(key.has_default ? key.default_value.dump() : "-", default_width) << meaning
              << "\n";
  }
}

int listPlugins(const PluginRegistry& registry, bool json) {
  if (json) {
    nlohmann::json out = {{"host_abi", MNNQ_ABI_VERSION}};
    out["plugins"] = nlohmann::json::array();
    for (const auto& plugin : registry.plugins()) out["plugins"].push_back(pluginJson(*plugin));
    out["skipped"] = nlohmann::json::array();
    for (const auto& skipped : registry.skipped())
      if (!skipped.quiet) out["skipped"].push_back({{"file", skipped.file}, {"reason", skipped.reason}});
    out["overridden"] = nlohmann::json::array();
    for (const auto& plugin : registry.overridden()) out["overridden"].push_back(pluginJson(*plugin));
    out["searched"] = registry.searchedFolders();
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (registry.plugins().empty()) {
    std::cout << "no plugins found; searched:\n";
    for (const auto& folder : registry.searchedFolders()) std::cout << "  " << folder << "\n";
    return kExitOk;
  }
  size_t name_width = 4, version_width = 7;
  for (const auto& plugin : registry.plugins()) {
    name_width = std::max(name_width, plugin->name().size());
    version_width = std::max(version_width, plugin->version().size());
  }
  std::cout << padded("KIND", 7) << padded("NAME", name_width) << padded("VERSION", version_width)
            << padded("ABI", 3) << "DESCRIPTION\n";
  for (const auto& plugin : registry.plugins()) {
    std::cout << padded(kindShortName(plugin->kind()), 7) << padded(plugin->name(), name_width)
              << padded(plugin->version(), version_width)
              << padded(std::to_string(plugin->abiVersion()), 3) << plugin->description() << "\n"
              << std::string(8, ' ') << plugin->file() << "\n";
  }
  return kExitOk;
}

int showPlugin(const PluginRegistry& registry, const std::string& name, bool json) {
  if (name == "host") {
    if (json) {
      nlohmann::json keys = nlohmann::json::array();
      for (const auto& key : hostConfigKeys()) keys.push_back(configKeyJson(key));
      std::cout << nlohmann::json{{"name", "host"}, {"keys", keys}}.dump(2) << "\n";
    } else {
      std::cout << "host: keys the mnnq host reads itself, whatever plugins run\n";
      printKeys(hostConfigKeys());
    }
    return kExitOk;
  }
  std::vector<const LoadedPlugin*> found = registry.findByName(name);
  if (found.empty()) {
    std::vector<std::string> names = {"host"};
    for (const auto& plugin : registry.plugins()) names.push_back(plugin->name());
    std::string suggestion = closestMatch(name, names);
    throw ConfigError("no plugin named '" + name + "'" +
                      (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") +
                      " (mnnq plugins lists them)");
  }
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const LoadedPlugin* plugin : found) out.push_back(pluginJson(*plugin));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (size_t i = 0; i < found.size(); ++i) {
    const LoadedPlugin& plugin = *found[i];
    if (i) std::cout << "\n";
    std::cout << plugin.name() << ": " << kindName(plugin.kind()) << ", version "
              << plugin.version() << ", plugin ABI " << plugin.abiVersion() << "\n"
              << "  " << plugin.description() << "\n"
              << "  file: " << plugin.file() << " (" << originName(plugin.origin()) << ")\n"
              << "config keys:\n";
    printKeys(plugin.keys());
    std::cout << "host keys it reads (declared by the host; mnnq plugins show host):\n";
    printKeys(plugin.hostKeys(), "  (none)\n");
  }
  return kExitOk;
}

}  // namespace

int pluginsMain(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("json", "print JSON instead of text");
  addPluginDirOption(options);
  po::options_description hidden;
  hidden.add_options()("operands", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("operands", -1);
  auto vm = parseCommandLine("plugins", "mnnq plugins [--json] [--plugin-dir DIR]...\n"
                                        "       mnnq plugins show NAME [--json] [--plugin-dir DIR]...\n"
                                        "       (NAME 'host' shows the keys the host reads)",
                             args, options, &positional, &hidden);
  if (!vm) return kExitOk;
  std::vector<std::string> operands;
  if (vm->count("operands")) operands = (*vm)["operands"].as<std::vector<std::string>>();
  bool json = vm->count("json") > 0;
  PluginRegistry registry = loadPlugins(*vm);
  if (operands.empty()) return listPlugins(registry, json);
  if (operands[0] == "show" && operands.size() == 2) return showPlugin(registry, operands[1], json);
  if (operands[0] == "show") throw UsageError("'plugins show' takes exactly one plugin name");
  throw UsageError("unexpected operand '" + operands[0] + "'");
}

}  // namespace mnnq::cli
