// Discovery: which files are loaded, which are refused and why, and the name-clash rule.
#include "fake_plugins.hpp"
#include "fixtures.hpp"

#include "mnnq/core/plugin_registry.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstddef>

#include <fstream>

using namespace mnnq;
using mnnq::test::placePlugin;

namespace {

PluginSearchOptions explicitDirs(std::vector<std::string> dirs) {
  PluginSearchOptions options;
  options.use_environment = false;
  options.plugin_dirs = std::move(dirs);
  return options;
}

const SkippedPlugin* skippedFile(const PluginRegistry& registry, const std::string& needle) {
  for (const auto& s : registry.skipped())
    if (s.file.find(needle) != std::string::npos) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("a valid plugin is loaded with its declared metadata and keys") {
  std::string dir = test::tempDir("valid");
  std::string file = placePlugin("libmnnq_test_feature", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  REQUIRE(registry.plugins().size() == 1);
  const LoadedPlugin& p = *registry.plugins()[0];
  CHECK(p.name() == "TESTCAL");
  CHECK(p.kind() == MNNQ_KIND_FEATURE_CALIBRATOR);
  CHECK(p.version() == "1.0.0");
  CHECK(p.description() == "test calibrator");
  CHECK(p.abiVersion() == MNNQ_ABI_VERSION);
  CHECK(p.flags() == MNNQ_CALIBRATOR_SHARE_SCALES);
  CHECK(p.file() == file);
  CHECK(p.origin() == PluginOrigin::CommandLine);
  REQUIRE(p.keys().size() == 2);
  CHECK(p.keys()[0].name == "tc_level");
  CHECK(p.keys()[0].type == MNNQ_VALUE_INT);
  CHECK(p.keys()[0].default_value == 3);
  CHECK(p.keys()[0].min_value == 1);
  CHECK(p.keys()[0].max_value == 10);
  CHECK(p.keys()[0].has_min);
  CHECK(p.keys()[0].has_max);
  CHECK(p.keys()[1].choices == std::vector<std::string>{"ok", "fail_create"});
  CHECK(p.keys()[1].help == "test behaviour");
  // The host key it reads is listed with the host's declaration, not re-declared.
  REQUIRE(p.hostKeys().size() == 1);
  CHECK(p.hostKeys()[0].name == "feature_clamp_value");
  CHECK(p.hostKeys()[0].owner == "host");
  CHECK(p.hostKeys()[0].max_value == 127);
  CHECK(p.readsKey("feature_clamp_value"));
  CHECK(p.readsKey("tc_mode"));
  CHECK_FALSE(p.readsKey("quant_bits"));
  CHECK(registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL") == &p);
  CHECK(registry.find(MNNQ_KIND_WEIGHT_QUANTIZER, "TESTCAL") == nullptr);
  CHECK(registry.skipped().empty());
}

TEST_CASE("a plugin built for another ABI is refused with the file and both versions") {
  std::string dir = test::tempDir("abi");
  std::string file = placePlugin("libmnnq_broken_abi", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.skipped().size() == 1);
  CHECK(registry.skipped()[0].reason ==
        file + ": plugin ABI 99, host supports " + std::to_string(MNNQ_ABI_VERSION));
  CHECK_FALSE(registry.skipped()[0].quiet);
}

TEST_CASE("a plugin built against the ABI 1 SDK is refused with the clear version message") {
  std::string dir = test::tempDir("abi1");
  std::string file = placePlugin("libmnnq_broken_abi_v1", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.skipped().size() == 1);
  CHECK(MNNQ_ABI_VERSION == 2u);
  CHECK(registry.skipped()[0].reason == file + ": plugin ABI 1, host supports 2");
}

TEST_CASE("a plugin without any config key loads (PluginKeys() / {} in standard C++)") {
  std::string dir = test::tempDir("nokeys");
  placePlugin("libmnnq_test_no_keys", dir);
  placePlugin("libmnnq_test_arrival_sum", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.skipped().empty());
  for (const char* name : {"TESTNOKEYS", "TESTSUM"}) {
    INFO(name);
    REQUIRE(registry.findByName(name).size() == 1);
    CHECK(registry.findByName(name)[0]->keys().empty());
    CHECK(registry.findByName(name)[0]->hostKeys().empty());
  }
}

TEST_CASE("a plugin naming a host key the host does not have is refused") {
  std::string dir = test::tempDir("hostkey");
  std::string file = placePlugin("libmnnq_broken_host_key", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.skipped().size() == 1);
  CHECK(registry.skipped()[0].reason ==
        file + ": reads host key 'no_such_host_key', which this host does not have");
}

TEST_CASE("a shared library without an mnnq section is skipped without being loaded") {
  // Loading not_a_plugin runs a constructor that aborts, so reaching the checks proves the
  // host only read its headers.
  std::string dir = test::tempDir("notplugin");
  placePlugin("libmnnq_not_a_plugin", dir);
  placePlugin("libmnnq_not_a_plugin", dir, "libdependency.so");
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.skipped().size() == 2);
  const SkippedPlugin* named = skippedFile(registry, "libmnnq_not_a_plugin.so");
  const SkippedPlugin* other = skippedFile(registry, "libdependency.so");
  REQUIRE(named);
  REQUIRE(other);
  CHECK_THAT(named->reason, Catch::Contains("no `mnnq` section"));
  CHECK_FALSE(named->quiet);  // named like a plugin: worth a warning
  CHECK(other->quiet);        // someone's dependency in a --plugin-dir: not worth one
}

TEST_CASE("files that are not shared libraries at all are refused, not crashed on") {
  std::string dir = test::tempDir("garbage");
  { std::ofstream(dir + "/libmnnq_text.so") << "this is not an ELF file\n"; }
  { std::ofstream(dir + "/libmnnq_empty.so"); }
  {
    // An ELF magic followed by garbage: a truncated header.
    std::ofstream out(dir + "/libmnnq_truncated.so", std::ios::binary);
    out << "\x7f" "ELF\x02\x01\x01" << std::string(20, '\xff');
  }
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.plugins().empty());
  CHECK(registry.skipped().size() == 3);
  for (const auto& s : registry.skipped()) CHECK_THAT(s.reason, Catch::Contains("not an mnnq plugin"));
}

TEST_CASE("an mnnq section without the entry symbol is refused") {
  std::string dir = test::tempDir("noentry");
  std::string file = placePlugin("libmnnq_broken_no_entry", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.plugins().empty());
  REQUIRE(registry.skipped().size() == 1);
  CHECK(registry.skipped()[0].reason ==
        file + ": has an `mnnq` section but does not export mnnq_plugin_entry");
}

TEST_CASE("struct sizes, NULL functions and bad key declarations are refused") {
  std::string dir = test::tempDir("broken");
  std::string small = placePlugin("libmnnq_broken_small_info", dir);
  std::string null_fn = placePlugin("libmnnq_broken_null_function", dir);
  std::string bad_default = placePlugin("libmnnq_broken_bad_default", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  CHECK(registry.plugins().empty());
  REQUIRE(skippedFile(registry, "small_info"));
  CHECK(skippedFile(registry, "small_info")->reason ==
        small + ": mnnq_plugin_info struct_size 8 is smaller than ABI 2's " +
            std::to_string(offsetof(mnnq_plugin_info, num_host_keys) + sizeof(uint32_t)));
  REQUIRE(skippedFile(registry, "null_function"));
  CHECK(skippedFile(registry, "null_function")->reason ==
        null_fn + ": vtable function quantize is NULL");
  REQUIRE(skippedFile(registry, "bad_default"));
  CHECK(skippedFile(registry, "bad_default")->reason ==
        bad_default + ": config key 'bits' has a bad default: expected an integer, given \"eight\"");
}

TEST_CASE("two plugins of the same kind and name in built-in folders are an error naming both") {
  std::string exe = test::tempDir("dup_exe");
  std::string a = placePlugin("libmnnq_test_feature", exe);
  std::string b = placePlugin("libmnnq_test_feature_v2", exe);
  PluginSearchOptions options;
  options.use_environment = false;
  options.executable_dir = exe;
  try {
    PluginRegistry::discover(options);
    FAIL("no error for duplicate plugins");
  } catch (const PluginConflictError& e) {
    std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("'TESTCAL'"));
    CHECK_THAT(what, Catch::Contains(a));
    CHECK_THAT(what, Catch::Contains(b));
  }
}

TEST_CASE("two --plugin-dir plugins of the same kind and name are an error too") {
  std::string one = test::tempDir("dup_dir1");
  std::string two = test::tempDir("dup_dir2");
  placePlugin("libmnnq_test_feature", one);
  placePlugin("libmnnq_test_feature_v2", two);
  CHECK_THROWS_AS(PluginRegistry::discover(explicitDirs({one, two})), PluginConflictError);
}

TEST_CASE("a --plugin-dir plugin replaces a built-in one of the same kind and name") {
  std::string exe = test::tempDir("prec_exe");
  std::string user = test::tempDir("prec_user");
  std::string builtin = placePlugin("libmnnq_test_feature", exe);
  std::string mine = placePlugin("libmnnq_test_feature_v2", user);
  PluginSearchOptions options = explicitDirs({user});
  options.executable_dir = exe;
  PluginRegistry registry = PluginRegistry::discover(options);
  const LoadedPlugin* p = registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL");
  REQUIRE(p);
  CHECK(p->version() == "2.0.0");
  CHECK(p->file() == mine);
  REQUIRE(registry.overridden().size() == 1);
  CHECK(registry.overridden()[0]->file() == builtin);
}

TEST_CASE("same name in different kinds is no clash; MNNQ_PLUGIN_PATH and folder order") {
  std::string env1 = test::tempDir("env1");
  std::string env2 = test::tempDir("env2");
  placePlugin("libmnnq_test_feature", env1);
  placePlugin("libmnnq_test_weight", env2);
  // Only libmnnq_*.so files count outside --plugin-dir folders.
  placePlugin("libmnnq_test_input", env2, "testinput.so");
  ::setenv("MNNQ_PLUGIN_PATH", (env1 + ":" + env2).c_str(), 1);
  PluginSearchOptions options;
  PluginRegistry registry = PluginRegistry::discover(options);
  ::unsetenv("MNNQ_PLUGIN_PATH");
  CHECK(registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL"));
  CHECK(registry.find(MNNQ_KIND_WEIGHT_QUANTIZER, "TESTW"));
  CHECK_FALSE(registry.find(MNNQ_KIND_INPUT_SOURCE, "testimg"));
  REQUIRE(registry.searchedFolders().size() == 2);
  CHECK(registry.searchedFolders()[0] == env1);
  CHECK(registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL")->origin() == PluginOrigin::Environment);
}

TEST_CASE("the executable's folder and the installed plugin folder are searched") {
  std::string prefix = test::tempDir("prefix");
  std::string bin = prefix + "/bin";
  std::string plugins = prefix + "/lib/mnnq/plugins";
  placePlugin("libmnnq_test_feature", bin);
  placePlugin("libmnnq_test_weight", plugins);
  PluginSearchOptions options;
  options.use_environment = false;
  options.executable_dir = bin;
  PluginRegistry registry = PluginRegistry::discover(options);
  REQUIRE(registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL"));
  CHECK(registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL")->origin() ==
        PluginOrigin::BesideExecutable);
  REQUIRE(registry.find(MNNQ_KIND_WEIGHT_QUANTIZER, "TESTW"));
  CHECK(registry.find(MNNQ_KIND_WEIGHT_QUANTIZER, "TESTW")->origin() == PluginOrigin::Installed);
}

TEST_CASE("a folder given twice, or the executable's folder as --plugin-dir, loads each file once") {
  std::string exe = test::tempDir("twice");
  placePlugin("libmnnq_test_feature", exe);
  PluginSearchOptions options = explicitDirs({exe, exe + "/."});
  options.executable_dir = exe;
  PluginRegistry registry = PluginRegistry::discover(options);
  REQUIRE(registry.plugins().size() == 1);
  CHECK(registry.plugins()[0]->origin() == PluginOrigin::CommandLine);
  CHECK(registry.overridden().empty());
}

TEST_CASE("require names the key, the loaded plugins and the closest name") {
  std::string dir = test::tempDir("require");
  placePlugin("libmnnq_test_feature", dir);
  placePlugin("libmnnq_test_other_feature", dir);
  placePlugin("libmnnq_broken_abi", dir);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  try {
    registry.require(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAK", "feature_quantize_method");
    FAIL("no error");
  } catch (const ConfigError& e) {
    std::string what = e.what();
    CHECK_THAT(what, Catch::StartsWith("feature_quantize_method 'TESTCAK' is not a loaded feature "
                                       "calibrator (loaded: TESTCAL, TESTEMA); did you mean 'TESTCAL'?"));
    CHECK_THAT(what, Catch::Contains("plugin ABI 99, host supports 2"));
  }
}

TEST_CASE("a plugin from a world-writable folder is loaded with a warning") {
  std::string dir = test::tempDir("writable");
  placePlugin("libmnnq_test_feature", dir);
  CHECK(PluginRegistry::discover(explicitDirs({dir})).warnings().empty());
  REQUIRE(::chmod(dir.c_str(), 0777) == 0);
  PluginRegistry registry = PluginRegistry::discover(explicitDirs({dir}));
  REQUIRE(registry.plugins().size() == 1);
  REQUIRE(registry.warnings().size() == 1);
  CHECK_THAT(registry.warnings()[0], Catch::StartsWith("TESTCAL (feature calibrator, ") &&
                                         Catch::Contains("was loaded from the world-writable folder " + dir) &&
                                         Catch::EndsWith("any user could have replaced it"));
}
