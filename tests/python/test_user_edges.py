"""What a new user meets (issue 15): inspect(ops=True), batched sample arrays, the documented
exception types, load_image against the CLI's input.npy, one version everywhere."""

import json
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import mnnq
from conftest import REPO, fixture_path


def python_config(config):
    config = dict(config)
    config.pop("path")
    config.pop("input_type", None)
    return config


def test_inspect_ops_names_every_op_as_mnn_does(mnist_model):
    # MNN's quantized.out wrote quant.mnn.json with the names of the float model's ops.
    dump = json.loads(fixture_path("mnn_quantized/mnist/KL/quant.mnn.json").read_text())
    report = mnnq.inspect(mnist_model, ops=True)
    ops = report["op_list"]
    assert len(ops) == report["ops"]
    assert [op["index"] for op in ops] == list(range(len(ops)))
    names = {op["name"] for op in ops}
    assert {entry["name"] for entry in dump} <= names
    assert not any(op["quantized"] for op in ops)  # a float model
    # Tensor names: an op's outputs are read by later ops by the same names.
    produced = {"0"}
    for op in ops[1:]:
        assert all(t in produced for t in op["inputs"]), op
        produced.update(op["outputs"])
    assert report["outputs"][0]["name"] in produced
    assert "op_list" not in mnnq.inspect(mnist_model)


def test_inspect_ops_of_a_quantized_model_marks_int8_ops():
    report = mnnq.inspect(fixture_path("mnn_quantized/mnist/KL/quant.mnn"), ops=True)
    int8_convs = [op for op in report["op_list"]
                  if op["type"] == "Convolution" and op["quantized"]]
    # Two independent views: coded weights without float weights (inspect) and the int8 plan.
    assert len(int8_convs) == report["quantization"]["int8_convolutions"] == 3
    assert not report["op_list"][0]["quantized"]  # the Input op


def test_batched_arrays_are_several_samples(tmp_path, mnist_model, mnist_config, mnist_inputs):
    config = python_config(mnist_config)
    one_by_one = mnnq.quantize(mnist_model, tmp_path / "a.mnn", config, samples=mnist_inputs)
    batch = np.concatenate(mnist_inputs, axis=0)  # (4,1,28,28), as a data loader yields
    assert batch.shape == (4, 1, 28, 28)
    batched = mnnq.quantize(mnist_model, tmp_path / "b.mnn", config, samples=[batch])
    assert batched["samples"] == one_by_one["samples"] == {"total": 4, "used": 4, "skipped": 0}
    assert (tmp_path / "a.mnn").read_bytes() == (tmp_path / "b.mnn").read_bytes()
    # used_sample_num counts samples, not batches.
    limited = mnnq.quantize(mnist_model, tmp_path / "c.mnn", dict(config, used_sample_num=3),
                            samples=[batch, batch])
    assert limited["samples"]["total"] == 3


def test_a_batch_of_the_wrong_shape_is_refused_with_the_reason(tmp_path, mnist_model,
                                                               mnist_config, mnist_inputs):
    config = python_config(mnist_config)
    wrong = np.zeros((4, 3, 28, 28), np.float32)
    summary = mnnq.quantize(mnist_model, tmp_path / "a.mnn", config,
                            samples=list(mnist_inputs) + [wrong])
    [skipped] = summary["skipped_samples"]
    assert "[4,3,28,28]" in skipped["reason"] and "[1,1,28,28]" in skipped["reason"]
    with pytest.raises(mnnq.RunError, match=r"all 1 were skipped: .*\[4,3,28,28\]"):
        mnnq.quantize(mnist_model, tmp_path / "b.mnn", config, samples=[wrong])


def test_only_documented_exception_types(tmp_path, mnist_model, mnist_config, mnist_inputs):
    config = python_config(mnist_config)
    assert issubclass(mnnq.ModelError, mnnq.Error) and issubclass(mnnq.PluginError, mnnq.Error)
    assert issubclass(mnnq.RunError, mnnq.Error) and issubclass(mnnq.Error, RuntimeError)
    # Every sample rejected: a failure while running, with the reasons.
    with pytest.raises(mnnq.RunError, match="no usable calibration sample: all 1 were skipped: "
                                            r"input '0' has shape \[3,3\]"):
        mnnq.quantize(mnist_model, tmp_path / "a.mnn", config, samples=[np.zeros((3, 3), np.float32)])
    # An input the model cannot take: the model's error (LeNet's last 4x4 kernel no longer fits).
    with pytest.raises(mnnq.ModelError, match="output would be empty"):
        mnnq.infer(mnist_model, np.zeros((1, 1, 20, 20), np.float32))
    # An output folder that does not exist.
    with pytest.raises(mnnq.ModelError, match="cannot create"):
        mnnq.quantize(mnist_model, tmp_path / "no" / "such" / "q.mnn", config, samples=mnist_inputs)
    # An already quantized model.
    with pytest.raises(mnnq.ModelError, match="already quantized"):
        mnnq.quantize(fixture_path("mnn_quantized/mnist/KL/quant.mnn"), tmp_path / "q.mnn",
                      config, samples=mnist_inputs)
    assert not list(tmp_path.glob("*.mnn"))


def test_load_image_equals_the_cli_input_npy(tmp_path, mnist_config, cli):
    config_file = fixture_path("configs/mnist.json")
    for image in ("faces_ultraface_1.jpg", "text_opencv_imageTextN.png"):
        path = fixture_path(f"images/calib/{image}")
        cli("infer", "--config", config_file, "--image", path, "--output-dir", tmp_path / image)
        expected = np.load(tmp_path / image / "input.npy")
        for config in (config_file, mnist_config, python_config(mnist_config)):
            x = mnnq.load_image(path, config)
            assert x.dtype == np.float32 and x.shape == expected.shape == (1, 1, 28, 28)
            assert x.tobytes() == expected.tobytes()
    # MNN's own preprocessing of the same photo (fixtures' references), to the last bit.
    reference = np.load(fixture_path("references/mnist/faces_ultraface_1/input.npy"))
    x = mnnq.load_image(fixture_path("images/calib/faces_ultraface_1.jpg"), mnist_config)
    assert np.array_equal(x, reference)
    with pytest.raises(ValueError, match="no such file"):
        mnnq.load_image(tmp_path / "missing.jpg", mnist_config)
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    with pytest.raises(mnnq.RunError, match="broken.jpg"):
        mnnq.load_image(tmp_path / "broken.jpg", mnist_config)


def test_infer_runs_int8_by_default():
    quantized = fixture_path("mnn_quantized/mnist/KL/quant.mnn")
    folder = fixture_path("references_int8/mnist/KL/faces_ultraface_1")
    x = np.load(folder / "input.npy")
    default = mnnq.infer(quantized, x)["32"]
    assert np.array_equal(default, mnnq.infer(quantized, x, int8=True)["32"])
    assert not np.array_equal(default, mnnq.infer(quantized, x, int8=False)["32"])


def test_one_version_everywhere(cli):
    cmake = (REPO / "CMakeLists.txt").read_text()
    [version] = re.findall(r"project\(mnnq VERSION ([0-9.]+)", cmake)
    assert mnnq.__version__ == version
    assert cli("--version").stdout.split()[:2] == ["mnnq", version]
    mnnquant = subprocess.run([sys.executable, "-m", "mnnq", "--version"], capture_output=True,
                              text=True)
    assert mnnquant.returncode == 0, mnnquant.stderr
    assert mnnquant.stdout.split()[:2] == ["mnnquant", version]
