// OutputSet (mnnq/core/output_set.hpp): all files or none, unique temporary files that follow no
// planted symlink, permissions of replaced files kept, non-regular targets refused.
#include "fixtures.hpp"

#include "mnnq/core/output_set.hpp"

#include <catch2/catch.hpp>

#include <boost/filesystem.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include <fstream>
#include <sstream>

using namespace mnnq;
namespace fs = boost::filesystem;

namespace {

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir), end; it != end; ++it) names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("output set: publishes every file with its bytes and leaves no temporary file") {
  const std::string dir = test::tempDir("outset_ok");
  writeText(dir + "/out.mnn", "old model");
  OutputSet set;
  set.add(dir + "/out.mnn.json", std::string("{\"a\": 1}\n"));
  set.add(dir + "/out.mnn", std::vector<uint8_t>{1, 2, 3, 0, 255});
  set.publish();
  CHECK(readText(dir + "/out.mnn.json") == "{\"a\": 1}\n");
  CHECK(readText(dir + "/out.mnn") == std::string("\x01\x02\x03\x00\xff", 5));
  CHECK(listing(dir) == std::vector<std::string>{"out.mnn", "out.mnn.json"});
}

TEST_CASE("output set: a replaced file keeps its permission bits") {
  const std::string dir = test::tempDir("outset_mode");
  writeText(dir + "/out.mnn", "old");
  REQUIRE(::chmod((dir + "/out.mnn").c_str(), 0600) == 0);
  OutputSet set;
  set.add(dir + "/out.mnn", std::string("new"));
  set.publish();
  struct stat st;
  REQUIRE(::stat((dir + "/out.mnn").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(readText(dir + "/out.mnn") == "new");
}

TEST_CASE("output set: a non-regular target is refused before anything is written") {
  const std::string dir = test::tempDir("outset_special");
  const std::string fifo = dir + "/out.mnn";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  OutputSet set;
  set.add(dir + "/out.mnn.json", std::string("side"));
  set.add(fifo, std::string("model"));
  CHECK_THROWS_WITH(set.publish(), fifo + ": the output path is a FIFO (named pipe); refusing to replace it");
  CHECK(listing(dir) == std::vector<std::string>{"out.mnn"});  // no side file, no temporary file
  struct stat st;
  REQUIRE(::stat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK_THROWS_WITH(OutputSet::checkTarget("/dev/null"),
                    "/dev/null: the output path is a character device; refusing to replace it");
  CHECK_THROWS_AS(OutputSet::checkTarget(dir), OutputError);  // a folder
  CHECK_NOTHROW(OutputSet::checkTarget(dir + "/absent.mnn"));
}

TEST_CASE("output set: a failure on a later file publishes none of them") {
  const std::string dir = test::tempDir("outset_partial");
  writeText(dir + "/out.mnn.json", "old side file");
  OutputSet set;
  set.add(dir + "/out.mnn.json", std::string("new side file"));
  set.add(dir + "/missing-folder/out.mnn", std::string("model"));
  CHECK_THROWS_AS(set.publish(), OutputError);
  CHECK(readText(dir + "/out.mnn.json") == "old side file");
  CHECK(listing(dir) == std::vector<std::string>{"out.mnn.json"});
}

TEST_CASE("output set: symlinks planted at the old fixed temporary names are not followed") {
  const std::string dir = test::tempDir("outset_symlink");
  writeText(dir + "/victim", "precious");
  for (const char* name : {"/out.mnn.json.tmp", "/out.mnn.tmp"})
    REQUIRE(::symlink((dir + "/victim").c_str(), (dir + name).c_str()) == 0);
  OutputSet set;
  set.add(dir + "/out.mnn.json", std::string("side"));
  set.add(dir + "/out.mnn", std::string("model"));
  set.publish();
  CHECK(readText(dir + "/victim") == "precious");
  CHECK(readText(dir + "/out.mnn") == "model");
  CHECK(listing(dir) == std::vector<std::string>{"out.mnn", "out.mnn.json", "out.mnn.json.tmp", "out.mnn.tmp", "victim"});
}

TEST_CASE("output set: SIGTERM while temporary files exist removes them") {
  // A child process publishes a large file into a folder while the parent sends SIGTERM;
  // whatever moment the signal hits, the folder ends with the old file or the new one and no
  // temporary file.
  const std::string dir = test::tempDir("outset_signal");
  for (int round = 0; round < 5; ++round) {
    writeText(dir + "/out.mnn", "old");
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      OutputSet set;
      set.add(dir + "/out.mnn.json", std::vector<uint8_t>(size_t(16) << 20, 7));
      set.add(dir + "/out.mnn", std::vector<uint8_t>(size_t(16) << 20, 9));
      set.publish();
      std::_Exit(0);
    }
    ::usleep(20000 + 30000 * round);
    ::kill(child, SIGTERM);
    int status = 0;
    ::waitpid(child, &status, 0);
    for (const auto& name : listing(dir)) {
      INFO("round " << round << ": " << name);
      CHECK((name == "out.mnn" || name == "out.mnn.json"));
    }
    const auto size = fs::file_size(dir + "/out.mnn");
    CHECK((size == 3 || size == (size_t(16) << 20)));
    fs::remove(dir + "/out.mnn.json");
  }
}
