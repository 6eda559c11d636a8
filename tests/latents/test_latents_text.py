"""Text conditions: the held-out bar, negation, intensity, compounds, latency."""
from __future__ import annotations

import pytest

import time

import numpy as np

from core.emotions import EMOTIONS
from core.latents.dataset import HELDOUT_PATH, generate, heldout_texts
from core.latents.evaluate import load_prompts, score
from core.latents.resolve import suggest_from_text

H, S, A, D, F, SU = range(6)


def test_heldout_bar(runtime):
    prompts = load_prompts(HELDOUT_PATH)
    assert len(prompts) >= 60 and sum(len(p["expected"]) > 1 for p in prompts) >= 15
    s = score(prompts, runtime.suggest_texts([p["text"] for p in prompts]))
    assert s.top1 >= 0.85, s.misses
    assert s.compound_top2 >= 0.70, s.misses


def test_training_set_never_holds_a_heldout_prompt():
    texts, targets = generate(scale=0.05)
    assert not {" ".join(t.lower().split()) for t in texts} & heldout_texts()
    assert targets.shape == (len(texts), 6) and targets.min() >= 0 and targets.max() <= 1


def test_negation_flips(runtime):
    happy, not_happy = suggest_from_text("happy"), suggest_from_text("not happy at all")
    assert happy[H] > 0.6 and not_happy[H] < 0.2
    assert not_happy[S] > not_happy[H]
    angry, not_angry = suggest_from_text("angry"), suggest_from_text("not angry at all")
    assert angry[A] > 0.6 and not_angry[A] < 0.25
    swap = suggest_from_text("not scared anymore, just furious")
    assert swap.argmax() == A and swap[F] < 0.3


def test_intensity_scales(runtime):
    for weak, plain, strong, i in [("slightly annoyed", "angry", "absolutely furious", A),
                                   ("a little sad", "sad", "utterly devastated", S),
                                   ("a bit nervous", "scared", "extremely terrified", F)]:
        g = [suggest_from_text(t)[i] for t in (weak, plain, strong)]
        assert g[0] < g[1] <= g[2] + 0.05, (weak, g)
        assert g[0] > 0.15  # weak still shows: not neutral
        assert g[2] - g[0] > 0.3


def test_compound_prompts_split_weight(runtime):
    for text, (a, b) in [("happy but nervous", (H, F)), ("angry and disgusted", (A, D)),
                         ("sad yet surprised", (S, SU))]:
        g = suggest_from_text(text)
        assert set(np.argsort(-g)[:2]) == {a, b}, (text, g)
        assert min(g[a], g[b]) > 0.3, (text, g)
    single = suggest_from_text("happy")
    assert suggest_from_text("happy but nervous")[F] > single[F] + 0.3


def test_neutral_prompts_stay_low(runtime):
    for text in ("a neutral face", "calm", "no emotion at all"):
        assert suggest_from_text(text).max() < 0.2, text
    assert suggest_from_text("   ").sum() == 0


@pytest.mark.slow
def test_prompt_latency_after_first_call(runtime):
    """CPU time of this process (one torch thread): wall time on the shared 2-core test box
    also counts other workers' jobs (measured: 2x under load 6, on par when idle)."""
    suggest_from_text("warming up the encoder")
    words = ["glad", "upset", "tense", "shaken", "sore", "weary", "tickled", "wary", "livid"]
    times = []
    for w in words:  # distinct prompts, so the prompt cache cannot help
        t0 = time.process_time()
        suggest_from_text(f"somewhat {w} about the plan")
        times.append(time.process_time() - t0)
    assert np.median(times) < 0.030, times


def test_every_emotion_reachable(runtime):
    tops = {EMOTIONS[int(suggest_from_text(e).argmax())] for e in EMOTIONS}
    assert tops == set(EMOTIONS)
