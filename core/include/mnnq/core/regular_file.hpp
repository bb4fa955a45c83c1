// Inputs (configs, models, weight side files, .npy tensors, samples) must be regular files: a
// FIFO, socket or device node would block a reader forever or stream without end. Checked with
// stat() before opening (open() of a FIFO itself blocks). Header-only, so the input plugins can
// use it too.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mnnq {

// "" for a regular file (symlinks followed); otherwise what the path is, e.g. "is a FIFO (named
// pipe), not a regular file" or "does not exist".
inline std::string notRegularFileReason(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return "does not exist";
    return std::string("cannot be read: ") + std::strerror(errno);
  }
  if (S_ISREG(st.st_mode)) return "";
  const char* what = S_ISDIR(st.st_mode)    ? "a folder"
                     : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                                            : "not a file";
  return std::string("is ") + what + ", not a regular file";
}

}  // namespace mnnq
