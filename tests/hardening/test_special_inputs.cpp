// Inputs the core reads itself (model, external weight file, `mnnq infer --input` .npy) must be
// regular files, and a .npy header may not declare more data than the file holds: refused with
// a message, without blocking and before allocating the declared size.
#include "fixtures.hpp"
#include "test_files.hpp"

#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace mnnq;

TEST_CASE("special inputs: FIFO as model or .npy input is refused without blocking") {
  const std::string dir = test::tempDir("special_fifo");
  const std::string model = dir + "/model.mnn";
  REQUIRE(::mkfifo(model.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(Graph::load(model), model + ": model file is a FIFO (named pipe), not a regular file");
  const std::string npy = dir + "/in.npy";
  REQUIRE(::mkfifo(npy.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(readNpy(npy), Catch::Contains("is a FIFO (named pipe), not a regular file"));
  CHECK_THROWS_WITH(readNpy(dir), Catch::Contains("is a folder, not a regular file"));
}

TEST_CASE("special inputs: FIFO as external weight file is refused") {
  MNNQ_REQUIRE_FIXTURES();
  // A model whose first convolution keeps its weights in <model>.weight.
  const auto bytes = [] {
    std::ifstream in(test::fixture("models/ppocr_v4/ppocr_cls.mnn"), std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }();
  Graph g = Graph::fromBuffer(bytes.data(), bytes.size(), "ppocr_cls.mnn");
  schema::NetT& net = g.net();
  bool moved = false;
  for (auto& op : net.oplists) {
    auto* conv = op->main.AsConvolution2D();
    if (!conv || conv->weight.empty()) continue;
    conv->external = {0, static_cast<int64_t>(conv->weight.size() * 4), static_cast<int64_t>(conv->bias.size() * 4)};
    conv->weight.clear();
    conv->bias.clear();
    moved = true;
    break;
  }
  REQUIRE(moved);
  const std::string dir = test::tempDir("special_weight");
  const std::string model = dir + "/m.mnn";
  saveNet(net, model);
  REQUIRE(::mkfifo((model + ".weight").c_str(), 0600) == 0);
  CHECK_THROWS_WITH(Graph::load(model), Catch::Contains("m.mnn.weight' is a FIFO (named pipe), not a regular file"));
}

TEST_CASE("special inputs: a .npy header declaring more than the file holds is refused before allocating") {
  const std::string dir = test::tempDir("special_npy");
  const std::string bomb = dir + "/bomb.npy";
  std::ofstream(bomb, std::ios::binary) << test::npyBytes("<f8", "(30000, 30000)", std::string(1000, '\0'));
  CHECK_THROWS_WITH(readNpy(bomb), Catch::Contains("file is shorter than its header declares (7200000000 bytes of "
                                                   "data: 900000000 elements of <f8; the file holds 1000 bytes"));
  const std::string huge = dir + "/huge.npy";
  std::ofstream(huge, std::ios::binary) << test::npyBytes("<f4", "(2147483647, 2147483647, 2147483647)", std::string(16, '\0'));
  CHECK_THROWS_WITH(readNpy(huge), Catch::Contains("array too large"));
  const std::string ok = dir + "/ok.npy";
  std::ofstream(ok, std::ios::binary) << test::npyBytes("<f4", "(2, 3)", std::string(24, '\0'));
  CHECK(readNpy(ok).shape == std::vector<int>{2, 3});
}
