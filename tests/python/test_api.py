"""mnnq.inspect, mnnq.infer, mnnq.plugins and the mnnquant command."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import mnnq
from conftest import fixture_path

REFERENCES = "references/mnist"


def cosine(a, b):
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def reference_runs(folder):
    root = fixture_path(folder)
    return [(root / entry["dir"], entry)
            for entry in json.loads((root / "references.json").read_text())]


def test_inspect_reports_the_fixture_facts(mnist_model):
    report = mnnq.inspect(mnist_model)
    [model_input] = report["inputs"]
    assert model_input["shape"] == [1, 1, 28, 28]  # fixtures README: mnist 1x1x28x28
    assert not report["quantization"]["quantized"]
    quantized = mnnq.inspect(fixture_path("mnn_quantized/mnist/KL/quant.mnn"))
    assert quantized["quantization"]["quantized"]


def test_infer_matches_mnn_float_outputs(mnist_model):
    runs = reference_runs(REFERENCES)
    assert len(runs) == 4
    for folder, entry in runs:
        x = np.load(folder / entry["input"])
        outputs = mnnq.infer(mnist_model, x)  # one-input model: a bare array is enough
        assert set(outputs) == {o["name"] for o in entry["outputs"]}
        for o in entry["outputs"]:
            expected = np.load(folder / o["file"])
            assert outputs[o["name"]].dtype == np.float32
            assert outputs[o["name"]].size == expected.size
            assert cosine(outputs[o["name"]], expected) > 0.9999, (folder.name, o["name"])


def test_infer_runs_quantized_models():
    # MNN's own KL-quantized mnist against the outputs of MNN's int8 runtime.
    quantized = fixture_path("mnn_quantized/mnist/KL/quant.mnn")
    root = fixture_path("references_int8/mnist/KL")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert folders
    for folder in folders:
        x = np.load(folder / "input.npy")
        expected = np.load(folder / "32.npy")
        dequantized = mnnq.infer(quantized, x, int8=False)["32"]
        assert cosine(dequantized, expected) > 0.999, folder.name
        # Default: the executor's simulation of MNN's int8 arithmetic, closer still.
        simulated = mnnq.infer(quantized, x)["32"]
        assert simulated.size == expected.size
        assert cosine(simulated, expected) > 0.9999, folder.name
        assert not np.array_equal(simulated, dequantized)


def test_infer_checks_its_inputs(mnist_model):
    with pytest.raises(ValueError, match="'image' is not an input"):
        mnnq.infer(mnist_model, {"image": np.zeros((1, 1, 28, 28), np.float32)})
    with pytest.raises(TypeError, match="dtype"):
        mnnq.infer(mnist_model, np.array([["a"]]))


def test_plugins_lists_the_built_in_and_python_sources():
    found = {(p["kind"], p["name"]) for p in mnnq.plugins()}
    for expected in [("feature", "KL"), ("feature", "EMA"), ("feature", "ADMM"),
                     ("weight", "MAX_ABS"), ("weight", "ADMM"), ("input", "image"),
                     ("input", "npy"), ("input", "python")]:
        assert expected in found, expected


def run_mnnquant(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "mnnq", *map(str, args)], capture_output=True,
                          text=True, env=env)


def test_mnnquant_help_and_usage_errors():
    result = run_mnnquant("--help")
    assert result.returncode == 0
    assert "SRC DST CONFIG" in result.stdout
    result = run_mnnquant("only_one")
    assert result.returncode == 2
    assert "DST" in result.stderr


def test_mnnquant_equals_the_cli(tmp_path, mnist_model, mnist_config, cli):
    config_file = tmp_path / "cfg.json"
    config_file.write_text(json.dumps(mnist_config))
    result = run_mnnquant(mnist_model, tmp_path / "py.mnn", config_file)
    assert result.returncode == 0, result.stderr
    assert "mnnq summary" in result.stdout
    cli(mnist_model, tmp_path / "cli.mnn", config_file)
    assert (tmp_path / "py.mnn").read_bytes() == (tmp_path / "cli.mnn").read_bytes()

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(dict(mnist_config, feature_quantize_method="KLL")))
    result = run_mnnquant(mnist_model, tmp_path / "x.mnn", bad)
    assert result.returncode == 2
    assert "feature_quantize_method 'KLL'" in result.stderr
