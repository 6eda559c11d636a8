"""One NaN or Inf sample in a float WAV is refused where every command reads audio
(core.audio.io.load_audio), with the time of the first: render used to fail at the video
encoder with a message that blamed the disk, and mix and live took the file."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core.audio.io import load_audio
from core.errors import AudioError


def _float_wav(src, dest, at_s: float, value: float, channels: int = 1):
    x, sr = sf.read(src, dtype="float32")
    x = np.repeat(x[:, None], channels, axis=1) if channels > 1 else x.copy()
    x[int(round(at_s * sr))] = value
    sf.write(dest, x, sr, subtype="FLOAT")
    return dest


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_a_non_finite_sample_is_refused_with_its_time(speech_wav, tmp_path, value):
    wav = _float_wav(speech_wav, tmp_path / "bad.wav", 1.36, value)
    with pytest.raises(AudioError) as e:
        load_audio(wav)
    assert str(e.value) == ("bad.wav has invalid samples (NaN or Inf) at 1.36 s; "
                            "re-export the audio.")


def test_one_bad_channel_of_a_stereo_file_is_refused(speech_wav, tmp_path):
    x, sr = sf.read(speech_wav, dtype="float32")
    stereo = np.stack([x, x], axis=1)
    stereo[int(0.5 * sr), 1] = np.inf
    sf.write(tmp_path / "st.wav", stereo, sr, subtype="FLOAT")
    with pytest.raises(AudioError, match=r"st\.wav has invalid samples .* at 0\.50 s"):
        load_audio(tmp_path / "st.wav")


def test_loud_but_finite_float_audio_still_loads(speech_wav, tmp_path):
    wav = _float_wav(speech_wav, tmp_path / "loud.wav", 1.0, 4.0)  # over full scale: scaled
    s = load_audio(wav).samples
    assert np.isfinite(s).all() and np.abs(s).max() <= 1.0


def test_mix_refuses_the_file_in_one_line(speech_wav, tmp_path, capsys):
    from core.cli import run_cli

    wav = _float_wav(speech_wav, tmp_path / "onenan.wav", 1.36, np.nan)
    assert run_cli(["mix", "--audio", str(wav)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "error: onenan.wav has invalid samples (NaN or Inf) at 1.36 s" in err
