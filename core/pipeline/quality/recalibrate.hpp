// target_cosine's first stage: the same model calibrated with another feature method and/or
// with cross-layer equalisation or bias correction toggled. Each calibration runs the run's own
// phases (phases/: equalize, calibrate, assign_params, bias_correction, and rewrite's options)
// on a RunState of its own that shares the run's sample feed, so it computes exactly what a run
// with those settings would. Calibrations are cached per (method, equalisation), so the
// bias-correction variant of a calibration costs only its channel means; the run's own
// calibration is reused, not repeated. Messages and notes of these runs are not reported; the
// chosen calibration's figures are.
#pragma once

#include "quality_phase.hpp"

#include "../run_state.hpp"

#include <map>
#include <memory>
#include <string>

namespace mnnq {

class Recalibrator {
 public:
  // `run`: the run's state after its rewrite; it must outlive the Recalibrator and every
  // CalibratedModel it returns.
  explicit Recalibrator(const RunState& run);
  CalibratedModel operator()(const MethodSpec& spec);

 private:
  struct Calibration;
  const RunState& run_;
  std::map<std::string, std::shared_ptr<Calibration>> cache_;
};

}  // namespace mnnq
