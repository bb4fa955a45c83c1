// Output files of the `mnnq` executable under hostile conditions (issue 14, category 5):
// `mnnq infer` publishes its .npy files through OutputSet (permissions kept, symlinks at the
// targets replaced rather than followed, non-regular targets refused before the forward, no
// temporary file left), and SIGINT/SIGTERM during a real `mnnq run` leave the previous output
// and its side files byte-identical with no temporary file.
#include "cli_runner.hpp"
#include "fixtures.hpp"

#include "mnnq/core/tensor.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <boost/filesystem.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <fstream>
#include <initializer_list>
#include <map>

using namespace mnnq;
using namespace mnnq::test;
namespace fs = boost::filesystem;

namespace {

CommandResult cli(std::initializer_list<std::string> args) {
  // timeout: a FIFO at an output path once blocked forever; a hang must fail, not stall CTest.
  std::string command = "env -u MNNQ_PLUGIN_PATH timeout 120 " + shellQuote(MNNQ_EXE);
  for (const auto& arg : args) command += " " + shellQuote(arg);
  return runShell(command);
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir), end; it != end; ++it) names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool hasTemporary(const std::string& dir) {
  for (const auto& name : listing(dir))
    if (name.find(".tmp-mnnq-") != std::string::npos) return true;
  return false;
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

mode_t modeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

// MNN's own int8 runtime output for the KL-quantized LeNet on one photo (fixture reference).
const char* kQuantModel = "mnn_quantized/mnist/KL/quant.mnn";
const char* kRefFolder = "references_int8/mnist/KL/faces_ultraface_1";

}  // namespace

TEST_CASE("infer: a replaced output keeps its permissions, a symlink target is replaced, not followed") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("infer_publish");
  const std::string out = dir + "/out";
  fs::create_directories(out);
  writeBytes(out + "/32.npy", "old output");
  REQUIRE(::chmod((out + "/32.npy").c_str(), 0600) == 0);
  // A dump target (--dump-all) that is a symlink to a file outside: the link is replaced.
  writeBytes(dir + "/victim", "precious");
  REQUIRE(::symlink((dir + "/victim").c_str(), (out + "/22.npy").c_str()) == 0);

  const CommandResult r = cli({"infer", "--model", fixture(kQuantModel), "--input",
                               "0=" + fixture(std::string(kRefFolder) + "/input.npy"), "--output-dir", out,
                               "--dump-all"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK((modeOf(out + "/32.npy") & 07777) == 0600);
  CHECK(S_ISREG(modeOf(out + "/32.npy")));
  // New content: MNN's int8 runtime output (infer follows it bit for bit on this model).
  const Tensor ours = readNpy(out + "/32.npy");
  const Tensor ref = readNpy(fixture(std::string(kRefFolder) + "/32.npy"));
  REQUIRE(ours.f.size() == ref.f.size());
  for (size_t k = 0; k < ref.f.size(); ++k) CHECK(std::fabs(ours.f[k] - ref.f[k]) <= 1e-4f * (1 + std::fabs(ref.f[k])));
  CHECK(readBytes(dir + "/victim") == "precious");
  CHECK(S_ISREG(modeOf(out + "/22.npy")));
  CHECK(readNpy(out + "/22.npy").shape.size() == 4);  // a feature map of the first convolution
  CHECK_FALSE(hasTemporary(out));
}

TEST_CASE("infer: a non-regular output path is refused before the forward and nothing is written") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string out = tempDir("infer_fifo");
  REQUIRE(::mkfifo((out + "/32.npy").c_str(), 0600) == 0);
  for (bool dumpAll : {false, true}) {
    INFO("dump-all " << dumpAll);
    const CommandResult r =
        dumpAll ? cli({"infer", "--model", fixture(kQuantModel), "--input",
                       "0=" + fixture(std::string(kRefFolder) + "/input.npy"), "--output-dir", out, "--dump-all"})
                : cli({"infer", "--model", fixture(kQuantModel), "--input",
                       "0=" + fixture(std::string(kRefFolder) + "/input.npy"), "--output-dir", out});
    CHECK(r.status == 1);
    CHECK(r.err == "mnnq infer: error: " + out + "/32.npy: the output path is a FIFO (named pipe); refusing to replace it\n");
    CHECK(listing(out) == std::vector<std::string>{"32.npy"});
    CHECK(S_ISFIFO(modeOf(out + "/32.npy")));
  }
  // --config/--image: the sample input (input.npy) is checked the same way.
  const std::string out2 = tempDir("infer_fifo_input");
  REQUIRE(::mkfifo((out2 + "/input.npy").c_str(), 0600) == 0);
  nlohmann::json config = nlohmann::json::parse(readBytes(fixture("configs/mnist.json")));
  config["model"] = fixture("models/mnist_lenet/mnist.mnn");
  config["path"] = fixture("images/calib32");
  const std::string cfg = tempDir("infer_fifo_config") + "/mnist.json";
  writeBytes(cfg, config.dump());
  const CommandResult r = cli({"infer", "--config", cfg, "--image",
                               fixture("images/calib/faces_ultraface_1.jpg"), "--output-dir", out2});
  CHECK(r.status == 1);
  CHECK(r.err.find(out2 + "/input.npy: the output path is a FIFO") != std::string::npos);
  CHECK(listing(out2) == std::vector<std::string>{"input.npy"});
}

