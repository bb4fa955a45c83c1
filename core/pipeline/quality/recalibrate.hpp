// target_cosine's first stage: the same model calibrated with another feature method and/or
// with cross-layer equalisation or bias correction toggled, with the steps of a run (run.cpp:
// equalisation, calibration passes, the parameter rules, the skip list, bias-correction means).
// Calibrations are cached per (method, equalisation), so the bias-correction variant of a
// calibration costs only its channel means. Messages and notes of these runs are not reported;
// the chosen calibration's figures are.
#pragma once

#include "quality_phase.hpp"

#include "../sample_feed.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/pipeline.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>

namespace mnnq {

class Recalibrator {
 public:
  // All references must outlive the Recalibrator and every CalibratedModel it returns.
  Recalibrator(const RunRequest& request, SampleFeed& feed, const ExecutorOptions& exec_options,
               const std::set<std::string>& skip);
  CalibratedModel operator()(const MethodSpec& spec);

 private:
  struct Calibration;
  const RunRequest& request_;
  SampleFeed& feed_;
  const ExecutorOptions& exec_options_;
  const std::set<std::string>& skip_;
  std::map<std::string, std::shared_ptr<Calibration>> cache_;
};

}  // namespace mnnq
