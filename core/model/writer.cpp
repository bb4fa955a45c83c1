// Writing a net: one plain FlatBuffer (no identifier, no size prefix) as MNN reads it, and an
// atomic file replace so an interrupted write never leaves a half-written model behind.
#include "mnnq/core/graph.hpp"

#include "graph_checks.hpp"

#include <flatbuffers/flatbuffers.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace mnnq {

std::vector<uint8_t> serializeNet(const schema::NetT& net) {
  // MNN requires an outputIndexes vector on every op; the object API writes empty vectors as
  // absent, so an op without outputs cannot be written in a form MNN accepts.
  model::checkGraph(net, "serializeNet");
  flatbuffers::FlatBufferBuilder builder(1 << 20);
  // Like MNN's own tools: write every scalar, even when equal to its default, so readers built
  // from older schema versions (with other defaults) see the same values.
  builder.ForceDefaults(true);
  builder.Finish(schema::Net::Pack(builder, &net));
  return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

namespace {

[[noreturn]] void ioError(const std::string& what, const std::string& path, int err) {
  throw ModelError(path + ": " + what + ": " + std::strerror(err));
}

std::string parentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void saveNet(const schema::NetT& net, const std::string& path) {
  std::vector<uint8_t> bytes = serializeNet(net);
  std::string temp = path + ".tmp-mnnq-" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) ioError("cannot create temporary file " + temp, path, errno);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      ioError("writing failed", path, err);
    }
    done += static_cast<size_t>(n);
  }
  // Data on disk before the rename makes it visible, so a crash leaves the old file or the new one.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    ioError("flushing to disk failed", path, err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    ioError("cannot replace the file", path, err);
  }
  int dir = ::open(parentDir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // best effort: persists the rename itself
    ::close(dir);
  }
}

}  // namespace mnnq
