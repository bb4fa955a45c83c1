// Libraries that are refused, one per BROKEN_* definition. They are written against the raw
// ABI (no SDK macro) so each can break exactly one rule.
#include <mnnq/abi.h>

#include <boost/dll/alias.hpp>

namespace {

mnnq_status create(const char*, const mnnq_host*, mnnq_weight_quantizer**, mnnq_message*) {
  return MNNQ_UNSUPPORTED;
}
[[maybe_unused]] mnnq_status quantize(mnnq_weight_quantizer*, const mnnq_weight_desc*, mnnq_weight_result*,
                     mnnq_message*) {
  return MNNQ_UNSUPPORTED;
}
void destroy(mnnq_weight_quantizer*) {}

#if defined(BROKEN_NULL_FUNCTION)
const mnnq_weight_quantizer_vtbl kVtable = {sizeof(mnnq_weight_quantizer_vtbl), &create, nullptr,
                                            &destroy};
#else
const mnnq_weight_quantizer_vtbl kVtable = {sizeof(mnnq_weight_quantizer_vtbl), &create,
                                            &quantize, &destroy};
#endif

#if defined(BROKEN_BAD_DEFAULT)
const mnnq_config_key kKeys[] = {
    {sizeof(mnnq_config_key), 0, "bits", MNNQ_VALUE_INT, "\"eight\"", "bad default", 0, 0, nullptr, 0}};
const uint32_t kNumKeys = 1;
#else
const mnnq_config_key* const kKeys = nullptr;
const uint32_t kNumKeys = 0;
#endif

#if defined(BROKEN_ABI)
const uint32_t kAbi = 99;
#elif defined(BROKEN_ABI_V1)
const uint32_t kAbi = 1;  // a plugin built against the first SDK
#else
const uint32_t kAbi = MNNQ_ABI_VERSION;
#endif

#if defined(BROKEN_SMALL_INFO)
const uint32_t kInfoSize = 8;
#else
const uint32_t kInfoSize = sizeof(mnnq_plugin_info);
#endif

#if defined(BROKEN_HOST_KEY)
const char* const kHostKeys[] = {"no_such_host_key"};
const uint32_t kNumHostKeys = 1;
#else
const char* const* const kHostKeys = nullptr;
const uint32_t kNumHostKeys = 0;
#endif

const mnnq_plugin_info kInfo = {kAbi,     kInfoSize, MNNQ_KIND_WEIGHT_QUANTIZER, "BROKEN",
                                "0",      "refused", kKeys,                      kNumKeys,
                                0,        &kVtable,  kHostKeys,                  kNumHostKeys};

}  // namespace

extern "C" const mnnq_plugin_info* broken_info() { return &kInfo; }

#if defined(BROKEN_NO_ENTRY)
// An `mnnq` section, but the entry has another name.
BOOST_DLL_ALIAS_SECTIONED(broken_info, some_other_symbol, mnnq)
#else
BOOST_DLL_ALIAS_SECTIONED(broken_info, mnnq_plugin_entry, mnnq)
#endif
