// Configuration keys as the host sees them: the host's own keys and every plugin's
// mnnq_config_key declarations are converted to ConfigKeySpec, so one validator checks a user's
// config against all of them and `mnnq plugins show` prints them the same way.
#pragma once

#include <mnnq/abi.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq {

// Anything wrong with what the user asked for: configuration file, command line options,
// method names. The CLI exits with status 2 for it. The message names the file and the key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConfigKeySpec {
  std::string name;
  mnnq_value_type type = MNNQ_VALUE_JSON;
  bool has_default = false;
  nlohmann::json default_value;  // valid only if has_default
  std::string help;
  // Inclusive bounds of INT/NUMBER values and list elements, each applying only when its flag
  // is set (MNNQ_KEY_HAS_MIN / _MAX).
  bool has_min = false;
  bool has_max = false;
  double min_value = 0;
  double max_value = 0;
  bool bounded() const { return has_min || has_max; }
  // Allowed values of a STRING / STRING_LIST key (mnnq_config_key::choices). Empty: any string.
  std::vector<std::string> choices;
  std::string owner;  // "host" or the declaring plugin's name, for messages
};

// Converts one ABI declaration. Throws std::invalid_argument when the declaration itself is
// broken (no name, unknown type, default that is not JSON or does not match the type).
ConfigKeySpec toConfigKeySpec(const mnnq_config_key& key, const std::string& owner);

// "integer", "list of numbers", ... as used in messages and help.
std::string typeName(mnnq_value_type type);
// Type plus bounds and choices, e.g. "integer in [1, 8]" or "one of RGB, BGR".
std::string describeExpected(const ConfigKeySpec& spec);

// The declaration as JSON (name, type, help, default, range, choices), as `mnnq plugins
// --json` and the Python module's plugins() list it.
nlohmann::json configKeyJson(const ConfigKeySpec& spec);

// Checks `value` against the declaration; returns an empty string when it fits, else a reason
// such as "expected an integer in [2, 8], given 9".
std::string checkValue(const ConfigKeySpec& spec, const nlohmann::json& value);

}  // namespace mnnq
