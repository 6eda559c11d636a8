"""Emotion from speech: prosody estimator on espeak-ng voices, the checkpoint slot, resolve."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from core.audio.io import load_audio
from core.errors import AudioError, CheckpointError
from core.latents.audio_emotion import estimate_audio_emotion
from core.mix import EmotionMix

H, S, A, D, F, SU = range(6)
TEXT = "The train was late again, so I walked home through the park in the evening."


def _speak(tmp_path, name, pitch, speed, amplitude):
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.fail("espeak-ng is missing: install Debian's espeak-ng")
    path = tmp_path / f"{name}.wav"
    subprocess.run([exe, "-p", str(pitch), "-s", str(speed), "-a", str(amplitude), "-w",
                    str(path), TEXT], check=True, capture_output=True)
    return load_audio(path)


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    d = tmp_path_factory.mktemp("voices")
    return {"low": _speak(d, "low", 15, 110, 50), "high": _speak(d, "high", 90, 250, 180),
            "plain": _speak(d, "plain", 50, 175, 100), "loud": _speak(d, "loud", 50, 175, 200)}


def test_low_slow_quiet_speech_reads_sad(voices):
    e = estimate_audio_emotion(voices["low"], checkpoint="/nonexistent")
    assert e.source == "prosody" and e.scores.argmax() == S and e.scores[S] > 0.5


def test_high_fast_loud_speech_reads_aroused(voices):
    e = estimate_audio_emotion(voices["high"], checkpoint="/nonexistent")
    assert e.scores.argmax() in (H, A, F, SU)
    assert e.scores[S] < 0.1 and e.neutral < 0.5


def test_louder_is_angrier_and_plain_is_calmer(voices):
    plain = estimate_audio_emotion(voices["plain"], checkpoint="/nonexistent")
    loud = estimate_audio_emotion(voices["loud"], checkpoint="/nonexistent")
    assert loud.scores[A] > plain.scores[A]
    assert plain.neutral > estimate_audio_emotion(voices["high"], checkpoint="/x").neutral


def test_silence_is_a_clear_error(tmp_path):
    from core.audio.io import AudioTrack

    with pytest.raises(AudioError, match="no voiced speech to read an emotion") as e:
        estimate_audio_emotion(AudioTrack(np.zeros(32000, np.float32), 16000), checkpoint="/x")
    # true with a mix given too: it said "set the emotion with a ... mix instead" to
    # `mix --audio silent.wav --mix happy=1`
    assert "leave the audio's emotion out (no --audio in mix" in str(e.value)


@pytest.mark.parametrize("samples", [0, 1, 10])
def test_audio_shorter_than_an_analysis_frame_is_a_clear_error(samples):
    """A clip of a few samples has no 10 ms analysis frame: `mix --audio` of a 1-sample WAV
    ended in "ValueError: zero-size array to reduction operation maximum"."""
    from core.audio.io import AudioTrack

    with pytest.raises(AudioError, match="no voiced speech to read an emotion"):
        estimate_audio_emotion(AudioTrack(np.zeros(samples, np.float32), 16000), checkpoint="/x")


def test_resolve_emotion_from_audio(runtime, voices):
    cond = resolve_condition_from(voices["low"])
    assert cond.source == "audio" and cond.gates.argmax() == S
    off = resolve_condition_from(voices["low"], use=False)
    assert off.source == "hand" and off.gates.sum() == 0


def resolve_condition_from(track, use=True):
    from core.latents.resolve import resolve_condition

    return resolve_condition(EmotionMix(), audio=track, emotion_from_audio=use)


def test_checkpoint_slot(tmp_path, voices):
    import torch
    from safetensors.torch import save_file
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    folder = tmp_path / "audio_emotion"
    folder.mkdir()
    with pytest.raises(CheckpointError, match="incomplete: missing config.json"):
        estimate_audio_emotion(voices["plain"], checkpoint=folder)
    torch.manual_seed(0)
    cfg = Wav2Vec2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, conv_dim=(8, 8), conv_kernel=(10, 3),
                         conv_stride=(5, 2), num_conv_pos_embeddings=8,
                         num_conv_pos_embedding_groups=2)
    Wav2Vec2Model(cfg).save_pretrained(folder)
    with pytest.raises(CheckpointError, match="head.safetensors"):
        estimate_audio_emotion(voices["plain"], checkpoint=folder)
    bias = torch.tensor([0, 0, 0, 0, 0, 5.0, 0])  # a head that always hears surprise
    save_file({"weight": torch.zeros(7, 16), "bias": bias}, str(folder / "head.safetensors"))
    e = estimate_audio_emotion(voices["plain"], checkpoint=folder)
    assert e.source == "checkpoint" and e.scores.argmax() == SU and e.scores[SU] > 0.9
    # another model's weights in its place loaded as a random wav2vec2 (transformers filled the
    # tensors the file lacked with random values), and the head read noise as an emotion
    import shutil

    other = tmp_path / "audio_emotion_other"
    shutil.copytree(folder, other)
    shutil.copy(folder / "head.safetensors", other / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"audio-emotion model in .*audio_emotion_other: "
                       r"its weights are not a Wav2Vec2Model's"):
        estimate_audio_emotion(voices["plain"], checkpoint=other)
