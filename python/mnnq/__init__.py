"""mnnq: post-training int8 quantization of MNN models, from Python.

The same C++ core and plugins as the ``mnnq`` command, so a run started here is the run the
command line would make::

    import mnnq
    summary = mnnq.quantize("model.mnn", "model_int8.mnn", "config.json")
    summary = mnnq.quantize("model.mnn", "model_int8.mnn",
                            {"feature_quantize_method": "KL", "used_sample_num": 100},
                            samples=my_arrays)          # input_type "python"
    outputs = mnnq.infer("model_int8.mnn", {"input": x})
"""

import json
import math
import os
import warnings
from collections.abc import Mapping

import numpy as np

from . import _mnnq, _paths
from ._mnnq import Error, ModelError, PluginError, RunError, UnsupportedOpsError

__all__ = ["quantize", "inspect", "infer", "plugins", "load_image", "Error", "ModelError",
           "UnsupportedOpsError", "PluginError", "RunError", "__version__"]
# The CMake project version (configured into _paths.py; `mnnq --version` prints the same).
__version__ = _paths.VERSION


def _search_dir():
    # The folder the `mnnq` executable is in: plugins are found beside it or in
    # <it>/../lib/mnnq/plugins, exactly as the command finds them.
    return _paths.BIN_DIR


def _path_list(dirs, what):
    if isinstance(dirs, (str, bytes, os.PathLike)):
        dirs = [dirs]
    try:
        return [os.fspath(d) for d in dirs]
    except TypeError:
        raise TypeError(f"{what} must be a list of folders, got {dirs!r}") from None


def _check_finite(value, key):
    """Raises ValueError naming the key of a NaN or infinite number in a config dict (JSON has
    no such values; the C++ side would only see a syntax error)."""
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        raise ValueError(f"config key '{key}': {value} is not a finite number")
    if isinstance(value, Mapping):
        for k, v in value.items():
            _check_finite(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, (list, tuple, np.ndarray)):
        for v in (value.tolist() if isinstance(value, np.ndarray) else value):
            _check_finite(v, key)


def _json_default(value):
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"config value {value!r} of type {type(value).__name__} is not a JSON value")


class _SampleConverter:
    """Turns one item of a `samples` iterable into [(input name or None, float32 array)].

    The checks of the npy input plugin: numeric data only, converted to float32 (noted once);
    shapes are checked against the model by the C++ source."""

    def __init__(self):
        self.noted = False

    def array(self, value, where):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{where}: an array of dtype {array.dtype} cannot be a model input "
                            "(use float32, or an integer or float type to convert)")
        if array.dtype != np.float32 and not self.noted:
            self.noted = True
            warnings.warn(f"{where} has dtype {array.dtype}; converting to float32 (further "
                          "conversions are not reported)", stacklevel=4)
        return np.ascontiguousarray(array, dtype=np.float32)

    def __call__(self, item, index):
        if isinstance(item, Mapping):
            if not item:
                raise ValueError(f"sample {index} is an empty dict")
            pairs = []
            for name, value in item.items():
                if not isinstance(name, str):
                    raise TypeError(f"sample {index}: keys must be model input names (str), "
                                    f"got {name!r}")
                pairs.append((name, self.array(value, f"sample {index} input '{name}'")))
            return pairs
        return [(None, self.array(item, f"sample {index}"))]


def _from_reader(reader):
    # ONNX Runtime's CalibrationDataReader hands out samples with get_next() until None.
    while (item := reader.get_next()) is not None:
        yield item


def _sample_iterable(samples):
    if hasattr(samples, "get_next") and not hasattr(samples, "__iter__"):
        return _from_reader(samples)
    if isinstance(samples, (str, bytes, Mapping)) or not hasattr(samples, "__iter__"):
        raise TypeError("samples must be an iterable of arrays or of {input name: array} dicts "
                        f"(or have get_next()), got {type(samples).__name__}")
    return samples


def _config_args(config):
    if isinstance(config, Mapping):
        _check_finite(dict(config), "")
        return None, json.dumps(dict(config), default=_json_default, allow_nan=False)
    if isinstance(config, (str, os.PathLike)):
        return os.fspath(config), None
    raise TypeError("config must be a dict or the path of a JSON/YAML file, got "
                    f"{type(config).__name__}")


def load_image(image, config, *, model=None, plugin_dirs=()):
    """The model input the config's input plugin makes from one file, exactly as calibration
    does (decode, crop, resize, format, mean, normal): the bytes of ``mnnq infer --config CFG
    --image IMAGE``'s input.npy.

    config: a dict of config keys or the path of a JSON/YAML config file (its input_type,
        default "image", and preprocessing keys); `path` may be left out.
    model: the model whose input shape and layout are used (default: the config's `model`).
    Returns a float32 array for a one-input model, else {input name: array}. A file the
    plugin skips (unreadable, wrong kind) raises RunError with the reason; a missing file or
    a bad config raises ValueError.
    """
    config_path, config_json = _config_args(config)
    arrays = _mnnq.load_image(os.fspath(image), config_path, config_json,
                              None if model is None else os.fspath(model),
                              _path_list(plugin_dirs, "plugin_dirs"), _search_dir())
    return next(iter(arrays.values())) if len(arrays) == 1 else arrays


