// Writing a model back and reading it again keeps everything; broken files fail with messages
// that say what is wrong. Broken files are made by mutating a real model's bytes at positions
// found through the FlatBuffers view, or through the object API.
#include "fixtures.hpp"
#include "model_files.hpp"

#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>
#include <flatbuffers/flatbuffers.h>

#include <boost/filesystem.hpp>

#include <cstring>
#include <fstream>

using namespace mnnq;

namespace {

std::vector<uint8_t> modelBytes(const std::string& relative) {
  auto b = test::readFileBytes(test::fixture(relative));
  return std::vector<uint8_t>(b.begin(), b.end());
}

void writeFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Error message of loading `bytes` (empty if it loads).
std::string loadError(const std::vector<uint8_t>& bytes) {
  try {
    Graph::fromBuffer(bytes.data(), bytes.size(), "model.mnn");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

// Byte offset of field `id` of the table at `table` (0 when absent).
size_t fieldOffset(const std::vector<uint8_t>& b, size_t table, int id) {
  int32_t back = flatbuffers::ReadScalar<int32_t>(&b[table]);
  size_t vtable = table - back;
  uint16_t vsize = flatbuffers::ReadScalar<uint16_t>(&b[vtable]);
  size_t slot = 4 + 2 * size_t(id);
  if (slot >= vsize) return 0;
  uint16_t off = flatbuffers::ReadScalar<uint16_t>(&b[vtable + slot]);
  return off ? table + off : 0;
}

size_t position(const std::vector<uint8_t>& b, const void* p) {
  return static_cast<size_t>(reinterpret_cast<const uint8_t*>(p) - b.data());
}

const char* kModel = "models/mnist_lenet/mnist.mnn";

}  // namespace

TEST_CASE("resave round trip: every fixture is re-read equal, field by field") {
  MNNQ_REQUIRE_FIXTURES();
  auto models = test::floatFixtureModels();
  auto quantized = test::quantizedFixtureModels();
  models.insert(models.end(), quantized.begin(), quantized.end());
  const std::string dir = test::tempDir("resave");
  for (const std::string& path : models) {
    INFO(path);
    Graph original = Graph::load(path);
    const std::string out = dir + "/model.mnn";
    saveNet(original.net(), out);
    Graph reread = Graph::load(out);
    // Generated operator== compares every field of every table, union members included.
    CHECK(reread.net() == original.net());
    CHECK(reread.numOps() == original.numOps());
    CHECK(reread.outputs() == original.outputs());
    // Independent of the object API: compare the raw views of the original file and ours.
    auto a = test::readFileBytes(path), b = test::readFileBytes(out);
    const schema::Net* na = schema::GetNet(a.data());
    const schema::Net* nb = schema::GetNet(b.data());
    REQUIRE(na->oplists()->size() == nb->oplists()->size());
    for (flatbuffers::uoffset_t i = 0; i < na->oplists()->size(); ++i) {
      const schema::Op* x = na->oplists()->Get(i);
      const schema::Op* y = nb->oplists()->Get(i);
      CHECK(x->type() == y->type());
      CHECK(x->main_type() == y->main_type());
      CHECK((x->name() ? x->name()->str() : "") == (y->name() ? y->name()->str() : ""));
      CHECK(x->outputIndexes()->size() == y->outputIndexes()->size());
    }
  }
  // saveNet leaves only the target behind (no temporary files).
  int files = 0;
  for (auto& e : boost::filesystem::directory_iterator(dir)) files += boost::filesystem::is_regular_file(e.path());
  CHECK(files == 1);
}

TEST_CASE("bad files: empty, JPEG, truncated, wrong root offset") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = test::tempDir("badfiles");
  SECTION("empty file") {
    writeFile(dir + "/empty.mnn", {});
    CHECK_THROWS_WITH(Graph::load(dir + "/empty.mnn"), Catch::Contains("empty.mnn: empty file (0 bytes)"));
  }
  SECTION("a JPEG renamed .mnn") {
    auto jpeg = test::readFileBytes(test::fixture("images/calib/faces_ultraface_1.jpg"));
    writeFile(dir + "/photo.mnn", std::vector<uint8_t>(jpeg.begin(), jpeg.end()));
    CHECK_THROWS_WITH(Graph::load(dir + "/photo.mnn"), Catch::Contains("photo.mnn: not a valid MNN model: the file is a JPEG image"));
  }
  SECTION("truncated file") {
    auto bytes = modelBytes(kModel);
    bytes.resize(bytes.size() / 2);
    std::string msg = loadError(bytes);
    CHECK_THAT(msg, Catch::Contains("model.mnn: not a valid MNN model") && Catch::Contains("truncated"));
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(Graph::load(dir + "/nope.mnn"), Catch::Contains("nope.mnn: cannot open model file"));
  }
  SECTION("wrong root offset") {
    auto bytes = modelBytes(kModel);
    uint32_t bad = static_cast<uint32_t>(bytes.size() + 64);
    std::memcpy(bytes.data(), &bad, 4);
    CHECK_THAT(loadError(bytes), Catch::Contains("root table offset " + std::to_string(bad) + " points outside the file"));
  }
}

TEST_CASE("bad structure: vector length, missing outputs, tensor ids, unknown tags and fields") {
  MNNQ_REQUIRE_FIXTURES();
  auto bytes = modelBytes(kModel);
  const schema::Net* net = schema::GetNet(bytes.data());
  SECTION("absurd vector length") {
    size_t vec = position(bytes, net->tensorName());
    uint32_t huge = 0x7FFFFFFF;
    std::memcpy(&bytes[vec], &huge, 4);  // a Vector pointer addresses its length field
    CHECK_THAT(loadError(bytes), Catch::Contains("Net.tensorName declares 2147483647 elements"));
  }
  SECTION("op without outputs") {
    // Clearing the vtable slot of Op.outputIndexes (field 4) makes the field absent.
    size_t op = position(bytes, net->oplists()->Get(0));
    int32_t back = flatbuffers::ReadScalar<int32_t>(&bytes[op]);
    size_t slot = op - back + 4 + 2 * 4;
    bytes[slot] = bytes[slot + 1] = 0;
    CHECK_THAT(loadError(bytes), Catch::Contains("op #0 '") && Catch::Contains("has no outputIndexes"));
  }
  SECTION("input tensor index out of range") {
    const schema::Op* op = net->oplists()->Get(3);
    REQUIRE(op->inputIndexes()->size() > 0);
    size_t at = position(bytes, op->inputIndexes()->data());
    int32_t bad = 100000;
    std::memcpy(&bytes[at], &bad, 4);
    CHECK_THAT(loadError(bytes), Catch::Contains("op #3 '" + op->name()->str() + "'") &&
                                     Catch::Contains("input tensor id 100000 is out of range (the model has " +
                                                     std::to_string(net->tensorName()->size()) + " tensors)"));
  }
  SECTION("parameter union tag newer than our schema") {
    size_t op = position(bytes, net->oplists()->Get(2));
    size_t tag = fieldOffset(bytes, op, 1);
    REQUIRE(tag != 0);
    bytes[tag] = 200;
    CHECK_THAT(loadError(bytes), Catch::Contains("op #2") && Catch::Contains("union tag 200"));
  }
}

TEST_CASE("graph rules on the object tree: order, double producers, unknown fields") {
  MNNQ_REQUIRE_FIXTURES();
  Graph g = Graph::load(test::fixture(kModel));
  SECTION("ops out of topological order") {
    auto net = std::make_unique<schema::NetT>(g.net());
    std::swap(net->oplists[1], net->oplists[net->oplists.size() - 1]);
    CHECK_THROWS_WITH(Graph::fromNet(std::move(net), "edited"), Catch::Contains("not in topological order"));
  }
  SECTION("a tensor produced twice") {
    auto net = std::make_unique<schema::NetT>(g.net());
    net->oplists[2]->outputIndexes = net->oplists[1]->outputIndexes;
    CHECK_THROWS_WITH(Graph::fromNet(std::move(net), "edited"), Catch::Contains("op #2") && Catch::Contains("already produces"));
  }
  SECTION("serializeNet refuses an op without outputs (MNN could not load it)") {
    schema::NetT net = g.net();
    net.oplists[4]->outputIndexes.clear();
    CHECK_THROWS_WITH(serializeNet(net), Catch::Contains("op #4") && Catch::Contains("has no outputs"));
  }
  SECTION("a Net field from a newer MNN is refused, not dropped") {
    flatbuffers::FlatBufferBuilder b;
    auto names = b.CreateVectorOfStrings(std::vector<std::string>{});
    auto ops = b.CreateVector(std::vector<flatbuffers::Offset<schema::Op>>{});
    auto start = b.StartTable();
    b.AddOffset(schema::Net::VT_OPLISTS, ops);
    b.AddOffset(schema::Net::VT_TENSORNAME, names);
    b.AddElement<int32_t>(flatbuffers::FieldIndexToOffset(20), 7, 0);  // Net has 12 fields
    b.Finish(flatbuffers::Offset<schema::Net>(b.EndTable(start)));
    std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    CHECK_THAT(loadError(bytes), Catch::Contains("has a field with id 20") && Catch::Contains("newer MNN"));
  }
}