namespace {

// Starts `mnnq run --config CFG --threads 1`, waits until stderr shows the calibration's first
// progress line, sends `sig`, and returns the wait status and the stderr seen.
std::pair<int, std::string> interruptDuringCalibration(const std::string& config, int sig) {
  int pipeFds[2];
  REQUIRE(::pipe(pipeFds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(pipeFds[1], 2);
    const int devNull = ::open("/dev/null", O_WRONLY);
    ::dup2(devNull, 1);
    ::close(pipeFds[0]);
    ::close(pipeFds[1]);
    ::unsetenv("MNNQ_PLUGIN_PATH");
    // A shell running the tests in the background starts them with SIGINT ignored; exec keeps
    // that. The run must see the signals as a user's terminal delivers them.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execl(MNNQ_EXE, MNNQ_EXE, "run", "--config", config.c_str(), "--threads", "1", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(pipeFds[1]);
  std::string err;
  bool sent = false;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipeFds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    err.append(buffer, static_cast<size_t>(n));
    // "calibrate pass 1/N   k/M": the run is reading samples; no output file is touched yet.
    if (!sent && err.find("calibrate pass 1/") != std::string::npos) {
      REQUIRE(::kill(child, sig) == 0);
      sent = true;
    }
  }
  ::close(pipeFds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  INFO(err);
  REQUIRE(sent);
  return {status, err};
}

}  // namespace

TEST_CASE("run: SIGINT or SIGTERM during calibration leaves the previous output and side files intact") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("run_signal");
  nlohmann::json config = nlohmann::json::parse(readBytes(fixture("configs/mnist.json")));
  config["model"] = fixture("models/mnist_lenet/mnist.mnn");
  config["output"] = dir + "/out.mnn";
  config["debug"] = true;  // more side files: <output>.debug.csv, <output>.debug.json
  // The previous output: a complete run on 32 photos.
  config["path"] = fixture("images/calib32");
  writeBytes(dir + "/small.json", config.dump());
  const CommandResult first = cli({"run", "--config", dir + "/small.json", "--quiet"});
  INFO(first.err);
  REQUIRE(first.status == 0);
  REQUIRE(::chmod((dir + "/out.mnn").c_str(), 0640) == 0);
  std::map<std::string, std::string> before;
  for (const auto& name : listing(dir)) before[name] = readBytes(dir + "/" + name);
  REQUIRE(before.count("out.mnn.json") == 1);
  REQUIRE(before.count("out.mnn.debug.csv") == 1);
  // The interrupted run: 251 photos, the calibration takes seconds.
  config["path"] = fixture("images/calib");
  writeBytes(dir + "/large.json", config.dump());
  before["large.json"] = readBytes(dir + "/large.json");

  for (int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    const auto [status, err] = interruptDuringCalibration(dir + "/large.json", sig);
    INFO(err);
    // Killed by the signal (the default action), or a non-zero exit: never a success.
    CHECK(((WIFSIGNALED(status) && WTERMSIG(status) == sig) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)));
    CHECK_FALSE(hasTemporary(dir));
    std::vector<std::string> names;
    for (const auto& [name, bytes] : before) names.push_back(name);
    CHECK(listing(dir) == names);
    for (const auto& [name, bytes] : before) {
      INFO(name);
      CHECK(readBytes(dir + "/" + name) == bytes);
    }
    CHECK((modeOf(dir + "/out.mnn") & 07777) == 0640);
  }
}

TEST_CASE("report: the HTML file is published through a unique temporary file, never a planted symlink") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("report_publish");
  nlohmann::json config = nlohmann::json::parse(readBytes(fixture("configs/mnist.json")));
  config["model"] = fixture("models/mnist_lenet/mnist.mnn");
  config["path"] = fixture("images/calib32");
  config["output"] = dir + "/out.mnn";
  writeBytes(dir + "/c.json", config.dump());
  REQUIRE(cli({"run", "--config", dir + "/c.json", "--quiet"}).status == 0);
  writeBytes(dir + "/victim", "precious");
  // The fixed temporary name the command once used.
  REQUIRE(::symlink((dir + "/victim").c_str(), (dir + "/out.html.tmp").c_str()) == 0);
  const CommandResult r = cli({"report", dir + "/out.mnn.report.json", "-o", dir + "/out.html"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(readBytes(dir + "/victim") == "precious");
  CHECK(readBytes(dir + "/out.html").find("<html") != std::string::npos);
  CHECK_FALSE(hasTemporary(dir));
  REQUIRE(::mkfifo((dir + "/fifo.html").c_str(), 0600) == 0);
  const CommandResult f = cli({"report", dir + "/out.mnn.report.json", "-o", dir + "/fifo.html"});
  CHECK(f.status == 1);
  CHECK(f.err.find("the output path is a FIFO") != std::string::npos);
  CHECK(S_ISFIFO(modeOf(dir + "/fifo.html")));
}
