"""Does a prompt carry an emotion at all? Text with none carries a note; text with no word reads
as neutral.

The text head learned only emotion phrases and neutral-face phrases (core/latents/lexicon.py).
Text from elsewhere ("the invoice is attached", "asdf qwerty") lands wherever its embedding
falls, and the head read it as a confident emotion (sad 0.46-0.64 for those two). So before the
head is trusted, the prompt must be near the module's own emotion vocabulary:
- it writes out a lexicon word ("they are angry about the rent"), one of EVERYDAY_WORDS aside, or
- its TOP_K nearest lexicon words and appraisal phrases (the situations that elicit each
  emotion, lexicon.APPRAISALS) stand out: their mean cosine in the sentence encoder's space, less
  the prompt's mean cosine to the whole vocabulary, reaches MIN_LIFT. The first part is a
  k-nearest-neighbour out-of-distribution score (Sun et al. 2022, "Out-of-distribution detection
  with deep nearest neighbors", ICML); the subtraction corrects hubness, as CSLS does (Conneau
  et al. 2018, "Word translation without parallel data", ICLR): short or made-up strings
  ("aaaa", "xyzzy") sit at a cosine of about 0.4 to every word alike, so the raw kNN score let
  them through, while a real emotion is near a few words and far from the rest. Or
- its sentiment reaches MIN_SENTIMENT: the absolute VADER compound score (Hutto & Gilbert 2014,
  "VADER: a parsimonious rule-based model for sentiment analysis of social media text", ICWSM;
  7,500 rated words, negation and booster rules; the `vaderSentiment` package, MIT). Emotion
  words miss situations that carry feeling ("I won the lottery!", "I hate waiting in line");
  their sentiment words do not.
A prompt that passes none carries a note that says why. The cuts can't tell a situation that
implies a feeling ("a stranger is following me home", which the head reads as fear 0.71) from a
mundane line ("tap the icon to start": sad 0.84): in the encoder's space both sit as far from
the vocabulary (held-out lists in tests/latents/test_latents_no_emotion.py). So such a prompt
keeps the head's reading, marked as a guess, and only text with no word the encoder knows
("asdf qwerty", "1234", "zzzz") is read as the label 'neutral': the user's intent is never
thrown away on a similarity score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import torch

from core.latents.lexicon import APPRAISALS, WORDS

# The check's numbers. MIN_LIFT and MIN_SENTIMENT: scripts/tune_no_emotion.py on
# resources/latents/no_emotion_tuning.json (40 emotional + 40 neutral prompts, none of the held-out
# ones in tests/latents/test_latents_no_emotion.py): the pair with the best balanced accuracy,
# the lower cuts on ties, since dropping an emotion the user typed costs more than a faint mood
# on a neutral line (shipped MiniLM module: balanced accuracy 0.950, kept 38/40, flagged 38/40).
NO_EMOTION = {
    "TOP_K": 5,               # nearest lexicon words averaged (Sun et al. 2022 use k of this order)
    "MIN_LIFT": 0.202,        # TOP_K-nearest cosine less the mean cosine (tuned, see above)
    "MIN_SENTIMENT": 0.44,    # absolute VADER compound score, 0..1 (tuned, see above)
}
# Lexicon words written out are an emotion whatever the sentence around it, except these, which
# are everyday words in another sense too ("the sky is blue", "turn it down", "cross the road");
# they count only through the similarity.
EVERYDAY_WORDS = frozenset({"blue", "down", "low", "cross", "content", "tense", "wonder", "plain",
                            "hurt", "mad", "put off", "turned off", "restless", "bitter"})


@dataclass(frozen=True)
class EmotionContent:
    """How close a prompt is to the emotion vocabulary; `note` says why when it is not."""

    similarity: float        # mean cosine to the TOP_K nearest lexicon words and phrases
    lift: float              # that, less the mean cosine to the whole vocabulary
    nearest: tuple[str, ...]  # those words, nearest first
    named: str | None        # a lexicon word the prompt writes out, if any
    sentiment: float         # absolute VADER compound score, 0..1
    words: bool              # has a word the encoder's tokenizer keeps whole (not "asdf", "1234")

    def present_at(self, min_lift: float, min_sentiment: float) -> bool:
        return (self.named is not None or self.lift >= min_lift
                or self.sentiment >= min_sentiment)

    @property
    def present(self) -> bool:
        return self.present_at(NO_EMOTION["MIN_LIFT"], NO_EMOTION["MIN_SENTIMENT"])

    @property
    def neutral(self) -> bool:
        """Read as the label 'neutral': no emotion and no word to guess one from."""
        return not self.present and not self.words

    def note(self, text: str) -> str | None:
        if self.present:
            return None
        if len(text) > _QUOTED:  # a 5000-character prompt was quoted whole in one note line
            text = text[:_QUOTED - 3].rstrip() + "..."
        why = (f"its nearest emotion words, {', '.join(self.nearest[:3])}, stand "
               f"{self.lift:.2f} above its average, below {NO_EMOTION['MIN_LIFT']}; sentiment "
               f"{self.sentiment:.2f}, below {NO_EMOTION['MIN_SENTIMENT']}")
        if self.neutral:
            return (f"the prompt {text!r} has no word the text encoder knows ({why}), so it "
                    "reads as neutral; name the feeling (e.g. 'relieved and happy') to set one")
        return (f"the prompt {text!r} names no feeling and is far from every emotion the module "
                f"knows ({why}): the gates are a guess from its wording; name the feeling "
                "(e.g. 'relieved and happy') to be sure")


_QUOTED = 60  # characters of a prompt a note quotes


def _named_words() -> list[str]:
    return sorted({w for ws in WORDS.values() for w, _ in ws} - EVERYDAY_WORDS, key=len,
                  reverse=True)


class EmotionVocabulary:
    """The lexicon's emotion words and appraisal phrases, embedded once by the module's own
    text encoder."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.words = sorted({w for ws in WORDS.values() for w, _ in ws}
                            | {a for ws in APPRAISALS.values() for a in ws})
        self._named = re.compile(r"\b(?:" + "|".join(map(re.escape, _named_words())) + r")\b",
                                 re.IGNORECASE)

    @cached_property
    def embeddings(self) -> torch.Tensor:
        """(len(words), dim), unit rows; about 0.7 s of CPU for MiniLM, once per process."""
        return self.encoder.encode(self.words)

    @cached_property
    def sentiment(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    def content(self, text: str) -> EmotionContent:
        text = " ".join(text.split())
        found = self._named.search(text)
        sims = (self.encoder.encode([text]) @ self.embeddings.T)[0]
        top = sims.topk(min(NO_EMOTION["TOP_K"], len(self.words)))
        near = float(top.values.mean())
        return EmotionContent(round(near, 4), round(near - float(sims.mean()), 4),
                              tuple(self.words[int(i)] for i in top.indices),
                              found.group(0).lower() if found else None,
                              round(abs(self.sentiment.polarity_scores(text)["compound"]), 4),
                              self._has_words(text))

    def _has_words(self, text: str) -> bool:
        """A word of two or more letters that the encoder's tokenizer keeps whole ('the',
        'hello'; a T5 piece '▁hello' alike): keyboard mash and numbers split into pieces. A word
        past WordPiece's 100 characters comes back whole as the unknown token, which is no
        word ('aaa...' read sad 0.46 as a guess from its wording)."""
        tokenizer = self.encoder.tokenizer
        unknown = getattr(tokenizer, "unk_token", None)
        return any(len(t) == 1 and t[0] != unknown
                   for t in map(tokenizer.tokenize, re.findall(r"[A-Za-z]{2,}", text)))
