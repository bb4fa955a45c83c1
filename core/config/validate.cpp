// Checking a parsed config against declared keys: unknown keys (with a suggestion), types,
// ranges and choices; then defaults and path resolution.
#include "mnnq/core/config.hpp"

#include "mnnq/core/suggest.hpp"

#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace mnnq {
namespace {

const ConfigKeySpec* findSpec(const std::vector<ConfigKeySpec>& specs, const std::string& name) {
  for (const auto& spec : specs)
    if (spec.name == name) return &spec;
  return nullptr;
}

// Host keys are declared once, in host_keys.cpp, with one default and one range. A plugin
// declaration with a host key's name only says that the plugin reads the key (plugins should
// name it in host_keys instead); it neither checks the value nor supplies a default.
std::vector<ConfigKeySpec> withoutHostKeys(const std::vector<ConfigKeySpec>& specs) {
  std::vector<ConfigKeySpec> kept;
  for (const auto& spec : specs)
    if (spec.owner == "host" || !findSpec(hostConfigKeys(), spec.name)) kept.push_back(spec);
  return kept;
}

void checkAgainst(const ConfigKeySpec& spec, const nlohmann::json& value,
                  const std::string& source) {
  std::string problem = checkValue(spec, value);
  if (!problem.empty())
    throw ConfigError(source + ": key '" + spec.name + "': " + problem +
                      (spec.owner == "host" ? "" : " (declared by plugin " + spec.owner + ")"));
}

}  // namespace

ValidatedConfig validateConfig(const nlohmann::json& raw, const std::string& source_name,
                               const std::string& base_dir, const ConfigSchema& given) {
  if (!raw.is_object()) throw ConfigError(source_name + ": the config must be an object");
  ConfigSchema schema;
  schema.active = withoutHostKeys(given.active);
  schema.passive = withoutHostKeys(given.passive);
  ValidatedConfig result;
  result.values = nlohmann::json::object();

  for (const auto& [key, value] : raw.items()) {
    const ConfigKeySpec* spec = findSpec(schema.active, key);
    if (spec) {
      // Every active declaration of the key must accept the value (two selected plugins may
      // both declare one key of their own).
      for (const auto& other : schema.active)
        if (other.name == key) checkAgainst(other, value, source_name);
    } else if ((spec = findSpec(schema.passive, key))) {
      checkAgainst(*spec, value, source_name);
      std::set<std::string> owners;
      for (const auto& other : schema.passive)
        if (other.name == key) owners.insert(other.owner);
      std::string list;
      for (const auto& owner : owners) list += (list.empty() ? "" : ", ") + owner;
      result.notes.push_back("key '" + key + "' is read only by " + list +
                             ", which this run does not use; it has no effect");
    } else {
      std::vector<std::string> known;
      for (const auto& s : schema.active) known.push_back(s.name);
      for (const auto& s : schema.passive) known.push_back(s.name);
      std::string message = source_name + ": unknown key '" + key + "'";
      std::string suggestion = closestMatch(key, known);
      if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
      else message += " (mnnq plugins show NAME lists the keys a plugin reads)";
      throw ConfigError(message);
    }
    result.values[key] = value;
  }

  // Two selected plugins declaring the same key: the first declaration's default is used.
  std::set<std::string> decided;
  for (const auto& spec : schema.active) {
    if (!decided.insert(spec.name).second) continue;
    if (!result.values.contains(spec.name) && spec.has_default)
      result.values[spec.name] = spec.default_value;
  }

  for (auto& [key, value] : result.values.items()) {
    if (!isPathKey(key) || !value.is_string()) continue;
    std::string text = value.get<std::string>();
    if (text.empty()) throw ConfigError(source_name + ": key '" + key + "' is an empty path");
    fs::path path(text);
    if (path.is_relative()) path = fs::path(base_dir) / path;
    value = path.lexically_normal().string();
  }
  return result;
}

}  // namespace mnnq
