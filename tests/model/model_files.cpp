#include "model_files.hpp"

#include "fixtures.hpp"

#include <boost/filesystem.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace mnnq::test {
namespace fs = boost::filesystem;

namespace {
// Files named `name` (or with extension `ext` when name is empty) exactly `depth` levels below.
void collect(const fs::path& dir, int depth, const std::string& ext, const std::string& name,
             std::vector<std::string>& out) {
  if (!fs::is_directory(dir)) return;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (depth > 0) {
      collect(entry.path(), depth - 1, ext, name, out);
    } else if (fs::is_regular_file(entry.path()) &&
               (name.empty() ? entry.path().extension() == ext : entry.path().filename() == name)) {
      out.push_back(entry.path().string());
    }
  }
}
}  // namespace

std::vector<std::string> floatFixtureModels() {
  std::vector<std::string> out;
  collect(fixture("models"), 1, ".mnn", "", out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> quantizedFixtureModels() {
  std::vector<std::string> out;
  collect(fixture("mnn_quantized"), 2, "", "quant.mnn", out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<unsigned char> readFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace mnnq::test
