// An ordinary shared library: no `mnnq` section. Loading it would run this constructor and
// abort the test, which proves the host skips it without loading it.
#include <cstdlib>

namespace {
struct AbortOnLoad {
  AbortOnLoad() { std::abort(); }
} abort_on_load;
}  // namespace

extern "C" int not_a_plugin_function() { return 42; }
