// TESTTHREADS: counts the threads of the process (/proc/self/task) while the host calls it from
// its sample loop (observe) and while the host's parallel_for runs its bodies (compute), and
// writes "<max during observe> <max during parallel_for> <budget>" to the file named by key
// tt_report. With --threads N both maxima must be N: the pipeline and plugins share one
// thread budget, and --threads 1 starts no thread at all.
#include <mnnq/plugin.hpp>

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

int threadsNow(std::string* names = nullptr) {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (const dirent* e = readdir(dir))
      if (e->d_name[0] != '.') {
        ++n;
        if (names) {
          std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
          std::string name;
          std::getline(comm, name);
          *names += " " + name;
        }
      }
    closedir(dir);
  }
  return n;
}

void raise(std::atomic<int>& max, int value) {
  int old = max.load();
  while (value > old && !max.compare_exchange_weak(old, value)) {
  }
}

}  // namespace

class ThreadCount final : public mnnq::sdk::FeatureCalibrator {
 public:
  ThreadCount(const mnnq::sdk::Config& config, const mnnq::sdk::Host& host)
      : host_(host), report_(config.get<std::string>("tt_report", "")) {}
  uint32_t prepare(const std::vector<mnnq::sdk::TensorDesc>&, uint32_t) override { return 1; }
  void observe(const mnnq::sdk::TensorBatch&) override { raise(observe_max_, threadsNow()); }
  void compute(std::vector<mnnq::sdk::FeatureParams>& out) override {
    std::atomic<int> parallel_max{0};
    host_.parallelFor(64, [&](uint64_t, uint32_t) {
      raise(parallel_max, threadsNow());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    std::string names;  // for a failing test's message: which threads there are
    threadsNow(&names);
    std::ofstream(report_) << observe_max_.load() << " " << parallel_max.load() << " "
                           << host_.threads() << names << "\n";
    for (auto& p : out) p = {1, 0.05f, 0.0f, -127.0f, 127.0f};
  }

 private:
  mnnq::sdk::Host host_;
  std::string report_;
  std::atomic<int> observe_max_{0};
};

static const mnnq_config_key kKeys[] = {
    mnnq::sdk::stringKey("tt_report", nullptr, "file the thread counts are written to")};

MNNQ_EXPORT_FEATURE_CALIBRATOR(ThreadCount, "TESTTHREADS", "1.0.0", "test: counts threads",
                               kKeys, 0)
