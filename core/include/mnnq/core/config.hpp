// Run configuration: reading JSON or YAML, and validating it against declared keys.
//
// Usage:
//   mnnq::ConfigFile file = mnnq::loadConfigFile("cfg.yaml");   // ConfigError on parse errors
//   mnnq::ConfigSchema schema;
//   schema.active = mnnq::hostConfigKeys();                       // + selected plugins' keys
//   mnnq::ValidatedConfig config = mnnq::validateConfig(file.values, file.path, file.folder, schema);
//   plugin_create(config.values.dump().c_str(), ...);
// For a whole run, prepareRunConfig (run_config.hpp) does all of this and picks the plugins.
//
// The same settings written in JSON or YAML parse to the identical nlohmann::json object:
// YAML plain scalars are typed by the YAML 1.2 core schema (true/false, null/~, integers,
// decimals), quoted scalars stay strings.
#pragma once

#include "mnnq/core/config_key.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mnnq {

enum class ConfigFormat { Json, Yaml };

// .json -> Json; .yaml / .yml -> Yaml; anything else -> ConfigError.
ConfigFormat configFormatFor(const std::string& path);

// Parses text; a syntax error becomes ConfigError "<source>:<line>:<column>: ...". The result
// must be an object (mapping) at the top level.
nlohmann::json parseConfigText(const std::string& text, ConfigFormat format,
                               const std::string& source_name);

struct ConfigFile {
  std::string path;    // absolute
  std::string folder;  // absolute folder of path: relative paths in the file resolve against it
  nlohmann::json values;
};

ConfigFile loadConfigFile(const std::string& path);

// The keys the host itself reads (model, output, path, methods, bits, clamps, skip list,
// threads, shards, ...), with defaults. Declared as mnnq_config_key like a plugin's.
const std::vector<ConfigKeySpec>& hostConfigKeys();

// Keys whose string value is a file or folder: resolved against the config file's folder.
bool isPathKey(const std::string& key);

struct ConfigSchema {
  // Host keys and the selected plugins' keys: values are checked against every declaration,
  // defaults come from the first declaration of a key. A plugin's declaration of a host key is
  // not a declaration: the host key's own default and range apply.
  std::vector<ConfigKeySpec> active;
  // Keys declared by loaded plugins that this run does not use (e.g. EMA's batch_size in a
  // KL run): accepted and checked, not filled in, and mentioned in a note.
  std::vector<ConfigKeySpec> passive;
};

struct ValidatedConfig {
  nlohmann::json values;           // object: given values + defaults, paths absolute
  std::vector<std::string> notes;  // things worth telling the user (keys that have no effect)
};

// Throws ConfigError naming `source_name` and the key for: unknown keys (with the closest
// known key), wrong types, values out of range or not among the allowed choices.
ValidatedConfig validateConfig(const nlohmann::json& raw, const std::string& source_name,
                               const std::string& base_dir, const ConfigSchema& schema);

}  // namespace mnnq
