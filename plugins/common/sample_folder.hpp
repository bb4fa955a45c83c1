// Listing of a calibration sample folder, shared by the input plugins.
//
// Unlike MNN (directory order, then truncated, then sorted), entries are sorted by name (byte
// order) first and `used_*_num` then takes the first N, so the chosen subset does not depend on
// the file system. Hidden entries (name starting with '.') are never samples.
#pragma once

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace mnnq::input {

struct SampleEntry {
  std::string name;  // file or folder name inside the sample folder
  std::string path;  // full path
  bool isFolder = false;
};

enum class EntryKinds { kFilesOnly, kFilesAndFolders };

// Lists `folder`; kFilesOnly skips sub-folders (image samples are files), kFilesAndFolders keeps
// both (the plugin rejects the wrong kind per sample, with a reason). `limit` 0 = all.
// Throws sdk::Error naming the folder if it is missing or has no entries.
inline std::vector<SampleEntry> listSampleFolder(const std::string& folder, EntryKinds kinds,
                                                 uint64_t limit, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (folder.empty()) throw sdk::Error("config key 'path' (the sample folder) is not set");
  if (!fs::is_directory(folder, ec))
    throw sdk::Error("sample folder '" + folder + "' (config key 'path') " +
                             (fs::exists(folder, ec) ? "is not a folder" : "does not exist"));
  std::vector<SampleEntry> entries;
  fs::directory_iterator it(folder, ec), end;
  if (ec) throw sdk::Error("cannot read sample folder '" + folder + "': " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw sdk::Error("cannot read sample folder '" + folder + "': " + ec.message());
    SampleEntry e;
    e.name = it->path().filename().string();
    if (e.name.empty() || e.name[0] == '.') continue;
    e.path = it->path().string();
    e.isFolder = it->is_directory(ec);  // follows symlinks
    if (e.isFolder && kinds == EntryKinds::kFilesOnly) continue;
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(),
            [](const SampleEntry& a, const SampleEntry& b) { return a.name < b.name; });
  if (limit > 0 && entries.size() > limit) entries.resize(static_cast<std::size_t>(limit));
  if (entries.empty())
    throw sdk::Error("sample folder '" + folder + "' contains no " + what +
                             " (hidden entries are ignored)");
  return entries;
}

}  // namespace mnnq::input
