// Hostile configuration files (a regression corpus, made here): alias bombs, self-referencing
// aliases, deep nesting, numbers beyond double, special files. Each must end in a ConfigError
// (exit 2) naming the file and the line, quickly and without large allocations.
#include "fixtures.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/limits.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <fstream>

using namespace mnnq;

namespace {

std::string errorOf(const std::string& text, ConfigFormat format, const std::string& source = "cfg") {
  try {
    parseConfigText(text, format, source);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string nested(int depth, const char* open, const char* close) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

}  // namespace

TEST_CASE("config limits: YAML alias expansion is bounded (billion laughs)") {
  // 9 levels of 10 references: 10^9 values if expanded; the text is a few hundred bytes.
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string prev = "*a" + std::to_string(level - 1);
    text += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = errorOf(text, ConfigFormat::Yaml, "bomb.yaml");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK_THAT(msg, Catch::StartsWith("bomb.yaml:"));
  CHECK_THAT(msg, Catch::Contains("more than 1000000 values after expanding aliases"));
  CHECK(seconds < 20);  // bounded work (the limit, not 10^9 values)
  // A few aliases below the limit are fine.
  CHECK(errorOf("a: &a [1, 2]\nb: [*a, *a]\n", ConfigFormat::Yaml) == "(no error)");
}

TEST_CASE("config limits: a self-referencing alias ends in a ConfigError, not a stack overflow") {
  const std::string msg = errorOf("x: &x [*x]\n", ConfigFormat::Yaml, "self.yaml");
  CHECK_THAT(msg, Catch::StartsWith("self.yaml:"));
  CHECK(msg != "(no error)");
  const std::string map = errorOf("x: &x {y: *x}\n", ConfigFormat::Yaml, "self.yaml");
  CHECK_THAT(map, Catch::StartsWith("self.yaml:"));
}

TEST_CASE("config limits: nesting depth of JSON and YAML") {
  const int limit = limits::kMaxConfigDepth;
  // The top-level object counts as one level.
  CHECK(errorOf("{\"a\": " + nested(limit - 1, "[", "]") + "}", ConfigFormat::Json) == "(no error)");
  CHECK_THAT(errorOf("{\"a\": " + nested(200000, "[", "]") + "}", ConfigFormat::Json, "deep.json"),
             Catch::StartsWith("deep.json:1:") && Catch::Contains("nesting deeper than 64 levels"));
  CHECK_THAT(errorOf("{\"a\": \"" + nested(1000, "[", "]") + "\"}", ConfigFormat::Json),
             Catch::Equals("(no error)"));  // brackets inside strings do not count
  CHECK_THAT(errorOf("a: " + nested(200000, "[", "]") + "\n", ConfigFormat::Yaml, "deep.yaml"),
             Catch::StartsWith("deep.yaml:1:") && Catch::Contains("nesting deeper than 64 levels"));
  std::string dashes = "a:\n";
  for (int i = 0; i < 200000; ++i) dashes += "- ";
  dashes += "x\n";
  CHECK_THAT(errorOf(dashes, ConfigFormat::Yaml, "dashes.yaml"),
             Catch::StartsWith("dashes.yaml:2:") && Catch::Contains("nesting deeper than 64 levels"));
  std::string block = "a:\n";
  for (int i = 0; i < 100; ++i) block += std::string(2 * (i + 1), ' ') + "k" + std::to_string(i) + ":\n";
  CHECK_THAT(errorOf(block, ConfigFormat::Yaml, "block.yaml"),
             Catch::StartsWith("block.yaml:") && Catch::Contains("nesting deeper than 64 levels"));
}

TEST_CASE("config limits: numbers beyond double are a ConfigError with the line") {
  CHECK_THAT(errorOf("{\n  \"mean\": [1e400]\n}", ConfigFormat::Json, "big.json"),
             Catch::Equals("big.json:2:12: number '1e400' is out of range (beyond +-1.8e308)"));
  CHECK_THAT(errorOf("a: 1\nmean: [1e400]\n", ConfigFormat::Yaml, "big.yaml"),
             Catch::Equals("big.yaml:2:8: number '1e400' is out of range (beyond +-1.8e308)"));
  CHECK_THAT(errorOf("a: " + std::string(400, '9') + "\n", ConfigFormat::Yaml, "big.yaml"),
             Catch::StartsWith("big.yaml:1:4: number '999"));
  // Underflow is zero, as in JSON.
  CHECK(errorOf("a: 1e-400\n", ConfigFormat::Yaml) == "(no error)");
}

TEST_CASE("config limits: a FIFO or device as config file is refused without blocking") {
  const std::string dir = test::tempDir("config_special");
  const std::string fifo = dir + "/cfg.json";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(loadConfigFile(fifo), fifo + ": is a FIFO (named pipe), not a regular file");
  CHECK_THROWS_AS(loadConfigFile("/dev/zero.json"), ConfigError);  // absent: cannot open
}
