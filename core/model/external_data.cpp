#include "external_data.hpp"

#include "mnnq/core/graph.hpp"
#include "mnnq/core/regular_file.hpp"

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace mnnq::model {
namespace {

using schema::OpT;

bool hasExternal(const OpT& op) {
  switch (op.main.type) {
    case schema::OpParameter_Blob: return !op.main.AsBlob()->external.empty();
    case schema::OpParameter_Convolution2D: return !op.main.AsConvolution2D()->external.empty();
    case schema::OpParameter_Scale: return !op.main.AsScale()->external.empty();
    case schema::OpParameter_LayerNorm: return !op.main.AsLayerNorm()->external.empty();
    default: return false;
  }
}

// Sequential reader over one side file, like MNN's: each table's data follows its offset.
class SideFile {
 public:
  SideFile(std::string path, std::string context) : path_(std::move(path)), context_(std::move(context)) {
    const std::string irregular = notRegularFileReason(path_);
    if (!irregular.empty() && irregular != "does not exist")
      throw ModelError(context_ + ": external data file '" + path_ + "' " + irregular);
    in_.open(path_, std::ios::binary);
    if (!in_) throw ModelError(context_ + ": external data file '" + path_ + "' cannot be opened");
    in_.seekg(0, std::ios::end);
    size_ = static_cast<int64_t>(in_.tellg());
  }

  // Names the op being read, for messages.
  void setContext(std::string context) { context_ = std::move(context); }

  void seek(int64_t offset) {
    if (offset < 0 || offset > size_) rangeError(offset, 0);
    pos_ = offset;
  }

  // Reads `bytes` bytes into a vector of T (bytes must be a multiple of sizeof(T)).
  template <typename T>
  std::vector<T> read(int64_t bytes, const char* what) {
    if (bytes < 0 || bytes % static_cast<int64_t>(sizeof(T)) != 0) {
      std::ostringstream os;
      os << context_ << ": external " << what << " size " << bytes << " is not a multiple of " << sizeof(T)
         << " bytes";
      throw ModelError(os.str());
    }
    if (bytes > size_ - pos_) rangeError(pos_, bytes);
    std::vector<T> out(static_cast<size_t>(bytes) / sizeof(T));
    in_.seekg(pos_);
    in_.read(reinterpret_cast<char*>(out.data()), bytes);
    if (!in_) throw ModelError(context_ + ": reading external data from '" + path_ + "' failed");
    pos_ += bytes;
    return out;
  }

 private:
  [[noreturn]] void rangeError(int64_t offset, int64_t bytes) {
    std::ostringstream os;
    os << context_ << ": external data [" << offset << ", +" << bytes << ") lies outside '" << path_ << "' ("
       << size_ << " bytes)";
    throw ModelError(os.str());
  }

  std::string path_;
  std::string context_;
  std::ifstream in_;
  int64_t size_ = 0;
  int64_t pos_ = 0;
};

void checkCount(const std::vector<int64_t>& external, size_t minimum, const std::string& context) {
  if (external.size() < minimum) {
    std::ostringstream os;
    os << context << ": 'external' has " << external.size() << " entries, expected at least " << minimum;
    throw ModelError(os.str());
  }
}

void inlineBlob(schema::BlobT& blob, SideFile& file, const std::string& context) {
  checkCount(blob.external, 2, context);
  file.seek(blob.external[0]);
  int64_t bytes = blob.external[1];
  switch (blob.dataType) {
    case schema::DataType_DT_FLOAT: blob.float32s = file.read<float>(bytes, "constant"); break;
    case schema::DataType_DT_INT32:
    case schema::DataType_DT_BOOL: blob.int32s = file.read<int32_t>(bytes, "constant"); break;
    case schema::DataType_DT_INT64: blob.int64s = file.read<int64_t>(bytes, "constant"); break;
    case schema::DataType_DT_INT8: blob.int8s = file.read<int8_t>(bytes, "constant"); break;
    default: blob.uint8s = file.read<uint8_t>(bytes, "constant"); break;  // uint8, half, ...
  }
  blob.external.clear();
}

void inlineConvolution(schema::Convolution2DT& conv, SideFile& file, const std::string& context) {
  checkCount(conv.external, 3, context);
  const std::vector<int64_t>& ext = conv.external;
  file.seek(ext[0]);
  if (conv.quanParameter) {
    // Quantized: [offset, buffer bytes, scale bytes, bias bytes?, sparse index bytes?].
    schema::IDSTQuanT& quan = *conv.quanParameter;
    if (ext[1] > 0) quan.buffer = file.read<int8_t>(ext[1], "coded weight");
    if (quan.scaleStorage == schema::ScaleStorageType_FP16) {
      quan.alphaFp16 = file.read<uint16_t>(ext[2], "weight scale");
    } else {
      quan.alpha = file.read<float>(ext[2], "weight scale");
    }
    if (ext.size() > 3 && ext[3] > 0) conv.bias = file.read<float>(ext[3], "bias");
    if (ext.size() > 4 && ext[4] > 0) quan.index = file.read<uint32_t>(ext[4], "sparse index");
  } else {
    // Float: [offset, weight bytes, bias bytes].
    conv.weight = file.read<float>(ext[1], "weight");
    conv.bias = file.read<float>(ext[2], "bias");
  }
  conv.external.clear();
}

void inlineScale(schema::ScaleT& scale, SideFile& file, const std::string& context) {
  checkCount(scale.external, 2, context);
  file.seek(scale.external[0]);
  scale.scaleData = file.read<float>(scale.external[1], "scale");
  if (scale.external.size() > 2) scale.biasData = file.read<float>(scale.external[2], "bias");
  scale.external.clear();
}

void inlineLayerNorm(schema::LayerNormT& norm, SideFile& file, const std::string& context) {
  checkCount(norm.external, 3, context);
  file.seek(norm.external[0]);
  norm.gamma = file.read<float>(norm.external[1], "gamma");
  norm.beta = file.read<float>(norm.external[2], "beta");
  norm.external.clear();
}

class Inliner {
 public:
  Inliner(std::string weightPath, std::string source) : weightPath_(std::move(weightPath)), source_(std::move(source)) {}

  void ops(std::vector<std::unique_ptr<OpT>>& list, const std::string& where) {
    for (size_t i = 0; i < list.size(); ++i) {
      OpT& op = *list[i];
      if (!hasExternal(op)) continue;
      std::ostringstream ctx;
      ctx << source_ << ": " << where << "op #" << i << " '" << op.name << "'";
      std::string path = op.externalPath.empty() ? weightPath_ : op.externalPath;
      SideFile& file = open(path, ctx.str());
      file.setContext(ctx.str());
      switch (op.main.type) {
        case schema::OpParameter_Blob: inlineBlob(*op.main.AsBlob(), file, ctx.str()); break;
        case schema::OpParameter_Convolution2D: inlineConvolution(*op.main.AsConvolution2D(), file, ctx.str()); break;
        case schema::OpParameter_Scale: inlineScale(*op.main.AsScale(), file, ctx.str()); break;
        case schema::OpParameter_LayerNorm: inlineLayerNorm(*op.main.AsLayerNorm(), file, ctx.str()); break;
        default: break;
      }
      op.externalPath.clear();
    }
  }

 private:
  SideFile& open(const std::string& path, const std::string& context) {
    auto it = files_.find(path);
    if (it == files_.end()) it = files_.emplace(path, std::make_unique<SideFile>(path, context)).first;
    return *it->second;
  }

  std::string weightPath_;
  std::string source_;
  std::map<std::string, std::unique_ptr<SideFile>> files_;
};

}  // namespace

bool usesExternalData(const schema::NetT& net) {
  for (const auto& op : net.oplists) {
    if (hasExternal(*op)) return true;
  }
  for (const auto& sub : net.subgraphs) {
    for (const auto& op : sub->nodes) {
      if (hasExternal(*op)) return true;
    }
  }
  return false;
}

void inlineExternalData(schema::NetT& net, const std::string& weight_path, const std::string& source) {
  if (!usesExternalData(net)) return;
  Inliner inliner(weight_path, source);
  inliner.ops(net.oplists, "");
  for (auto& sub : net.subgraphs) inliner.ops(sub->nodes, "subgraph '" + sub->name + "' ");
}

}  // namespace mnnq::model
