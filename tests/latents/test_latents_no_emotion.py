"""Prompts with no emotional content are reported as such, not read as a confident emotion
without a word: text with no word the encoder knows reads as neutral, words far from every
emotion keep the head's reading marked as a guess (core/latents/no_emotion.py).

HELD-OUT lists: written before the no-emotion check was built or its threshold tuned, and never
used for tuning (the threshold is tuned on resources/latents/no_emotion_tuning.json by
scripts/tune_no_emotion.py). The bar below was also fixed before tuning.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.cli import run_cli
from core.emotions import EMOTIONS
from core.latents.resolve import read_prompt, resolve_condition
from core.mix import EmotionMix

HELDOUT_EMOTIONAL = [
    "she is furious about the delay", "I can't stop smiling", "what a gross smell",
    "he jumped when the balloon popped", "tears streaming down her face",
    "my hands are shaking, someone is in the house", "I won the lottery!",
    "that's the best news I've heard all year", "he slammed the door and stormed out",
    "the milk has gone sour and it stinks", "she misses her dog who passed away",
    "wow, I did not see that coming", "I'm so proud of you", "this is outrageous",
    "please don't hurt me", "everything reminds me of him and it hurts",
    "that sandwich is crawling with maggots", "he laughed until his sides hurt",
    "she screamed at the spider", "get out of my sight", "my heart sank when I read the letter",
    "no way, you're kidding!", "a shiver ran down my spine",
    "grinning like a kid on christmas morning", "he's fed up with the excuses",
    "the stench made me gag", "lost and lonely in a new city", "a sudden bang made her gasp",
    "she felt sick looking at the wound", "overwhelmed with gratitude", "I hate waiting in line",
    "dreading the dentist appointment", "what a wonderful day", "crushed by the rejection",
    "shocked by the price", "boiling mad", "cheerful", "scared", "ew, gross",
]

HELDOUT_NEUTRAL = [
    "the invoice is attached", "turn left at the station", "asdf qwerty", "zzzz", "1234",
    "lorem ipsum dolor sit amet", "the meeting is at three o'clock",
    "please find the report below", "the train departs from platform four",
    "add two cups of flour", "the file was saved to the desktop", "chapter seven",
    "press the green button to continue", "the capital of France is Paris",
    "a table with four legs", "update the spreadsheet by friday", "jkjkjk hjhj", "qqqq wwww",
    "42", "3.14159", "the printer is on the second floor", "serial number AB-3392-X",
    "the bus leaves at noon", "water boils at one hundred degrees", "mow the lawn on saturday",
    "item 4 of 12", "the package weighs two kilograms", "left, right, left",
    "the quarterly figures are in the appendix", "ok", "the cat sat on the mat",
    "open the window please", "xyzzy", "blorf snazzle wumpus", "#### ----",
    "the road is closed for repairs", "insert tab A into slot B", "password reset instructions",
    "the sky is blue", "meeting notes from tuesday",
]

# A second held-out pair, written after the first pair showed that similarity to emotion words
# alone lost situational prompts ("I won the lottery!") and before the sentiment-lexicon signal
# was added, so the added signal has an estimate nobody tuned on.
HELDOUT2_EMOTIONAL = [
    "we finally got the keys to our first house", "my best friend forgot my birthday again",
    "someone keyed my car", "the soup had a hair in it", "there's somebody behind the curtain",
    "they threw me a party I knew nothing about", "I passed my driving test!",
    "the vet said there's nothing more they can do", "stop touching my stuff",
    "the toilet overflowed everywhere", "footsteps upstairs and I live alone",
    "she opened the box and there was a puppy inside", "he cheated and still won",
    "the last train left without me", "my flight got cancelled again",
    "the baby finally said mama", "I stepped in dog poop",
    "the lights flickered and the door creaked open", "you got the job!", "I miss the old days",
    "they ignored me the whole evening", "a rat ran across the kitchen",
    "what a beautiful sunset", "he lied to my face", "nobody came to the party",
    "the scan showed the tumour has grown", "that joke was hilarious",
    "I can't find my child in the crowd", "oh wow, look at that!",
    "the garbage truck smelled horrible",
]

HELDOUT2_NEUTRAL = [
    "the attachment is a pdf", "take the second exit at the roundabout", "ghjk tyui", "mmmm",
    "9876", "dolor sit amet consectetur", "the call is scheduled for four",
    "the form has three fields", "the ferry leaves from pier two", "preheat the oven to 180",
    "the folder is on the shared drive", "appendix B", "tap the icon to start",
    "the river flows north", "a lamp on a desk", "submit the timesheet on monday", "bnmbnm vcxz",
    "pppp", "7", "0.5", "the printer needs toner", "invoice 2024-117", "the store closes at eight",
    "light travels faster than sound", "paint the fence next week", "step 2 of 5",
    "the bag holds ten litres", "north, south, east", "the tables are in section four", "hello",
]

# A third held-out pair, written after held-out 2 showed situations still lost and before the
# appraisal phrases (situations that elicit emotions) joined the reference vocabulary.
HELDOUT3_EMOTIONAL = [
    "my grandmother passed away last night", "we won the championship", "the dog ate my homework",
    "someone broke into our car", "there's mould all over the bread", "the plane is shaking badly",
    "they surprised me with tickets to paris", "my phone fell in the toilet",
    "he insulted my mother", "I got promoted today", "the brakes stopped working",
    "she forgot our anniversary", "a stranger is following me home", "I finally finished my thesis",
    "the landlord kept our deposit for no reason", "there's vomit on the bus seat",
    "they cancelled the wedding", "my test came back negative, what a relief",
    "the boss took credit for my work", "a snake was under my bed",
]
HELDOUT3_NEUTRAL = [
    "the quarterly report has four sections", "merge onto the highway after the bridge", "zxcv bnm",
    "rrrr", "314", "sed do eiusmod tempor", "the webinar begins at eleven",
    "the spreadsheet has two tabs", "the bus stop is on main street", "bake for twenty minutes",
    "the backup runs every night", "figure 2b", "scroll down to see more",
    "the lake is frozen in winter", "a pen next to a notebook", "send the invoice by the end of the month", "qwop asdfgh", "tttt",
    "12:30", "version 3.2.1",
]

# Fixed before tuning: share of emotional prompts kept, share of neutral prompts flagged.
BAR_KEPT, BAR_FLAGGED = 0.90, 0.85
# Measured with the shipped module when the check landed (the pre-registered kept bar is missed:
# see test_preregistered_kept_bar): held-out 1 kept 34/39, flagged 36/40; held-out 2 kept 7/30
# (situations with no emotion or sentiment word: "I passed my driving test!"), flagged 30/30;
# held-out 3 kept 8/20, flagged 20/20. These floors guard that against regressions. A miss
# costs a note only: a prompt with words keeps the head's reading, marked as a guess (the first
# version read every flagged prompt as neutral and threw away "a snake was under my bed", fear
# 0.87); none of the emotional prompts here is read as neutral.
KEPT_FLOORS = {"heldout1": 0.85, "heldout2": 0.2, "heldout3": 0.35}
LISTS = {"heldout1": (HELDOUT_EMOTIONAL, HELDOUT_NEUTRAL),
         "heldout2": (HELDOUT2_EMOTIONAL, HELDOUT2_NEUTRAL),
         "heldout3": (HELDOUT3_EMOTIONAL, HELDOUT3_NEUTRAL)}


@pytest.mark.parametrize("name", LISTS)
def test_heldout_emotional_prompts_are_never_read_as_neutral(runtime, name):
    """What the check throws away: only prompts without a word (none of the emotional ones)."""
    emotional, _ = LISTS[name]
    assert not any(runtime.content(t).neutral for t in emotional)


def _rates(runtime, name):
    emotional, neutral = LISTS[name]
    kept = [runtime.content(t).present for t in emotional]
    flagged = [not runtime.content(t).present for t in neutral]
    return sum(kept) / len(kept), sum(flagged) / len(flagged)


@pytest.mark.parametrize("name", LISTS)
def test_heldout_neutral_prompts_are_flagged(runtime, name):
    kept, flagged = _rates(runtime, name)
    assert flagged >= BAR_FLAGGED, flagged
    assert kept >= KEPT_FLOORS[name], kept


@pytest.mark.xfail(strict=True, reason="similarity to emotion words and sentiment words miss "
                   "situations that imply a feeling; when this passes, raise KEPT_FLOORS")
@pytest.mark.parametrize("name", LISTS)
def test_preregistered_kept_bar(runtime, name):
    assert _rates(runtime, name)[0] >= BAR_KEPT


def _mix(capsys, *argv):
    code = run_cli(["mix", *argv])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


@pytest.mark.parametrize("text", ["asdf qwerty", "zzzz", "1234", "a" * 150])
def test_mix_says_a_prompt_has_no_emotion(runtime, capsys, text):
    """The defect: these came back confidently sad (0.46-0.64). No word: read as neutral. A
    word past WordPiece's 100 characters is its unknown token, no word either."""
    code, out, err = _mix(capsys, "--prompt", text)
    assert code == 0 and out["source"] == "prompt"
    assert max(out["gates"].values()) < 0.15 and max(out["suggested"].values()) < 0.15
    # quoted whole up to 60 characters (a 5000-character prompt was quoted whole)
    quoted = repr(text if len(text) <= 60 else text[:57] + "...")
    assert "reads as neutral" in out["prompt_note"] and quoted in out["prompt_note"]
    assert f"note: {out['prompt_note']}" in err


