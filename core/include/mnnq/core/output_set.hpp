// Publishing a set of output files together: the quantized model and its side files
// (<output>.json, <output>.debug.csv, <output>.debug.json).
//
//   OutputSet set;
//   set.add(model_path, model_bytes);        // everything is computed before publish()
//   set.add(model_path + ".json", json_text);
//   set.publish();                           // all files, or none of them changed
//
// publish():
//  1. checks every target: absent or a regular file (a device node, FIFO or folder at an output
//     path is refused, never replaced);
//  2. writes each file to a fresh temporary file beside its target, created with O_EXCL and
//     O_NOFOLLOW under a unique name (<target>.tmp-mnnq-<pid>-<random>), so a planted file or
//     symlink is never followed or overwritten; a replaced file's permission bits are kept;
//  3. flushes every temporary file to disk; any failure so far (disk full, permissions) removes
//     all temporary files and leaves every target untouched;
//  4. renames the temporary files over their targets in the order they were added, with
//     SIGINT, SIGTERM and SIGHUP held back until the last rename is done, then syncs the folders.
// Temporary files are removed on every exit path: exceptions, and SIGINT/SIGTERM/SIGHUP arriving
// while they exist (a handler unlinks them and then lets the signal take its default course).
// Only SIGKILL or a crash during the rename step can leave some targets new and others old; the
// driver adds side files first and the model last, so a model file is never newer than its side
// files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq {

class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputSet {
 public:
  OutputSet() = default;
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  ~OutputSet();

  // publish() takes at most this many files (the signal handler's fixed table).
  static constexpr size_t kMaxFiles = 16;

  void add(std::string path, std::vector<uint8_t> bytes);
  void add(std::string path, const std::string& text);

  // Throws OutputError naming the file and the reason; nothing is published then.
  void publish();

  const std::vector<std::string>& paths() const { return paths_; }

  // Step 1 of publish() for one path, for callers that want to fail before long work: throws
  // OutputError unless `path` is absent or a regular file.
  static void checkTarget(const std::string& path);

 private:
  std::vector<std::string> paths_;
  std::vector<std::vector<uint8_t>> contents_;
};

}  // namespace mnnq
