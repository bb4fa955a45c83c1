// Reading a config file: JSON or YAML by extension, both into the same nlohmann::json shape,
// with syntax errors located by line and column.
#include "mnnq/core/config.hpp"

#include "mnnq/core/limits.hpp"
#include "mnnq/core/regular_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace mnnq {
namespace {

std::string lowerExtension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// Line and column (1-based) of byte offset `offset` in `text`.
std::pair<size_t, size_t> lineColumn(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's message minus its "[json.exception.parse_error.101] parse error at line 3,
// column 5: " prefix, which repeats what we print in our own format.
std::string jsonReason(const std::string& what) {
  size_t column = what.find("column ");
  if (column != std::string::npos) {
    size_t colon = what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// Rejects duplicate keys: nlohmann would silently keep the last one, hiding a typo'd copy.
struct DuplicateKeyCheck {
  std::vector<std::vector<std::string>> open_objects;
  std::string duplicate;
  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) open_objects.emplace_back();
    if (event == E::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == E::key && !open_objects.empty()) {
      std::string key = parsed.get<std::string>();
      auto& keys = open_objects.back();
      if (std::find(keys.begin(), keys.end(), key) != keys.end() && duplicate.empty())
        duplicate = key;
      keys.push_back(key);
    }
    return true;
  }
};

std::string tooDeep(const std::string& source, const std::string& text, size_t offset) {
  auto [line, column] = lineColumn(text, offset);
  return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": nesting deeper than " +
         std::to_string(limits::kMaxConfigDepth) + " levels (the limit for a config)";
}

// Brackets of JSON (and YAML flow collections) outside strings, counted before any parser
// sees the text: the parsers and the tree they build recurse once per level.
void checkBracketDepth(const std::string& text, const std::string& source, bool yamlComments) {
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\' && quote == '"') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || (yamlComments && c == '\'' && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]))))) {
      quote = c;
    } else if (yamlComments && c == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(text[i - 1])))) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '[' || c == '{') {
      if (++depth > limits::kMaxConfigDepth) throw ConfigError(tooDeep(source, text, i));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

// nlohmann reports a number it cannot hold ("number overflow parsing '1e400'") without a
// position; find the token in the text for the line.
std::string numberOutOfRange(const std::string& text, const std::string& source, const std::string& what) {
  const size_t open = what.find('\'');
  const size_t close = open == std::string::npos ? open : what.find('\'', open + 1);
  std::string token = close == std::string::npos ? "" : what.substr(open + 1, close - open - 1);
  std::string where = source;
  if (!token.empty()) {
    const size_t at = text.find(token);
    if (at != std::string::npos) {
      auto [line, column] = lineColumn(text, at);
      where += ":" + std::to_string(line) + ":" + std::to_string(column);
    }
  }
  return where + ": number " + (token.empty() ? std::string("") : "'" + token + "' ") +
         "is out of range (beyond +-1.8e308)";
}

nlohmann::json parseJson(const std::string& text, const std::string& source) {
  checkBracketDepth(text, source, false);
  DuplicateKeyCheck check;
  nlohmann::json result;
  try {
    result = nlohmann::json::parse(text, std::ref(check));
  } catch (const nlohmann::json::out_of_range& e) {
    throw ConfigError(numberOutOfRange(text, source, e.what()));
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts the characters read, including the offending one.
    auto [line, column] = lineColumn(text, e.byte > 0 ? e.byte - 1 : 0);
    throw ConfigError(source + ":" + std::to_string(line) + ":" + std::to_string(column) +
                      ": invalid JSON: " + jsonReason(e.what()));
  }
  if (!check.duplicate.empty())
    throw ConfigError(source + ": key '" + check.duplicate + "' appears twice in one object");
  return result;
}

// YAML 1.2 core schema for plain (unquoted) scalars; quoted ones are always strings.
nlohmann::json yamlScalar(const YAML::Node& node, const std::string& source) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted or explicitly non-specific: a string
  static const std::regex null_re("~|null|Null|NULL|");
  static const std::regex true_re("true|True|TRUE");
  static const std::regex false_re("false|False|FALSE");
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex special_re("[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(text, null_re)) return nullptr;
  if (std::regex_match(text, true_re)) return true;
  if (std::regex_match(text, false_re)) return false;
  auto outOfRange = [&] {
    const YAML::Mark mark = node.Mark();
    return ConfigError(source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
                       ": number '" + text + "' is out of range (beyond +-1.8e308)");
  };
  auto toDouble = [&] {
    try {
      return std::stod(text);
    } catch (const std::out_of_range&) {
      // stod also refuses numbers too close to zero; those are 0 for every key
      const size_t e = text.find_first_of("eE");
      if (e != std::string::npos && text.find('-', e) != std::string::npos) return 0.0;
      throw outOfRange();
    }
  };
  if (std::regex_match(text, int_re)) {
    try {
      return std::stoll(text);
    } catch (const std::out_of_range&) {
      return toDouble();
    }
  }
  if (std::regex_match(text, float_re)) return toDouble();
  if (std::regex_match(text, special_re)) {
    const YAML::Mark mark = node.Mark();
    throw ConfigError(source + ":" + std::to_string(mark.line + 1) + ":" +
                      std::to_string(mark.column + 1) + ": '" + text +
                      "' (infinity / not-a-number) cannot be used in a config");
  }
  return text;
}

// Limits while converting: nesting depth (a self-referencing alias `x: &x [*x]` is endless
// nesting) and the number of values after alias expansion (nested aliases grow exponentially).
struct YamlBudget {
  int64_t nodes = 0;
};

std::string yamlWhere(const YAML::Node& node, const std::string& source) {
  const YAML::Mark mark = node.Mark();
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

nlohmann::json yamlToJson(const YAML::Node& node, const std::string& source, int depth, YamlBudget& budget) {
  if (depth > limits::kMaxConfigDepth)
    throw ConfigError(yamlWhere(node, source) + ": nesting deeper than " + std::to_string(limits::kMaxConfigDepth) +
                      " levels (the limit for a config; a self-referencing alias?)");
  if (++budget.nodes > limits::kMaxConfigNodes)
    throw ConfigError(yamlWhere(node, source) + ": more than " + std::to_string(limits::kMaxConfigNodes) +
                      " values after expanding aliases (the limit for a config)");
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      return yamlScalar(node, source);
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(yamlToJson(item, source, depth + 1, budget));
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) {
        const YAML::Mark mark = entry.first.Mark();
        std::string where = source + ":" + std::to_string(mark.line + 1) + ":" +
                            std::to_string(mark.column + 1);
        if (!entry.first.IsScalar()) throw ConfigError(where + ": a key must be a plain string");
        std::string key = entry.first.Scalar();
        if (object.contains(key))
          throw ConfigError(where + ": key '" + key + "' appears twice in one mapping");
        object[key] = yamlToJson(entry.second, source, depth + 1, budget);
      }
      return object;
    }
  }
  return nullptr;
}

