#include "unknown_fields.hpp"

#include "mnnq/core/graph.hpp"

#include <flatbuffers/flatbuffers.h>

#include <sstream>
#include <vector>

namespace mnnq::model {
namespace {

// One step of the path from the root to the table being visited, for the error message.
struct PathStep {
  const char* name;
  long index;  // vector element, -1 if none
};

class Walker {
 public:
  explicit Walker(const std::string& source) : source_(source) {}

  void visit(const uint8_t* obj, const flatbuffers::TypeTable* type) {
    auto* table = reinterpret_cast<const flatbuffers::Table*>(obj);
    const uint8_t* vtable = table->GetVTable();
    auto vsize = flatbuffers::ReadScalar<flatbuffers::voffset_t>(vtable);
    size_t slots = (vsize - 4) / sizeof(flatbuffers::voffset_t);
    for (size_t id = type->num_elems; id < slots; ++id) {
      if (flatbuffers::ReadScalar<flatbuffers::voffset_t>(vtable + 4 + 2 * id) != 0) unknownField(id, type);
    }
    uint8_t unionTag = 0;
    for (size_t i = 0; i < type->num_elems; ++i) {
      flatbuffers::TypeCode code = type->type_codes[i];
      const uint8_t* val = table->GetAddressOf(flatbuffers::FieldIndexToOffset(static_cast<flatbuffers::voffset_t>(i)));
      if (code.base_type == flatbuffers::ET_UTYPE) {
        unionTag = val ? flatbuffers::ReadScalar<uint8_t>(val) : 0;
        continue;
      }
      if (!val || code.base_type != flatbuffers::ET_SEQUENCE || code.sequence_ref < 0) continue;
      const flatbuffers::TypeTable* ref = type->type_refs[code.sequence_ref]();
      path_.push_back({type->names[i], -1});
      const uint8_t* target = val + flatbuffers::ReadScalar<flatbuffers::uoffset_t>(val);
      if (ref->st == flatbuffers::ST_TABLE) {
        if (code.is_repeating) {
          auto* vec = reinterpret_cast<const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::Table>>*>(target);
          for (flatbuffers::uoffset_t k = 0; k < vec->size(); ++k) {
            path_.back().index = static_cast<long>(k);
            visit(reinterpret_cast<const uint8_t*>(vec->Get(k)), ref);
          }
        } else {
          visit(target, ref);
        }
      } else if (ref->st == flatbuffers::ST_UNION && !code.is_repeating && unionTag != 0 &&
                 unionTag < ref->num_elems) {
        // Union members are consecutive from NONE = 0, so the tag indexes the member list.
        flatbuffers::TypeCode member = ref->type_codes[unionTag];
        if (member.base_type == flatbuffers::ET_SEQUENCE && member.sequence_ref >= 0) {
          path_.back().name = ref->names[unionTag];
          visit(target, ref->type_refs[member.sequence_ref]());
        }
      }
      path_.pop_back();
    }
  }

 private:
  [[noreturn]] void unknownField(size_t id, const flatbuffers::TypeTable* type) {
    std::ostringstream os;
    os << source_ << ": cannot be rewritten faithfully: the table at Net";
    for (const PathStep& step : path_) {
      os << "." << step.name;
      if (step.index >= 0) os << "[" << step.index << "]";
    }
    os << " has a field with id " << id << " but mnnq's schema (MNN 3.6) knows only " << type->num_elems
       << " fields there; the file comes from a newer MNN";
    throw ModelError(os.str());
  }

  const std::string& source_;
  std::vector<PathStep> path_;
};

}  // namespace

void checkNoUnknownFields(const uint8_t* data, size_t /*size*/, const std::string& source) {
  Walker walker(source);
  walker.visit(data + flatbuffers::ReadScalar<flatbuffers::uoffset_t>(data), schema::NetTypeTable());
}

}  // namespace mnnq::model
