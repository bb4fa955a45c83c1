// Conversion of ABI key declarations and the type/bounds check every config value goes through.
#include "mnnq/core/config_key.hpp"

#include <cmath>
#include <sstream>

namespace mnnq {
namespace {

std::string formatNumber(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::ostringstream out;
  out << v;
  return out.str();
}

// JSON numbers that hold an integral value count as integers (YAML and JSON writers sometimes
// print 127 as 127.0); 127.5 does not.
bool isIntegral(const nlohmann::json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
}

std::string shortDump(const nlohmann::json& v) {
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string boundsText(const ConfigKeySpec& spec) {
  if (spec.has_min && spec.has_max)
    return " in [" + formatNumber(spec.min_value) + ", " + formatNumber(spec.max_value) + "]";
  if (spec.has_min) return " >= " + formatNumber(spec.min_value);
  if (spec.has_max) return " <= " + formatNumber(spec.max_value);
  return "";
}

std::string choicesText(const ConfigKeySpec& spec) {
  std::string text;
  for (size_t i = 0; i < spec.choices.size(); ++i) text += (i ? ", " : "") + spec.choices[i];
  return text;
}

// Checks one scalar element of a NUMBER/INT (list) value.
std::string checkNumber(const ConfigKeySpec& spec, const nlohmann::json& v, bool integer) {
  if (!v.is_number() || (integer && !isIntegral(v))) return "not a number";
  double d = v.get<double>();
  if (!std::isfinite(d)) return "not a number";
  if ((spec.has_min && d < spec.min_value) || (spec.has_max && d > spec.max_value))
    return "out of range";
  return "";
}

}  // namespace

std::string typeName(mnnq_value_type type) {
  switch (type) {
    case MNNQ_VALUE_BOOL: return "boolean";
    case MNNQ_VALUE_INT: return "integer";
    case MNNQ_VALUE_NUMBER: return "number";
    case MNNQ_VALUE_STRING: return "string";
    case MNNQ_VALUE_NUMBER_LIST: return "list of numbers";
    case MNNQ_VALUE_INT_LIST: return "list of integers";
    case MNNQ_VALUE_STRING_LIST: return "list of strings";
    case MNNQ_VALUE_JSON: return "any JSON value";
  }
  return "unknown type " + std::to_string(static_cast<int>(type));
}

nlohmann::json configKeyJson(const ConfigKeySpec& spec) {
  nlohmann::json j = {{"name", spec.name}, {"type", typeName(spec.type)}, {"help", spec.help}};
  j["default"] = spec.has_default ? spec.default_value : nlohmann::json(nullptr);
  if (spec.has_min || spec.has_max)
    j["range"] = {spec.has_min ? nlohmann::json(spec.min_value) : nlohmann::json(nullptr),
                  spec.has_max ? nlohmann::json(spec.max_value) : nlohmann::json(nullptr)};
  if (!spec.choices.empty()) j["choices"] = spec.choices;
  return j;
}

std::string describeExpected(const ConfigKeySpec& spec) {
  std::string text;
  switch (spec.type) {
    case MNNQ_VALUE_INT: text = "an integer" + boundsText(spec); break;
    case MNNQ_VALUE_NUMBER: text = "a number" + boundsText(spec); break;
    case MNNQ_VALUE_NUMBER_LIST:
      text = "a list of numbers" + (spec.bounded() ? " each" + boundsText(spec) : ""); break;
    case MNNQ_VALUE_INT_LIST:
      text = "a list of integers" + (spec.bounded() ? " each" + boundsText(spec) : ""); break;
    case MNNQ_VALUE_BOOL: text = "true or false"; break;
    case MNNQ_VALUE_STRING:
      text = spec.choices.empty() ? "a string" : "one of " + choicesText(spec); break;
    case MNNQ_VALUE_STRING_LIST:
      text = spec.choices.empty() ? "a list of strings"
                                  : "a list of strings, each one of " + choicesText(spec);
      break;
    case MNNQ_VALUE_JSON: text = "any JSON value"; break;
  }
  return text;
}

std::string checkValue(const ConfigKeySpec& spec, const nlohmann::json& value) {
  auto fail = [&] { return "expected " + describeExpected(spec) + ", given " + shortDump(value); };
  auto choiceOk = [&](const nlohmann::json& v) {
    if (spec.choices.empty()) return true;
    for (const auto& c : spec.choices)
      if (v.get<std::string>() == c) return true;
    return false;
  };
  switch (spec.type) {
    case MNNQ_VALUE_BOOL:
      return value.is_boolean() ? "" : fail();
    case MNNQ_VALUE_INT:
      return checkNumber(spec, value, true).empty() ? "" : fail();
    case MNNQ_VALUE_NUMBER:
      return checkNumber(spec, value, false).empty() ? "" : fail();
    case MNNQ_VALUE_STRING:
      return value.is_string() && choiceOk(value) ? "" : fail();
    case MNNQ_VALUE_NUMBER_LIST:
    case MNNQ_VALUE_INT_LIST: {
      if (!value.is_array()) return fail();
      bool integer = spec.type == MNNQ_VALUE_INT_LIST;
      for (size_t i = 0; i < value.size(); ++i)
        if (!checkNumber(spec, value[i], integer).empty())
          return fail() + " (element " + std::to_string(i) + " is " + shortDump(value[i]) + ")";
      return "";
    }
    case MNNQ_VALUE_STRING_LIST: {
      if (!value.is_array()) return fail();
      for (size_t i = 0; i < value.size(); ++i)
        if (!value[i].is_string() || !choiceOk(value[i]))
          return fail() + " (element " + std::to_string(i) + " is " + shortDump(value[i]) + ")";
      return "";
    }
    case MNNQ_VALUE_JSON:
      return "";
  }
  return fail();
}

ConfigKeySpec toConfigKeySpec(const mnnq_config_key& key, const std::string& owner) {
  ConfigKeySpec spec;
  if (!key.name || !*key.name) throw std::invalid_argument("a config key has no name");
  spec.name = key.name;
  spec.owner = owner;
  switch (key.type) {
    case MNNQ_VALUE_BOOL: case MNNQ_VALUE_INT: case MNNQ_VALUE_NUMBER: case MNNQ_VALUE_STRING:
    case MNNQ_VALUE_NUMBER_LIST: case MNNQ_VALUE_INT_LIST: case MNNQ_VALUE_STRING_LIST:
    case MNNQ_VALUE_JSON:
      spec.type = key.type;
      break;
    default:
      throw std::invalid_argument("config key '" + spec.name + "' has unknown type " +
                                  std::to_string(static_cast<int>(key.type)));
  }
  spec.help = key.help ? key.help : "";
  if (key.flags & ~uint32_t(MNNQ_KEY_HAS_MIN | MNNQ_KEY_HAS_MAX))
    throw std::invalid_argument("config key '" + spec.name + "' has unknown flags " +
                                std::to_string(key.flags));
  spec.has_min = (key.flags & MNNQ_KEY_HAS_MIN) != 0;
  spec.has_max = (key.flags & MNNQ_KEY_HAS_MAX) != 0;
  spec.min_value = key.min_value;
  spec.max_value = key.max_value;
  if ((spec.has_min && !std::isfinite(spec.min_value)) ||
      (spec.has_max && !std::isfinite(spec.max_value)) ||
      (spec.has_min && spec.has_max && spec.min_value > spec.max_value))
    throw std::invalid_argument("config key '" + spec.name + "' has an empty or non-finite range");
  if (key.num_choices > 0) {
    if (spec.type != MNNQ_VALUE_STRING && spec.type != MNNQ_VALUE_STRING_LIST)
      throw std::invalid_argument("config key '" + spec.name +
                                  "' has choices but is not a string or list of strings");
    if (!key.choices)
      throw std::invalid_argument("config key '" + spec.name + "' has choices but choices is NULL");
    for (uint32_t i = 0; i < key.num_choices; ++i) {
      if (!key.choices[i] || !*key.choices[i])
        throw std::invalid_argument("config key '" + spec.name + "' has an empty choice");
      spec.choices.push_back(key.choices[i]);
    }
  }
  if (key.default_json) {
    try {
      spec.default_value = nlohmann::json::parse(key.default_json);
    } catch (const nlohmann::json::exception&) {
      throw std::invalid_argument("config key '" + spec.name + "' has a default that is not JSON: " +
                                  key.default_json);
    }
    std::string problem = checkValue(spec, spec.default_value);
    if (!problem.empty())
      throw std::invalid_argument("config key '" + spec.name + "' has a bad default: " + problem);
    spec.has_default = true;
  }
  return spec;
}

}  // namespace mnnq