// yaml-cpp's parser recurses once per nesting level: block nesting needs one more column of
// indentation (or one more "- " on the line) per level, flow nesting one more bracket.
void checkYamlNesting(const std::string& text, const std::string& source) {
  checkBracketDepth(text, source, true);
  constexpr size_t kMaxIndent = 4 * limits::kMaxConfigDepth;
  size_t lineStart = 0;
  while (lineStart < text.size()) {
    size_t i = lineStart;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' ||
                               ((text[i] == '-' || text[i] == '?' || text[i] == ':') && i + 1 < text.size() &&
                                (text[i + 1] == ' ' || text[i + 1] == '\t'))))
      ++i;
    if (i - lineStart > kMaxIndent) throw ConfigError(tooDeep(source, text, i));
    const size_t end = text.find('\n', lineStart);
    if (end == std::string::npos) break;
    lineStart = end + 1;
  }
}

nlohmann::json parseYaml(const std::string& text, const std::string& source) {
  checkYamlNesting(text, source);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  YamlBudget budget;
  return yamlToJson(root, source, 0, budget);
}

}  // namespace

ConfigFormat configFormatFor(const std::string& path) {
  std::string ext = lowerExtension(path);
  if (ext == ".json") return ConfigFormat::Json;
  if (ext == ".yaml" || ext == ".yml") return ConfigFormat::Yaml;
  throw ConfigError(path + ": unknown config format '" + ext +
                    "' (use a .json, .yaml or .yml file name)");
}

nlohmann::json parseConfigText(const std::string& text, ConfigFormat format,
                               const std::string& source_name) {
  nlohmann::json values = format == ConfigFormat::Json ? parseJson(text, source_name)
                                                       : parseYaml(text, source_name);
  if (!values.is_object())
    throw ConfigError(source_name + ": the config must be a " +
                      (format == ConfigFormat::Json ? "JSON object" : "YAML mapping") +
                      " of keys to values, found " +
                      (values.is_null() ? std::string("nothing") : values.type_name()));
  return values;
}

ConfigFile loadConfigFile(const std::string& path) {
  ConfigFormat format = configFormatFor(path);
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw ConfigError(path + ": is a folder, not a config file");
  const std::string irregular = notRegularFileReason(path);
  if (!irregular.empty() && irregular != "does not exist") throw ConfigError(path + ": " + irregular);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open config file");
  std::ostringstream text;
  text << in.rdbuf();
  ConfigFile file;
  fs::path absolute = fs::absolute(path, ec).lexically_normal();
  file.path = absolute.string();
  file.folder = absolute.parent_path().string();
  file.values = parseConfigText(text.str(), format, path);
  return file;
}

}  // namespace mnnq
