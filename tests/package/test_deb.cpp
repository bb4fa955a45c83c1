// The Debian package made by scripts/package.sh (cmake/package.cmake), checked from the
// outside with dpkg-deb: its control fields, that it holds the host, every plugin this build
// makes, the SDK and the Python module, that Depends names the package of every shared library
// its ELF files need, and that sdk/examples/percentile builds against its extracted contents
// and loads into the extracted mnnq.
#include "cli_runner.hpp"
#include "fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

using namespace mnnq::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t k = 0;
  while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k]))) ++k;
  return s.substr(k);
}

// Package names in a Depends field ("a (>= 1), b | c" -> a, b, c).
std::set<std::string> dependNames(const std::string& field) {
  std::set<std::string> names;
  std::string current;
  bool inVersion = false;
  for (char c : field + ",") {
    if (c == '(') inVersion = true;
    if (c == ')') inVersion = false;
    if (inVersion || c == ')') continue;
    if (c == ',' || c == '|') {
      current = trim(current);
      if (!current.empty()) names.insert(current.substr(0, current.find(':')));
      current.clear();
    } else {
      current += c;
    }
  }
  return names;
}

// The Debian package owning shared library `soname` on this machine ("" if none found).
std::string owningPackage(const std::string& soname) {
  CommandResult where = runShell("/sbin/ldconfig -p | awk '$1 == \"" + soname +
                                 "\" && /x86-64/ {print $NF; exit}'");
  const std::string path = trim(where.out);
  if (path.empty()) return "";
  std::vector<std::string> candidates{path, fs::weakly_canonical(path).string()};
  for (std::string p : std::vector<std::string>(candidates))
    if (p.rfind("/usr/", 0) != 0) candidates.push_back("/usr" + p);
    else candidates.push_back(p.substr(4));
  for (const auto& p : candidates) {
    CommandResult owner = runShell("dpkg -S " + shellQuote(p) + " 2>/dev/null | head -n1");
    const std::string line = trim(owner.out);
    if (owner.status == 0 && !line.empty()) return line.substr(0, line.find_first_of(":,"));
  }
  return "";
}

}  // namespace

