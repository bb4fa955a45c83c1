// Runs long C++ work (a quantization, a forward) off the Python thread that asked for it:
// the work runs on its own thread without the GIL, while the calling thread waits in short
// slices so that it can
//   * deliver progress events to the Python callback (on the caller's thread, in order),
//   * notice Ctrl-C (PyErr_CheckSignals) and ask the work to stop,
// and then rethrows the work's exception, or the KeyboardInterrupt / the callback's exception.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <functional>
#include <string>

namespace mnnq::python {

struct WorkHooks {
  // Thread-safe; never blocks on Python. Events of one phase are coalesced while the caller is
  // busy, so counts stay increasing.
  std::function<void(const std::string& phase, uint64_t done, uint64_t total)> progress;
  // True once the caller wants the work to stop (Ctrl-C, or the progress callback raised).
  std::function<bool()> cancelled;
};

// Must be called with the GIL held. `progress` may be None.
void runInBackground(const std::function<void(const WorkHooks&)>& work,
                     const pybind11::object& progress);

}  // namespace mnnq::python
