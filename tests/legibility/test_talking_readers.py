"""The legibility bench's talking takes (benchmarks/legibility_talk.py) and its held-out CNN
(benchmarks/fer2_reader.py): how a take's frames become one reading, and that the network
rebuilt here takes the sdist's state dict (names and shapes) and returns probabilities. The
real weights are not in CI (fer2_reader.py says how to get them); random ones stand in."""
from __future__ import annotations

import numpy as np
import torch

from benchmarks.fer2_reader import Fer2Reader, Net
from benchmarks.legibility_talk import TALK_TIMES, frame_hits, mean_reads

LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def _p(i: int, hi: float = 0.7) -> dict:
    p = np.full(7, (1 - hi) / 6)
    p[i] = hi
    return {"probs": p}


def test_a_take_reads_as_the_mean_of_its_frames_with_a_face():
    reads = {"pic|angry|0": _p(0), "pic|angry|1": _p(0, 0.5), "pic|angry|2": None,
             "pic|sad|0": None}
    means, found = mean_reads(reads)
    assert np.allclose(means["pic|angry"]["probs"], (_p(0)["probs"] + _p(0, 0.5)["probs"]) / 2)
    assert means["pic|sad"] is None  # no frame had a face: no reading, not a zero one
    assert found["pic|angry"] == 2 / len(TALK_TIMES)


def test_single_frames_count_only_where_an_expert_was_asked():
    reads = {"pic|angry|0": _p(0), "pic|angry|1": _p(3), "pic|neutral|0": _p(6),
             "pic|sad|0": None}
    asked = {"angry": "angry", "sad": "sad"}.get
    assert frame_hits(reads, asked, LABELS) == (1, 2)


def test_the_held_out_network_takes_the_sdists_state_dict():
    net = Net()
    names = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    # the names and shapes facial-emotion-recognition 0.3.4's model.pkl holds (read from it)
    assert names["conv_1.1.weight"] == (32, 1, 3, 3)
    assert names["conv_4.2.running_var"] == (256,)
    assert names["linear.0.weight"] == (256, 9216)
    assert names["linear.2.weight"] == (7, 256)
    assert len(names) == 4 * 7 + 4 == 32  # per block: conv w, b; batch norm w, b, mean, var, count


def test_the_held_out_reader_returns_probabilities(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "model.pkl"
    torch.save({"network": Net().state_dict(), "accuracy": 0.0}, path)
    reader = Fer2Reader(path)
    faces = np.random.default_rng(0).uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    p = reader.classify(faces)
    assert p.shape == (3, 7)
    assert np.allclose(p.sum(1), 1.0) and (p > 0).all()
    assert not np.allclose(p[0], p[1])  # each face read on its own
