"""mnnq.quantize: dict configs, Python samples, equality with the command line, errors,
progress and interruption."""

import itertools
import json
import os
import signal
import threading
import time

import numpy as np
import pytest

import mnnq
from conftest import fixture_path


def write_json(path, value):
    path.write_text(json.dumps(value))
    return path


def test_dict_config_gives_the_cli_file_byte_for_byte(tmp_path, mnist_model, mnist_config, cli):
    summary = mnnq.quantize(mnist_model, tmp_path / "py.mnn", mnist_config)
    config_file = write_json(tmp_path / "cfg.json", mnist_config)
    cli("run", "--config", config_file, "--model", mnist_model, "--output", tmp_path / "cli.mnn",
        "--quiet")
    assert (tmp_path / "py.mnn").read_bytes() == (tmp_path / "cli.mnn").read_bytes()
    assert (tmp_path / "py.mnn.json").read_bytes() == (tmp_path / "cli.mnn.json").read_bytes()

    assert summary["samples"] == {"total": 16, "used": 16, "skipped": 0}
    assert summary["feature_quantize_method"] == "KL"
    assert summary["output"] == str(tmp_path / "py.mnn")
    # The summary describes the file written: LeNet's 4 convolutions, all int8.
    written = mnnq.inspect(tmp_path / "py.mnn")["quantization"]
    assert summary["convolutions_quantized"] == written["int8_convolutions"] == 4
    assert summary["tensors_quantized"] == written["tensors_with_quant_info"]
    assert summary["ops_left_float"] == []


def test_config_file_path_and_relative_paths(tmp_path, mnist_model, mnist_config, cli):
    # A config file's relative paths resolve against its folder, as for the CLI.
    config_file = write_json(tmp_path / "cfg.json",
                             dict(mnist_config, path=os.path.relpath(mnist_config["path"], tmp_path)))
    mnnq.quantize(mnist_model, tmp_path / "py.mnn", str(config_file))
    cli(mnist_model, tmp_path / "cli.mnn", config_file)  # MNN's quantized.out form
    assert (tmp_path / "py.mnn").read_bytes() == (tmp_path / "cli.mnn").read_bytes()


@pytest.fixture
def npy_folder(tmp_path, mnist_inputs):
    folder = tmp_path / "npy"
    folder.mkdir()
    for i, array in enumerate(mnist_inputs):
        np.save(folder / f"{i:03d}.npy", array)
    return folder


def python_config(mnist_config):
    config = {k: v for k, v in mnist_config.items()
              if k not in ("path", "format", "mean", "normal", "width", "height",
                           "used_image_num")}
    config["input_type"] = "python"
    return config


def test_python_samples_give_the_cli_npy_result(tmp_path, mnist_model, mnist_config, mnist_inputs,
                                                npy_folder, cli):
    cli_config = dict(python_config(mnist_config), input_type="npy", path=str(npy_folder))
    cli("run", "--config", write_json(tmp_path / "cfg.json", cli_config), "--model", mnist_model,
        "--output", tmp_path / "cli.mnn", "--quiet")
    expected = (tmp_path / "cli.mnn").read_bytes()

    summary = mnnq.quantize(mnist_model, tmp_path / "list.mnn", python_config(mnist_config),
                            samples=mnist_inputs)
    assert (tmp_path / "list.mnn").read_bytes() == expected
    assert summary["samples"] == {"total": 4, "used": 4, "skipped": 0}

    # A generator of {input name: array} dicts without batch dimension, input_type implied.
    name = mnnq.inspect(mnist_model)["inputs"][0]["name"]
    config = python_config(mnist_config)
    del config["input_type"]
    mnnq.quantize(mnist_model, tmp_path / "dicts.mnn", config,
                  samples=({name: a[0]} for a in mnist_inputs))
    assert (tmp_path / "dicts.mnn").read_bytes() == expected

    # float64 data is converted (exactly, for float32 values), with one warning.
    with pytest.warns(UserWarning, match="float64"):
        mnnq.quantize(mnist_model, tmp_path / "f64.mnn", python_config(mnist_config),
                      samples=[a.astype(np.float64) for a in mnist_inputs])
    assert (tmp_path / "f64.mnn").read_bytes() == expected

    # used_sample_num stops reading an endless iterable.
    mnnq.quantize(mnist_model, tmp_path / "cycle.mnn",
                  dict(python_config(mnist_config), used_sample_num=4),
                  samples=itertools.cycle(mnist_inputs))
    assert (tmp_path / "cycle.mnn").read_bytes() == expected