TEST_CASE("the Debian package holds host, plugins, SDK and Python module with its dependencies") {
  const std::string deb = MNNQ_DEB;
  if (!fs::exists(deb)) {
    std::cerr << "SKIPPED: " << deb << " not built; run `bash scripts/package.sh` first\n";
    std::exit(77);
  }
  if (runShell("command -v dpkg-deb").status != 0) {
    std::cerr << "SKIPPED: dpkg-deb not available\n";
    std::exit(77);
  }
  auto field = [&](const std::string& name) {
    CommandResult r = runShell("dpkg-deb -f " + shellQuote(deb) + " " + name);
    REQUIRE(r.status == 0);
    return trim(r.out);
  };
  CHECK(field("Package") == "mnnq");
  CHECK(field("Version") == MNNQ_VERSION);
  CHECK(field("Architecture") == "amd64");
  const std::set<std::string> depends = dependNames(field("Depends"));
  INFO("Depends: " << field("Depends"));
  for (const char* name : {"python3", "python3-numpy", "libc6", "libstdc++6"})
    CHECK(depends.count(name) == 1);
  // The SDK headers need only the C++17 standard library (plugin ABI 2): no header package.
  for (const char* name : {"libboost-dev", "nlohmann-json3-dev"}) CHECK(depends.count(name) == 0);

  const std::string work = tempDir("deb");
  const std::string root = work + "/root";
  REQUIRE(runShell("dpkg-deb -x " + shellQuote(deb) + " " + shellQuote(root)).status == 0);

  // Contents: the host, every plugin of this build, SDK headers and CMake package, Python.
  const std::string libdir = root + "/usr/lib/" + MNNQ_MULTIARCH;
  std::vector<std::string> expected{"/usr/bin/mnnq", "/usr/bin/mnnquant", "/usr/include/mnnq/abi.h",
                                    "/usr/include/mnnq/plugin.hpp",
                                    "/usr/lib/" MNNQ_MULTIARCH "/cmake/mnnq/mnnqConfig.cmake",
                                    "/usr/lib/" MNNQ_MULTIARCH "/cmake/mnnq/mnnqTargets.cmake",
                                    "/usr/lib/python3/dist-packages/mnnq/__init__.py",
                                    "/usr/lib/python3/dist-packages/mnnq/_paths.py"};
  size_t built_plugins = 0;
  for (const auto& entry : fs::directory_iterator(MNNQ_BUILD_BIN_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("libmnnq_", 0) == 0 && entry.path().extension() == ".so") {
      expected.push_back("/usr/lib/" MNNQ_MULTIARCH "/mnnq/plugins/" + name);
      ++built_plugins;
    }
  }
  CHECK(built_plugins >= 8);
  for (const auto& path : expected) {
    INFO(path);
    CHECK(fs::exists(root + path));
  }
  bool extension = false;
  for (const auto& entry : fs::directory_iterator(root + "/usr/lib/python3/dist-packages/mnnq"))
    extension = extension || entry.path().filename().string().rfind("_mnnq.", 0) == 0;
  CHECK(extension);
  // The Python package names the installed bin folder, not the staging folder CPack used.
  CHECK_THAT(readWhole(root + "/usr/lib/python3/dist-packages/mnnq/_paths.py"),
             Catch::Contains("BIN_DIR = \"/usr/bin\""));

  // Depends covers every shared library an ELF file of the package needs.
  std::set<std::string> needed;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    CommandResult elf = runShell("readelf -d " + shellQuote(entry.path().string()) +
                                 " 2>/dev/null | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'");
    for (const auto& lib : lines(elf.out)) needed.insert(trim(lib));
  }
  CHECK(needed.count("libstdc++.so.6") == 1);
  for (const auto& lib : needed) {
    const std::string owner = owningPackage(lib);
    INFO(lib << " belongs to '" << owner << "'");
    CHECK_FALSE(owner.empty());
    // Named directly, or through a Depends entry that depends on it (libopenblas0 -> the
    // libopenblas0-pthread variant that provides the library on this machine).
    bool covered = depends.count(owner) == 1;
    for (const auto& d : depends) {
      if (covered) break;
      CommandResult via = runShell("dpkg-query -W -f='${Depends}' " + shellQuote(d) + " 2>/dev/null");
      covered = via.status == 0 && dependNames(via.out).count(owner) == 1;
    }
    CHECK(covered);
  }

  // The extracted host runs and finds the packaged plugins by itself (<exe>/../lib/<arch>/...).
  const std::string host = shellQuote(root + "/usr/bin/mnnq");
  CommandResult version = runShell("env -u MNNQ_PLUGIN_PATH " + host + " --version");
  CHECK(version.status == 0);
  CHECK_THAT(version.out, Catch::StartsWith(std::string("mnnq ") + MNNQ_VERSION));

  // The SDK example builds against the extracted package and loads into its host.
  const std::string cmake = shellQuote(MNNQ_CMAKE);
  const std::string build = work + "/percentile-build";
  CommandResult configure = runShell(cmake + " -S " + shellQuote(MNNQ_SOURCE_DIR "/sdk/examples/percentile") +
                                     " -B " + shellQuote(build) + " -DCMAKE_BUILD_TYPE=Release" +
                                     " -DCMAKE_PREFIX_PATH=" + shellQuote(root + "/usr"));
  INFO(configure.out << configure.err);
  REQUIRE(configure.status == 0);
  CHECK_THAT(readWhole(build + "/CMakeCache.txt"), Catch::Contains("mnnq_DIR:PATH=" + libdir + "/cmake/mnnq"));
  CommandResult compile = runShell(cmake + " --build " + shellQuote(build));
  INFO(compile.out << compile.err);
  REQUIRE(compile.status == 0);
  CommandResult listed = runShell("env -u MNNQ_PLUGIN_PATH " + host + " plugins --json --plugin-dir " + shellQuote(build));
  REQUIRE(listed.status == 0);
  const nlohmann::json plugins = nlohmann::json::parse(listed.out)["plugins"];
  // The example is named PERCENTILE_EXAMPLE, so it loads next to the shipped PERCENTILE (no
  // replacement): one plugin more than the package holds, the example's file from its build folder.
  CHECK(plugins.size() == built_plugins + 1);
  bool shipped = false, example = false;
  for (const auto& p : plugins) {
    if (p["name"] == "PERCENTILE_EXAMPLE") {
      example = true;
      CHECK_THAT(p["file"].get<std::string>(), Catch::StartsWith(build));
    } else {
      if (p["name"] == "PERCENTILE") shipped = true;
      CHECK_THAT(p["file"].get<std::string>(), Catch::StartsWith(libdir + "/mnnq/plugins/"));
    }
  }
  CHECK(shipped);
  CHECK(example);

  // The packaged Python module imports and reports the package's version.
  CommandResult python = runShell("cd / && PYTHONPATH=" + shellQuote(root + "/usr/lib/python3/dist-packages") +
                                  " /usr/bin/python3 -c 'import mnnq; print(mnnq.__version__, mnnq.__file__)'");
  INFO(python.err);
  CHECK(python.status == 0);
  CHECK_THAT(python.out, Catch::StartsWith(std::string(MNNQ_VERSION) + " " + root));
}