@pytest.mark.parametrize("text", ["the invoice is attached", "a stranger is following me home",
                                  "a snake was under my bed"])
def test_words_far_from_any_emotion_keep_the_heads_guess_and_say_so(runtime, capsys, text):
    """Far from the vocabulary but made of words: a mundane line and a situation that implies a
    feeling sit alike there (held-out 3 flagged 12 of its 20 situations, the head reading fear
    0.71 and 0.87 for these two), so the reading stays, marked as a guess."""
    code, out, err = _mix(capsys, "--prompt", text)
    assert code == 0 and "a guess" in out["prompt_note"] and text in out["prompt_note"]
    assert f"note: {out['prompt_note']}" in err
    head = runtime.read([runtime.query("text", text)])[1]
    np.testing.assert_allclose([out["suggested"][e] for e in EMOTIONS], head, atol=1e-3)
    if "following" in text or "snake" in text:
        assert max(out["suggested"], key=out["suggested"].get) == "fearful"


@pytest.mark.parametrize("text, top", [("she is furious about the delay", "angry"),
                                       ("I can't stop smiling", "happy"),
                                       ("what a gross smell", "disgusted")])
def test_mix_keeps_emotional_prompts(runtime, capsys, text, top):
    code, out, err = _mix(capsys, "--prompt", text)
    assert code == 0 and out["prompt_note"] is None and "note:" not in err
    assert max(out["gates"], key=out["gates"].get) == top and out["gates"][top] > 0.4


def test_no_emotion_reads_as_the_neutral_label(runtime):
    """Text with no word enters gates, AUs and latent as the label 'neutral' would, and says so."""
    cond = resolve_condition(EmotionMix(prompt="qwop zxcv", gate_override=True))
    neutral = resolve_condition(EmotionMix(label="neutral", gate_override=True))
    assert cond.note and neutral.note is None
    np.testing.assert_allclose(cond.gates, neutral.gates, atol=1e-6)
    assert torch_equal(cond.latent, neutral.latent) and cond.aus == neutral.aus
    gates, note = read_prompt("qwop zxcv")
    assert gates.max() < 0.15 and note == cond.note
    assert read_prompt("   ") == (pytest.approx(np.zeros(6)), None)


def torch_equal(a, b) -> bool:
    return bool((a - b).abs().max() < 1e-6)