def test_onnxruntime_style_data_reader(tmp_path, mnist_model, mnist_config, mnist_inputs):
    class Reader:  # the CalibrationDataReader protocol: get_next() until None
        def __init__(self):
            self.items = iter(mnist_inputs)

        def get_next(self):
            return next(self.items, None)

    summary = mnnq.quantize(mnist_model, tmp_path / "r.mnn", python_config(mnist_config),
                            samples=Reader())
    assert summary["samples"]["used"] == len(mnist_inputs)


def test_python_samples_are_checked(tmp_path, mnist_model, mnist_config, mnist_inputs):
    config = python_config(mnist_config)
    # Wrong shapes are skipped with the reason, like the npy plugin's files.
    samples = list(mnist_inputs) + [np.zeros((1, 1, 32, 32), np.float32)]
    summary = mnnq.quantize(mnist_model, tmp_path / "a.mnn", config, samples=samples)
    assert summary["samples"]["used"] == len(mnist_inputs)
    [skipped] = summary["skipped_samples"]
    assert skipped["sample"] == f"sample {len(mnist_inputs)}"
    assert "[1,1,32,32]" in skipped["reason"] and "[1,1,28,28]" in skipped["reason"]

    with pytest.raises(ValueError, match="'image' is not a model input"):
        mnnq.quantize(mnist_model, tmp_path / "b.mnn", config, samples=[{"image": mnist_inputs[0]}])
    with pytest.raises(TypeError, match="sample 1: an array of dtype <U"):
        mnnq.quantize(mnist_model, tmp_path / "c.mnn", config, samples=[mnist_inputs[0], "text"])
    with pytest.raises(ValueError, match="none were given"):
        mnnq.quantize(mnist_model, tmp_path / "d.mnn", config)
    with pytest.raises(ValueError, match="samples= needs input_type 'python'"):
        mnnq.quantize(mnist_model, tmp_path / "e.mnn", dict(mnist_config, input_type="image"),
                      samples=mnist_inputs)
    with pytest.raises(RuntimeError, match="no usable calibration sample: all 1 were skipped"):
        mnnq.quantize(mnist_model, tmp_path / "f.mnn", config,
                      samples=[np.zeros((3, 3), np.float32)])
    assert not any(tmp_path.glob("[b-f].mnn"))


def test_debug_report_is_part_of_the_summary(tmp_path, mnist_model, mnist_config, mnist_inputs):
    summary = mnnq.quantize(mnist_model, tmp_path / "q.mnn",
                            dict(python_config(mnist_config), debug=True), samples=mnist_inputs)
    rows = summary["debug"]
    assert len(rows) == summary["tensors_quantized"]
    # The same rows the run wrote beside the model.
    assert rows == json.loads((tmp_path / "q.mnn.debug.json").read_text())


def test_other_python_threads_run_during_calibration(tmp_path, mnist_model, mnist_config):
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.002)

    counter = threading.Thread(target=count)
    calibrating = []

    def progress(phase, done, total):
        if phase.startswith("calibrate") and not calibrating:
            calibrating.append(time.monotonic())

    counter.start()
    try:
        summary = mnnq.quantize(mnist_model, tmp_path / "q.mnn", dict(mnist_config, threads=1),
                                progress=progress)
    finally:
        stop.set()
        counter.join()
    calibration_seconds = sum(p["seconds"] for p in summary["phases"]
                              if p["phase"].startswith("calibrate"))
    during = [t for t in ticks if t > calibrating[0]]
    # Ticking every 2 ms needs the GIL; with it held by the run there would be none.
    assert len(during) > 10, (len(during), calibration_seconds)


