// The proof that third parties can ship methods without touching the host: install this build
// into a temporary prefix, build sdk/examples/percentile against it with find_package(mnnq),
// and load the result into the installed mnnq with --plugin-dir.
#include "cli_runner.hpp"
#include "fake_plugins.hpp"
#include "fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace mnnq::test;
namespace fs = std::filesystem;

TEST_CASE("the example plugin builds against the installed SDK and validates its keys") {
  std::string work = tempDir("sdk");
  std::string prefix = work + "/prefix";
  std::string cmake = shellQuote(MNNQ_CMAKE);

  CommandResult install = runShell(cmake + " --install " + shellQuote(MNNQ_BUILD_DIR) +
                                   " --prefix " + shellQuote(prefix));
  INFO(install.out << install.err);
  REQUIRE(install.status == 0);

  std::string example = sourceDir() + "/sdk/examples/percentile";
  std::string build = work + "/percentile-build";
  CommandResult configure = runShell(cmake + " -S " + shellQuote(example) + " -B " +
                                     shellQuote(build) + " -DCMAKE_BUILD_TYPE=Release" +
                                     " -DCMAKE_PREFIX_PATH=" + shellQuote(prefix));
  INFO(configure.out << configure.err);
  REQUIRE(configure.status == 0);
  CommandResult compile = runShell(cmake + " --build " + shellQuote(build));
  INFO(compile.out << compile.err);
  REQUIRE(compile.status == 0);
  REQUIRE(fs::exists(build + "/libmnnq_percentile_example.so"));

  std::string host = shellQuote(prefix + "/bin/mnnq");
  std::string env = "env -u MNNQ_PLUGIN_PATH ";

  // The installed host finds the installed plugins in <prefix>/lib*/mnnq/plugins by itself.
  CommandResult installed = runShell(env + host + " plugins --json");
  REQUIRE(installed.status == 0);
  size_t installed_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(prefix))
    if (entry.path().parent_path().filename() == "plugins" &&
        entry.path().filename().string().rfind("libmnnq_", 0) == 0)
      ++installed_files;
  CHECK(nlohmann::json::parse(installed.out)["plugins"].size() == installed_files);

  CommandResult listed = runShell(env + host + " plugins --json --plugin-dir " + shellQuote(build));
  REQUIRE(listed.status == 0);
  bool found = false;
  nlohmann::json plugins = nlohmann::json::parse(listed.out)["plugins"];
  for (const auto& p : plugins)
    if (p["name"] == "PERCENTILE_EXAMPLE" && p["kind"] == "feature") found = true;
  CHECK(found);

  CommandResult show = runShell(env + host + " plugins show PERCENTILE_EXAMPLE --plugin-dir " + shellQuote(build));
  CHECK(show.status == 0);
  CHECK_THAT(show.out, Catch::Contains("percentile") && Catch::Contains("99.99"));
  // The host key it only names is shown with the host's declaration.
  CHECK_THAT(show.out, Catch::Contains("host keys it reads") &&
                           Catch::Contains("feature_clamp_value"));

  // What an author includes needs only the C++ standard library: no Boost, no JSON library.
  for (const char* header : {"/include/mnnq/abi.h", "/include/mnnq/plugin.hpp"}) {
    std::ifstream in(prefix + header);
    REQUIRE(in);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("#include", 0) == 0) {
        INFO(header << ": " << line);
        CHECK(line.find("boost") == std::string::npos);
        CHECK(line.find("nlohmann") == std::string::npos);
      }
  }

  // A config selecting PERCENTILE with a bad value for its key: exit 2, naming the key.
  std::string inputs = tempDir("sdk_inputs");
  placePlugin("libmnnq_test_weight", inputs);
  placePlugin("libmnnq_test_input", inputs);
  std::string cfg = work + "/cfg.yaml";
  std::ofstream(cfg) << "model: m.mnn\noutput: q.mnn\npath: images\nwidth: 4\n"
                        "feature_quantize_method: PERCENTILE_EXAMPLE\nweight_quantize_method: TESTW\n"
                        "input_type: testimg\npercentile: x\n";
  CommandResult bad = runShell(env + host + " run --config " + shellQuote(cfg) + " --plugin-dir " +
                               shellQuote(build) + " --plugin-dir " + shellQuote(inputs));
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::Contains("key 'percentile': expected a number in [50, 100], given \"x\""));
}
