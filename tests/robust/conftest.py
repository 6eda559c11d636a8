"""Tiny inputs for the bad-input batteries: two short clips (a face with speech, a blank one),
their metadata, and a prepared folder made from them."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.conftest import make_speech
from tests.training.conftest import synthetic_frames

FPS = 25
N_FRAMES = 10


@pytest.fixture(scope="session")
def tiny_clips(tmp_path_factory, portrait):
    from core.training.metadata import ClipMeta, write_metadata
    from core.training.video import write_video

    root = tmp_path_factory.mktemp("tiny_clips")
    speech = make_speech(root / "speech.wav", "Hello papa.", rate=240)
    write_video(root / "face.mp4", synthetic_frames(portrait, N_FRAMES), FPS, speech)
    blank = [np.full((128, 128, 3), 128, np.uint8)] * N_FRAMES
    write_video(root / "blank.mp4", blank, FPS, speech)
    write_metadata(root / "metadata.csv", [ClipMeta("face.mp4", "happy"),
                                           ClipMeta("blank.mp4", "sad")])
    return root


@pytest.fixture(scope="session")
def tiny_prepared(tiny_clips, tmp_path_factory):
    from core.training.prepare import PrepareConfig, prepare_dataset

    out = tmp_path_factory.mktemp("tiny_prepared")
    report = prepare_dataset(tiny_clips / "metadata.csv", out, PrepareConfig(size=32, min_frames=4))
    assert len(report.kept) == 1
    return out


@pytest.fixture
def clips_copy(tiny_clips, tmp_path):
    """A private copy of the clips a test may relabel, move or replace."""
    dest = tmp_path / "clips"
    shutil.copytree(tiny_clips, dest)
    return dest