def quantize(model, output, config, *, plugin_dirs=(), threads=None, progress=None,
             samples=None, verbose=False):
    """Quantizes the float model `model` into `output` and returns the run summary as a dict.

    config: a dict of config keys (relative paths in it resolve against the current folder)
        or the path of a JSON/YAML config file (relative paths resolve against its folder);
        same keys and validation as ``mnnq run``. `model` and `output` given here win over the
        config's.
    plugin_dirs: extra plugin folders (like --plugin-dir).
    threads: worker threads (0 = all cores); None keeps the config's `threads`.
    progress: callable(phase, done, total), called on this thread as the run advances; `done`
        increases within a phase. An exception raised by it stops the run and propagates.
    samples: calibration data from Python (input_type "python", the default when samples are
        given): an iterable (or an object with get_next(), like ONNX Runtime's
        CalibrationDataReader) of numpy arrays for a one-input model, or of dicts
        {input name: array}, in the input's own layout, batch dimension 1 or absent. At most
        used_sample_num (or used_image_num) items are taken. The items are held in memory for
        the run: without used_sample_num, more than 65536 items or 4 GiB of arrays is a
        ValueError (an endless generator stops there instead of exhausting memory).
    verbose: print the command line's progress lines and summary table.

    Errors: TypeError for arguments of the wrong type, ValueError for configuration mistakes
    (the message names the key), ModelError for unreadable, invalid or already quantized models
    and model files that cannot be written,
    PluginError when a plugin fails, RunError for any other failure while running (e.g. every
    sample rejected, output not writable), OSError for file system errors, KeyboardInterrupt on
    Ctrl-C. ModelError, PluginError and RunError derive from mnnq.Error (a RuntimeError).
    """
    config_path, config_json = _config_args(config)
    if progress is not None and not callable(progress):
        raise TypeError("progress must be callable(phase, done, total)")
    if threads is not None and not isinstance(threads, int):
        raise TypeError(f"threads must be an int, got {threads!r}")
    if samples is not None:
        samples = _sample_iterable(samples)
    text = _mnnq.quantize(
        model=os.fspath(model), output=os.fspath(output), config_path=config_path,
        config_json=config_json, plugin_dirs=_path_list(plugin_dirs, "plugin_dirs"),
        search_dir=_search_dir(), threads=threads, progress=progress, samples=samples,
        convert_sample=_SampleConverter(), verbose=bool(verbose))
    return json.loads(text)


def inspect(model, *, ops=False):
    """What ``mnnq inspect --json`` reports: inputs, outputs, op mix, size, quantization.

    ops: also return "op_list" (``mnnq inspect --ops --json``): every op in file order with
        index, name (what skip_quant_op_names takes), type, input and output tensor names and
        "quantized" (MNN runs it in int8; None when that could not be determined).
    """
    return json.loads(_mnnq.inspect_json(os.fspath(model), bool(ops)))


def infer(model, inputs, *, int8=True):
    """One forward of a float or quantized model.

    inputs: {input name: array} (or a single array for a one-input model), in the input's own
        layout with the batch dimension; converted to float32. The array shapes set the input
        shapes.
    int8: True (default) runs a quantized model with MNN's CPU int8 semantics, what the file
        computes in MNN; False runs its ops in float on dequantized weights (``mnnq infer
        --dequantized``). No effect on a float model.
    Returns {output name: numpy array}.
    """
    model = os.fspath(model)
    convert = _SampleConverter()
    if not isinstance(inputs, Mapping):
        names = [t["name"] for t in inspect(model)["inputs"]]
        if len(names) != 1:
            raise ValueError(f"{model} has {len(names)} inputs ({', '.join(names)}): give a dict "
                             "{input name: array}")
        inputs = {names[0]: inputs}
    arrays = {}
    for name, value in inputs.items():
        if not isinstance(name, str):
            raise TypeError(f"input names must be str, got {name!r}")
        arrays[name] = convert.array(value, f"input '{name}'")
    return _mnnq.infer(model, arrays, bool(int8))


def plugins(*, plugin_dirs=()):
    """The plugins a run can use (as ``mnnq plugins --json``), including the in-process
    "python" input source."""
    return json.loads(_mnnq.plugins_json(_search_dir(), _path_list(plugin_dirs, "plugin_dirs")))
