"""VGG-19 perceptual features: the VGG term of MoEE Eq. 6 (the paper uses VGG-19).

The architecture is written out here: torchvision cannot be installed next to this project's
torch build, so `VGG19_LAYOUT` is torchvision's `vgg19().features` (configuration "E",
Simonyan & Zisserman 2015) up to relu5_1, with the same layer numbering, so its state dicts load
as they are. The weights come from a local folder (models/vgg19/ by default) holding one
`.safetensors`, `.pth`, `.pt` or `.bin` state dict in torchvision's layout (`features.0.weight`,
... or without the `features.` prefix); classifier weights are ignored. Without weights, training
runs on L1 alone and says so once; tests build the network with random weights.
Taps and their weights are pix2pixHD's VGGLoss (Wang et al. 2018): relu1_1 .. relu5_1 at
1/32, 1/16, 1/8, 1/4, 1.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from core.errors import CheckpointError

# torchvision vgg19 `features` through relu5_1 (index 29); "M" = 2x2 max pool.
VGG19_LAYOUT: tuple = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
                       512, 512, 512, 512, "M", 512)
TAPS = {1: 1 / 32, 6: 1 / 16, 11: 1 / 8, 20: 1 / 4, 29: 1.0}  # relu1_1 .. relu5_1 -> weight
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")
DEFAULT_FOLDER = "vgg19"  # under models/


class VGGPerceptual(nn.Module):
    """Weighted mean L1 distance between VGG-19 feature maps of two image batches in [-1, 1]."""

    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for v in VGG19_LAYOUT:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c_in, v, 3, padding=1), nn.ReLU(inplace=False)]
                c_in = v
        self.features = nn.Sequential(*layers)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.requires_grad_(False)

    def taps(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = ((x + 1) / 2 - self.mean) / self.std
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in TAPS:
                out.append(x)
            if i >= max(TAPS):
                break
        return out

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """pred, target: (N, 3, H, W) in [-1, 1] -> (N,) perceptual distance."""
        loss = pred.new_zeros(pred.shape[0])
        for w, a, b in zip(TAPS.values(), self.taps(pred), self.taps(target)):
            loss = loss + w * (a - b).abs().mean(dim=(1, 2, 3))
        return loss


def load_perceptual(folder: str | Path | None, log=print) -> VGGPerceptual | None:
    """The network from `folder`, or None after printing why (no folder / no weights)."""
    path = Path(folder) if folder else None
    files = sorted(p for p in path.iterdir() if p.suffix in WEIGHT_SUFFIXES) if path and path.is_dir() else []
    if not files:
        log(f"perceptual loss disabled: no network at {folder or '(no --perceptual given)'}")
        return None
    net = VGGPerceptual()
    state = _read_state(files[0])
    state = {k.removeprefix("features."): v for k, v in state.items() if not k.startswith("classifier")}
    wanted = net.features.state_dict()
    missing = [k for k in wanted if k not in state]
    if missing:
        raise CheckpointError(f"{files[0]} is not a VGG-19 state dict: {missing[0]} is missing")
    try:
        net.features.load_state_dict({k: state[k] for k in wanted})
    except RuntimeError as exc:
        raise CheckpointError(f"{files[0]} does not match VGG-19: {str(exc).splitlines()[-1]}") from None
    log(f"perceptual loss: VGG-19 from {files[0]}")
    return net.eval()


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state.get("state_dict", state) if isinstance(state, dict) else state
