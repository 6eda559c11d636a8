"""`main.py mix` and the flag helpers render uses."""
from __future__ import annotations

import argparse
import json

import pytest

from core.cli import run_cli
from core.cli.mix import add_condition_arguments, condition_from_args


def _mix(capsys, *argv):
    code = run_cli(["mix", *argv])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code == 0 else None), out.err


def test_mix_prompt_prints_json(runtime, capsys):
    code, out, _ = _mix(capsys, "--prompt", "absolutely furious")
    assert code == 0 and out["source"] == "prompt"
    assert max(out["gates"], key=out["gates"].get) == "angry"
    assert list(out["gates"]) == ["happy", "sad", "angry", "disgusted", "fearful", "surprised"]
    assert out["aus"]["AU4"] > 0.5 and out["suggested"]["angry"] == out["gates"]["angry"]


def test_mix_hand_gates_override_prompt(runtime, capsys):
    code, out, _ = _mix(capsys, "--prompt", "furious", "--mix", "sad=1", "--au", "12=0.4")
    assert code == 0 and out["source"] == "hand" and out["gates"]["sad"] == 1.0
    assert out["aus"]["AU12"] == 0.4 and out["suggested"]["angry"] > 0.5


def test_mix_label_and_errors(runtime, capsys):
    code, out, _ = _mix(capsys, "--label", "sadly fearful")
    assert code == 0 and {"sad", "fearful"} == set(sorted(out["gates"], key=out["gates"].get)[-2:])
    code, _, err = _mix(capsys, "--label", "hangry")
    assert code == 1 and "unknown emotion label 'hangry'" in err
    code, _, err = _mix(capsys, "--audio", "/no/such.wav")
    assert code == 1 and "does not exist" in err
    code, out, _ = _mix(capsys)
    assert code == 0 and out["source"] == "hand" and out["suggested"] is None


def test_render_helpers_add_only_missing_flags(runtime):
    p = argparse.ArgumentParser()
    p.add_argument("--mix", default="")
    p.add_argument("--au", default="")
    add_condition_arguments(p, audio_flag=True)
    args = p.parse_args(["--prompt", "happy but nervous", "--au", "15=0"])
    assert args.emotion_from_audio is False
    mix, cond = condition_from_args(args)
    assert mix.prompt == "happy but nervous" and cond.aus.get(15) is None
    with pytest.raises(SystemExit):
        p.parse_args(["--mode", "weird"])
