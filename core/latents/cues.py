"""Lexical cues the sentence encoder is weak at: negation scope and intensity words.

Mean-pooled sentence embeddings put "not happy" next to "happy" (cosine 0.75 with MiniLM), so
the text branch does not rely on them alone: the prompt is split into clauses, clauses under a
negator are set apart (with the negator removed, so their content embeds cleanly), and a few
scalar cues are read. The learned text projection sees all of it:
    [emb(full prompt), emb(affirmed clauses), emb(negated content), cues]
and learns what negation and intensity do (scripts/train_latents.py). This is a feature
extractor, not a rule table: no cue maps to an emotion by hand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Clause boundaries: punctuation and contrast/addition words (Quirk et al., coordinators).
_SPLIT = re.compile(r"\s*(?:[,;:.!?]|\bbut\b|\byet\b|\bthough\b|\balthough\b|\bhowever\b|"
                    r"\bwhile\b|\band\b|\bor\b|\bjust\b|\bnow\b|\bwith\b)\s*", re.I)
_NEGATORS = re.compile(r"\b(?:not|no longer|no more|never|no|nor|hardly|barely|"
                       r"isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|"
                       r"can't|cannot|couldn't|shouldn't|wouldn't|ain't|"
                       r"not at all|at all|anymore|any more)\b", re.I)
# "can't stop grinning", "couldn't help laughing": the negator negates the stopping.
_NOT_NEGATION = re.compile(r"\b(?:can't|cannot|couldn't|won't|not)\s+(?:stop|help|wait|"
                           r"believe|hide|contain)\b", re.I)

# Intensity words and their level (-1 downtoner .. +1 amplifier); Quirk et al. 1985 §8.104ff.
INTENSITY_WORDS: dict[str, float] = {
    "slightly": -1.0, "a bit": -1.0, "a little": -1.0, "a little bit": -1.0, "somewhat": -0.6,
    "mildly": -1.0, "kind of": -0.6, "sort of": -0.6, "a touch": -1.0, "a hint of": -1.0,
    "faintly": -1.0, "a tad": -1.0, "barely": -1.0, "rather": -0.3, "fairly": -0.3,
    "quite": 0.3, "very": 0.7, "really": 0.6, "so": 0.6, "extremely": 1.0, "incredibly": 1.0,
    "utterly": 1.0, "absolutely": 1.0, "totally": 0.8, "completely": 0.8, "deeply": 0.8,
    "terribly": 0.9, "intensely": 1.0, "overwhelmingly": 1.0, "insanely": 1.0, "super": 0.7,
}
_INTENSITY = re.compile(r"\b(" + "|".join(sorted((re.escape(w) for w in INTENSITY_WORDS),
                                                 key=len, reverse=True)) + r")\b", re.I)
NUM_CUES = 3


@dataclass(frozen=True)
class PromptParts:
    """A prompt split for the text branch; empty strings mean 'none'."""

    full: str
    affirmed: str
    negated: str
    cues: tuple[float, ...]  # (has negation, intensity level -1..1, several affirmed clauses)


def _is_negated(clause: str) -> bool:
    return bool(_NEGATORS.search(_NOT_NEGATION.sub(" ", clause)))


def _strip_negators(clause: str) -> str:
    text = _NEGATORS.sub(" ", clause)
    text = re.sub(r"\b(?:i'm|i am|he's|she's|they're|it's|was|were|is|are|am|feel|feeling|"
                  r"be|been)\b", " ", text, flags=re.I)
    return " ".join(text.split())


def _intensity(text: str) -> float:
    levels = [INTENSITY_WORDS[m.lower()] for m in _INTENSITY.findall(text)]
    return max(levels, key=abs) if levels else 0.0


def split_prompt(text: str) -> PromptParts:
    """'not angry, just disappointed' -> affirmed 'disappointed', negated 'angry'."""
    full = " ".join(text.split())
    clauses = [c for c in _SPLIT.split(full) if c and c.strip()]
    affirmed, negated = [], []
    for clause in clauses:
        (negated if _is_negated(clause) else affirmed).append(clause)
    neg_content = " ".join(filter(None, (_strip_negators(c) for c in negated)))
    aff_text = ", ".join(affirmed)
    cues = (1.0 if negated else 0.0, _intensity(aff_text or full), 1.0 if len(affirmed) > 1 else 0.0)
    return PromptParts(full, aff_text, neg_content, cues)
