// Runs a command line through the shell and captures its exit status, stdout and stderr.
#pragma once

#include "fixtures.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace mnnq::test {

struct CommandResult {
  int status = -1;  // exit status; -1 if the process did not exit normally (e.g. a crash)
  std::string out;
  std::string err;
};

inline std::string shellQuote(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string readWhole(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// `command` is passed to /bin/sh as is: quote arguments with shellQuote.
inline CommandResult runShell(const std::string& command) {
  static int counter = 0;
  std::string dir = tempDir("run" + std::to_string(counter++));
  std::string out = dir + "/out", err = dir + "/err";
  int raw = std::system((command + " >" + shellQuote(out) + " 2>" + shellQuote(err)).c_str());
  CommandResult result;
  result.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  result.out = readWhole(out);
  result.err = readWhole(err);
  return result;
}

}  // namespace mnnq::test
