// Helpers shared by the tests: where the fixtures are, and whether they exist.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace mnnq::test {

// Absolute path of ../shared/fixtures (relative to the repository root), set by CMake.
std::string fixturesDir();
// fixturesDir() + "/" + relative
std::string fixture(const std::string& relative);
bool haveFixtures();
// Folder of the built mnnq executable and plugins.
std::string buildBinDir();
std::string sourceDir();
// A fresh empty temporary directory, removed at exit.
std::string tempDir(const std::string& tag);

}  // namespace mnnq::test

// First statement of every test case that reads ../shared/fixtures. CTest runs each test case
// in its own process, so leaving with 77 marks just this case "Skipped" (SKIP_RETURN_CODE),
// with the reason printed; it is never counted as passed.
#define MNNQ_REQUIRE_FIXTURES()                                                              \
  do {                                                                                       \
    if (!::mnnq::test::haveFixtures()) {                                                     \
      std::printf("SKIPPED: fixtures not found at %s (expected ../shared/fixtures beside the " \
                  "repository)\n", ::mnnq::test::fixturesDir().c_str());                    \
      std::fflush(stdout);                                                                   \
      std::_Exit(77);                                                                        \
    }                                                                                        \
  } while (0)
