#include "graph_checks.hpp"

#include "mnnq/core/graph.hpp"

#include <limits>
#include <sstream>
#include <vector>

namespace mnnq::model {
namespace {

// Checks one op list (the main graph or a subgraph) against its tensor table.
class ListChecker {
 public:
  ListChecker(const std::string& source, const std::string& where, const std::vector<std::string>& tensors)
      : source_(source), where_(where), tensors_(tensors), producer_(tensors.size(), -1) {}

  void check(const std::vector<std::unique_ptr<schema::OpT>>& ops) {
    // First pass: producers, so that an input produced *later* can be told apart from one
    // produced by no op at all.
    for (size_t i = 0; i < ops.size(); ++i) {
      const schema::OpT& op = *ops[i];
      if (op.outputIndexes.empty()) fail(op, i, "has no outputs (MNN requires every op to produce a tensor)");
      for (int t : op.outputIndexes) {
        if (t < 0 || static_cast<size_t>(t) >= tensors_.size()) fail(op, i, rangeText("output", t));
        if (producer_[t] >= 0) {
          std::ostringstream os;
          os << "writes tensor '" << tensors_[t] << "' (id " << t << "), which op #" << producer_[t] << " '"
             << ops[producer_[t]]->name << "' already produces";
          fail(op, i, os.str());
        }
        producer_[t] = static_cast<int>(i);
      }
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      const schema::OpT& op = *ops[i];
      for (int t : op.inputIndexes) {
        if (t == -1) continue;  // absent optional input
        if (t < 0 || static_cast<size_t>(t) >= tensors_.size()) fail(op, i, rangeText("input", t));
        if (producer_[t] >= static_cast<int>(i)) {
          std::ostringstream os;
          os << "reads tensor '" << tensors_[t] << "' (id " << t << ") before op #" << producer_[t] << " '"
             << ops[producer_[t]]->name << "' produces it (ops are not in topological order)";
          fail(op, i, os.str());
        }
      }
    }
  }

 private:
  std::string rangeText(const char* kind, int t) const {
    std::ostringstream os;
    os << kind << " tensor id " << t << " is out of range (the " << (where_.empty() ? "model" : where_) << " has "
       << tensors_.size() << " tensors)";
    return os.str();
  }

  [[noreturn]] void fail(const schema::OpT& op, size_t index, const std::string& what) const {
    std::string prefix = where_.empty() ? "" : where_ + ": ";
    throw ModelError(source_ + ": " + prefix + describeOp(op, index) + " " + what);
  }

  const std::string& source_;
  std::string where_;
  const std::vector<std::string>& tensors_;
  std::vector<int> producer_;
};

// The int8 simulation turns these into integers and fixed-point multipliers (zero points,
// clamps, 16.16 scales), so they must be finite and within what an int8 tensor can mean.
// MNN writes scale = max|x| / 127 and zero, min, max within [-128, 127].
void checkQuantInfo(const schema::TensorQuantInfoT& q, size_t i, const std::string& source,
                    const std::string& where) {
  auto fail = [&](const std::string& field, float value, const char* what) {
    std::ostringstream os;
    os << source << ": " << where << "extraTensorDescribe #" << i << " quantInfo." << field << " = " << value
       << ": " << what;
    throw ModelError(os.str());
  };
  if (!(q.scale >= 0.f && q.scale <= std::numeric_limits<float>::max())) fail("scale", q.scale, "must be finite and >= 0");
  const bool int8 = q.type == schema::DataType_DT_INVALID || q.type == schema::DataType_DT_INT8;
  const float lo = int8 ? -128.f : -2147483648.f, hi = int8 ? 127.f : 2147483520.f;
  const char* range = int8 ? "must be finite, in [-128, 127] for an int8 tensor" : "must be finite and fit 32 bits";
  if (!(q.zero >= lo && q.zero <= hi)) fail("zero", q.zero, range);
  if (!(q.min >= lo && q.min <= hi)) fail("min", q.min, range);
  if (!(q.max >= lo && q.max <= hi)) fail("max", q.max, range);
  if (q.min > q.max) fail("min", q.min, "is greater than max");
}

void checkDescribes(const std::vector<std::unique_ptr<schema::TensorDescribeT>>& describes, size_t tensorCount,
                    const std::string& source, const std::string& where) {
  for (size_t i = 0; i < describes.size(); ++i) {
    int t = describes[i]->index;
    if (t < 0 || static_cast<size_t>(t) >= tensorCount) {
      std::ostringstream os;
      os << source << ": " << where << "extraTensorDescribe #" << i << " refers to tensor id " << t
         << ", out of range (" << tensorCount << " tensors)";
      throw ModelError(os.str());
    }
    if (describes[i]->quantInfo) checkQuantInfo(*describes[i]->quantInfo, i, source, where);
  }
}

}  // namespace

std::string describeOp(const schema::OpT& op, size_t index) {
  std::ostringstream os;
  os << "op #" << index << " '" << op.name << "' (";
  const char* type = schema::EnumNameOpType(op.type);
  if (type && *type) {
    os << type;
  } else {
    os << "type " << static_cast<int>(op.type);
  }
  os << ")";
  return os.str();
}

void checkGraph(const schema::NetT& net, const std::string& source) {
  // Empty lists are written as absent fields, which MNN's loader rejects.
  if (net.oplists.empty()) throw ModelError(source + ": the model has no ops");
  ListChecker(source, "", net.tensorName).check(net.oplists);
  checkDescribes(net.extraTensorDescribe, net.tensorName.size(), source, "");
  for (const auto& sub : net.subgraphs) {
    std::string where = "subgraph '" + sub->name + "'";
    ListChecker(source, where, sub->tensors).check(sub->nodes);
    checkDescribes(sub->extraTensorDescribe, sub->tensors.size(), source, where + ": ");
    for (int t : sub->inputs) {
      if (t < 0 || static_cast<size_t>(t) >= sub->tensors.size()) {
        throw ModelError(source + ": " + where + ": input tensor id " + std::to_string(t) + " is out of range");
      }
    }
    for (int t : sub->outputs) {
      if (t < 0 || static_cast<size_t>(t) >= sub->tensors.size()) {
        throw ModelError(source + ": " + where + ": output tensor id " + std::to_string(t) + " is out of range");
      }
    }
  }
}

}  // namespace mnnq::model
