// OutputSet (mnnq/core/output_set.hpp): temporary files, then renames, with signal-safe cleanup.
#include "mnnq/core/output_set.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <sstream>

namespace mnnq {
namespace {

// Temporary files alive right now, for the signal handler (fixed storage: the handler may only
// call async-signal-safe functions).
constexpr int kSlots = static_cast<int>(OutputSet::kMaxFiles);
constexpr size_t kPathBytes = 4096;
char gTempPath[kSlots][kPathBytes];
volatile std::sig_atomic_t gTempUsed[kSlots];
volatile std::sig_atomic_t gRenaming = 0;
volatile std::sig_atomic_t gPendingSignal = 0;
const int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

void removeTempsFromHandler() {
  for (int k = 0; k < kSlots; ++k)
    if (gTempUsed[k]) ::unlink(gTempPath[k]);
}

extern "C" void onSignal(int sig) {
  if (gRenaming) {  // the renames finish first; publish() raises the signal again afterwards
    gPendingSignal = sig;
    return;
  }
  removeTempsFromHandler();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::mutex gPublishMutex;  // one publish at a time (the slots and handlers are global)

[[noreturn]] void fail(const std::string& path, const std::string& what, int err = 0) {
  throw OutputError(path + ": " + what + (err ? std::string(": ") + std::strerror(err) : std::string()));
}

std::string parentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string describeMode(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISFIFO(m)) return "a FIFO (named pipe)";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

// The temporary files of one publish(), registered for the signal handler.
class Temps {
 public:
  Temps() {
    for (int k = 0; k < kSlots; ++k) gTempUsed[k] = 0;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < sizeof kSignals / sizeof kSignals[0]; ++k) {
      ::sigaction(kSignals[k], nullptr, &old_[k]);
      // An ignored signal stays ignored (nohup, a background job's SIGINT): catching it would
      // turn it into a termination the caller asked not to have.
      if (old_[k].sa_handler != SIG_IGN) ::sigaction(kSignals[k], &sa, nullptr);
    }
  }
  ~Temps() {
    removeAll();
    for (size_t k = 0; k < sizeof kSignals / sizeof kSignals[0]; ++k) ::sigaction(kSignals[k], &old_[k], nullptr);
    gRenaming = 0;
    const int pending = gPendingSignal;
    gPendingSignal = 0;
    if (pending) std::raise(pending);  // held back during the renames; now with the caller's handler
  }

  // Registers `path` before it is created, so a signal right after creation removes it.
  int reserve(const std::string& path) {
    if (path.size() + 1 > kPathBytes) fail(path, "path too long");
    for (int k = 0; k < kSlots; ++k) {
      if (!gTempUsed[k]) {
        std::memcpy(gTempPath[k], path.c_str(), path.size() + 1);
        gTempUsed[k] = 1;
        return k;
      }
    }
    fail(path, "too many files in one output set");
  }
  void release(int slot) { gTempUsed[slot] = 0; }
  void removeAll() {
    for (int k = 0; k < kSlots; ++k) {
      if (gTempUsed[k]) {
        ::unlink(gTempPath[k]);
        gTempUsed[k] = 0;
      }
    }
  }

 private:
  struct sigaction old_[sizeof kSignals / sizeof kSignals[0]];
};

std::string uniqueSuffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream os;
  os << ".tmp-mnnq-" << ::getpid() << "-" << std::hex << rng();
  return os.str();
}

void writeAll(int fd, const std::vector<uint8_t>& bytes, const std::string& target) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(target, "writing failed", errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) fail(target, "flushing to disk failed", errno);
}

// True if `path` exists (a regular file, its stat in `st`), false if absent; throws otherwise.
bool statTarget(const std::string& path, struct stat& st) {
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) fail(path, "the output path is " + describeMode(st.st_mode) + "; refusing to replace it");
    return true;
  }
  if (errno != ENOENT) fail(path, "cannot check the output path", errno);
  return false;
}

}  // namespace

OutputSet::~OutputSet() = default;

void OutputSet::checkTarget(const std::string& path) {
  struct stat st;
  statTarget(path, st);
}

void OutputSet::add(std::string path, std::vector<uint8_t> bytes) {
  paths_.push_back(std::move(path));
  contents_.push_back(std::move(bytes));
}

void OutputSet::add(std::string path, const std::string& text) {
  add(std::move(path), std::vector<uint8_t>(text.begin(), text.end()));
}

void OutputSet::publish() {
  std::lock_guard<std::mutex> lock(gPublishMutex);
  // 1. Targets: absent or regular files; the same target twice is a programming error.
  std::vector<mode_t> modes(paths_.size(), 0);
  std::vector<bool> exists(paths_.size(), false);
  std::set<std::string> seen;
  for (size_t i = 0; i < paths_.size(); ++i) {
    const std::string& p = paths_[i];
    if (!seen.insert(p).second) fail(p, "listed twice in one output set");
    struct stat st;
    if (statTarget(p, st)) {
      exists[i] = true;
      modes[i] = st.st_mode & 07777;
    }
  }

  // 2.-3. Temporary files, written and flushed.
  Temps temps;
  std::vector<std::string> tempPaths(paths_.size());
  std::vector<int> slots(paths_.size(), -1);
  for (size_t i = 0; i < paths_.size(); ++i) {
    const std::string& target = paths_[i];
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
      tempPaths[i] = target + uniqueSuffix();
      slots[i] = temps.reserve(tempPaths[i]);
      fd = ::open(tempPaths[i].c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
      if (fd < 0) {
        const int err = errno;
        temps.release(slots[i]);  // not ours: never unlink a file we did not create
        if (err != EEXIST) fail(target, "cannot create temporary file " + tempPaths[i], err);
      }
    }
    if (fd < 0) fail(target, "cannot create a temporary file beside it (names taken)");
    try {
      if (exists[i] && ::fchmod(fd, modes[i]) != 0) fail(target, "cannot keep the permissions", errno);
      writeAll(fd, contents_[i], target);
    } catch (...) {
      ::close(fd);
      throw;  // ~Temps removes every temporary file
    }
    if (::close(fd) != 0) fail(target, "closing failed", errno);
  }

  // 4. Renames, in order, with the signals held back.
  gRenaming = 1;
  std::set<std::string> dirs;
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (::rename(tempPaths[i].c_str(), paths_[i].c_str()) != 0) {
      const int err = errno;
      std::string done;
      for (size_t k = 0; k < i; ++k) done += (k ? ", " : "") + paths_[k];
      fail(paths_[i], "cannot replace the file" + (done.empty() ? std::string() : " (already published: " + done + ")"),
           err);
    }
    temps.release(slots[i]);
    dirs.insert(parentDir(paths_[i]));
  }
  for (const std::string& d : dirs) {
    int dir = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);  // best effort: persists the renames themselves
      ::close(dir);
    }
  }
}

}  // namespace mnnq
