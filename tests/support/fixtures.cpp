#include "fixtures.hpp"

#include <boost/filesystem.hpp>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace mnnq::test {

std::string fixturesDir() { return MNNQ_FIXTURES_DIR; }
std::string fixture(const std::string& relative) { return fixturesDir() + "/" + relative; }
bool haveFixtures() { return boost::filesystem::is_directory(fixture("models")); }
std::string buildBinDir() { return MNNQ_BUILD_BIN_DIR; }
std::string sourceDir() { return MNNQ_SOURCE_DIR; }

namespace {
struct TempDirs {
  std::mutex mutex;
  std::vector<boost::filesystem::path> dirs;
  ~TempDirs() {
    if (std::getenv("MNNQ_KEEP_TEST_FILES")) return;
    boost::system::error_code ec;
    for (auto& d : dirs) boost::filesystem::remove_all(d, ec);
  }
};
TempDirs& tempDirs() {
  static TempDirs t;
  return t;
}
}  // namespace

std::string tempDir(const std::string& tag) {
  auto dir = boost::filesystem::temp_directory_path() /
             boost::filesystem::unique_path("mnnq-test-" + tag + "-%%%%-%%%%");
  boost::filesystem::create_directories(dir);
  std::lock_guard<std::mutex> lock(tempDirs().mutex);
  tempDirs().dirs.push_back(dir);
  return dir.string();
}

}  // namespace mnnq::test
