// runQuantization, the driver: the phases of phases/phases.hpp in order, each given the run's
// context (threads, progress, cancellation), its typed settings and the state the earlier
// phases left. What a phase does is in phases/<name>.cpp.
#include "mnnq/core/pipeline.hpp"

#include "phases/phases.hpp"
#include "run_context.hpp"
#include "run_state.hpp"

namespace mnnq {
namespace {

constexpr phases::Phase kPhases[] = {
    phases::load,
    phases::scaleTable,
    phases::equalize,
    phases::calibrate,
    phases::assignParams,
    phases::biasCorrection,
    phases::rewrite,
    phases::quality,
    phases::debugReport,
    phases::htmlReport,
    phases::publish,
};

}  // namespace

void RunContext::checkCancelled() const {
  if (cancelled && cancelled()) throw RunCancelled();
}

RunContext RunContext::of(const RunRequest& request) {
  RunContext context;
  context.threads = request.settings.threads;
  context.quiet = request.quiet;
  context.progress = request.progress;
  context.cancelled = request.cancelled;
  return context;
}

int runQuantization(const RunRequest& request) {
  const RunContext context = RunContext::of(request);
  RunState state(request);
  for (const phases::Phase phase : kPhases) {
    context.checkCancelled();
    phase(context, request.settings, state);
  }
  return state.exit_status;
}

namespace phases {

Step::Step(const RunContext& context, std::string name) : context_(context), name_(std::move(name)) {
  if (context_.progress) context_.progress(name_, 0, 1);
}

void Step::done() {
  if (context_.progress) context_.progress(name_, 1, 1);
}

// Invalid UTF-8 in names (op and tensor names are bytes) is replaced, so serialising cannot
// fail after the model was computed.
std::string jsonText(const nlohmann::json& value) {
  return value.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace phases
}  // namespace mnnq
