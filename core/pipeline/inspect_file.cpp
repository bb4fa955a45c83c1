#include "mnnq/core/executor.hpp"
#include "mnnq/core/inspect.hpp"

#include <boost/filesystem.hpp>

namespace mnnq {

InspectReport inspectModelFile(const std::string& path) {
  Graph graph = Graph::load(path);
  InspectReport report = inspectModel(graph, boost::filesystem::file_size(path));
  // Building an executor lists every op it cannot run; other failures (e.g. dynamic input
  // dims without a given shape) mean the question cannot be answered here.
  // For a quantized model the int8 simulation also says which ops MNN runs in int8.
  try {
    ExecutorOptions options;
    options.simulate_int8 = report.quantization.quantized();
    Executor executor(graph, options);
    for (InspectOp& op : report.ops) op.quantized = executor.runsInt8(op.index) ? 1 : 0;
  } catch (const UnsupportedOpsError& e) {
    report.unsupported_ops = e.ops();
  } catch (const std::exception& e) {
    report.executor_check = e.what();
  }
  return report;
}

}  // namespace mnnq