@pytest.mark.parametrize("change, key", [
    ({"feature_quantize_method": "KLL"}, "feature_quantize_method"),
    ({"used_imag_num": 3}, "used_imag_num"),
    ({"used_image_num": "many"}, "used_image_num"),
    ({"quant_bits": 12}, "quant_bits"),
    ({"skip_quant_op_names": ["no_such_op"]}, "skip_quant_op_names"),
])
def test_bad_config_raises_value_error_naming_the_key(tmp_path, mnist_model, mnist_config,
                                                      change, key):
    with pytest.raises(ValueError, match=rf"\b{key}\b"):
        mnnq.quantize(mnist_model, tmp_path / "q.mnn", dict(mnist_config, **change))
    assert not (tmp_path / "q.mnn").exists()


def test_model_errors_have_their_own_class(tmp_path, mnist_config):
    bad = tmp_path / "bad.mnn"
    bad.write_bytes(b"not a model")
    with pytest.raises(mnnq.ModelError, match="bad.mnn"):
        mnnq.quantize(bad, tmp_path / "q.mnn", mnist_config)
    with pytest.raises(mnnq.ModelError, match="bad.mnn"):
        mnnq.inspect(bad)


def test_progress_is_reported_on_the_calling_thread_with_increasing_counts(
        tmp_path, mnist_model, mnist_config):
    calls = []
    caller = threading.get_ident()

    def progress(phase, done, total):
        assert threading.get_ident() == caller
        calls.append((phase, done, total))

    summary = mnnq.quantize(mnist_model, tmp_path / "q.mnn", mnist_config, progress=progress)
    phases = list(dict.fromkeys(phase for phase, _, _ in calls))
    assert phases[0] == "load model and plugins" and phases[-1] == "write and verify"
    calibrate = [p for p in phases if p.startswith("calibrate pass")]
    assert len(calibrate) == len([p for p in summary["phases"] if p["phase"].startswith("calibrate")])
    for phase in phases:
        counts = [(done, total) for p, done, total in calls if p == phase]
        done = [d for d, _ in counts]
        assert done == sorted(set(done)), f"{phase}: {done}"
        assert counts[-1][0] == counts[-1][1], f"{phase} ends at {counts[-1]}"
    for phase in calibrate:
        assert [t for p, _, t in calls if p == phase][-1] == 16


def test_progress_exception_stops_the_run(tmp_path, mnist_model, mnist_config):
    def progress(phase, done, total):
        if phase.startswith("calibrate"):
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        mnnq.quantize(mnist_model, tmp_path / "q.mnn", mnist_config, progress=progress)
    assert not (tmp_path / "q.mnn").exists()


def test_ctrl_c_interrupts_a_run(tmp_path, mnist_model, mnist_config):
    # All 251 photos, one thread: long enough to be interrupted in the middle.
    config = dict(mnist_config, used_image_num=0, threads=1)
    seen = []
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            mnnq.quantize(mnist_model, tmp_path / "q.mnn", config,
                          progress=lambda phase, done, total: seen.append((phase, done, total)))
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    assert not (tmp_path / "q.mnn").exists()
    phases = {phase for phase, _, _ in seen}
    assert any(p.startswith("calibrate") for p in phases), phases
    assert "write and verify" not in phases, f"not interrupted mid-run ({elapsed:.1f} s)"


def test_endless_sample_generator_is_stopped_at_the_documented_bound(tmp_path, mnist_model,
                                                                       mnist_config, mnist_inputs):
    # Without used_sample_num an endless iterable stops at 65536 items (all are kept in memory),
    # with a ValueError, instead of growing until MemoryError. Nothing is written.
    with pytest.raises(ValueError, match="more than 65536 items"):
        mnnq.quantize(mnist_model, tmp_path / "endless.mnn", python_config(mnist_config),
                      samples=itertools.cycle(mnist_inputs))
    assert not (tmp_path / "endless.mnn").exists()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), np.float32("-inf")])
def test_non_finite_config_values_name_the_key(tmp_path, mnist_model, mnist_config, value):
    config = dict(mnist_config, mean=[value, 0, 0])
    with pytest.raises(ValueError, match=r"config key 'mean': .* is not a finite number"):
        mnnq.quantize(mnist_model, tmp_path / "nan.mnn", config)
    nested = dict(mnist_config, inputs=[{"name": "x", "value": value}])
    with pytest.raises(ValueError, match=r"config key 'inputs.value'|config key 'inputs'"):
        mnnq.quantize(mnist_model, tmp_path / "nan.mnn", nested)
