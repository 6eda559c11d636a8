"""Training vocabulary for the text branch: emotion words with their intrinsic strength.

Words are grouped by the six experts following the emotion-word clusters of Shaver et al. 1987
("Emotion knowledge", JPSP 52(6), Table/Fig. 1: joy, sadness, anger, fear, surprise; disgust
as the Ekman family) plus face and voice descriptions from FACS (FACS.md). Strength is a FACS-
like level: 1.0 extreme (furious), 0.8 plain (angry), 0.5 mild (annoyed). The held-out prompts
in resources/latents/heldout_prompts.json are never drawn from this file's combinations.
"""
from __future__ import annotations

# expert -> [(phrase, strength)]
WORDS: dict[str, list[tuple[str, float]]] = {
    "happy": [
        ("happy", 0.8), ("joyful", 0.85), ("glad", 0.7), ("cheerful", 0.75), ("delighted", 0.9),
        ("ecstatic", 1.0), ("elated", 1.0), ("euphoric", 1.0), ("overjoyed", 1.0),
        ("thrilled", 0.95), ("pleased", 0.6), ("content", 0.5), ("amused", 0.6),
        ("jolly", 0.75), ("merry", 0.75), ("blissful", 0.9), ("jubilant", 1.0),
        ("gleeful", 0.9), ("excited", 0.8), ("proud", 0.7), ("grateful", 0.6),
        ("smiling", 0.7), ("grinning", 0.8), ("laughing", 0.9), ("beaming", 0.9),
        ("smiling from ear to ear", 1.0), ("in high spirits", 0.8), ("on cloud nine", 1.0),
        ("tickled", 0.6), ("giggling", 0.8), ("radiant with joy", 1.0), ("lighthearted", 0.6),
        ("satisfied", 0.55), ("upbeat", 0.7), ("celebrating", 0.9), ("full of joy", 0.95),
        ("happiness", 0.8), ("joy", 0.85), ("a big smile", 0.9), ("a gentle smile", 0.55),
    ],
    "sad": [
        ("sad", 0.8), ("unhappy", 0.75), ("sorrowful", 0.9), ("depressed", 0.9),
        ("melancholy", 0.75), ("gloomy", 0.7), ("downhearted", 0.75), ("dejected", 0.8),
        ("despondent", 0.9), ("forlorn", 0.8), ("heartbroken", 1.0), ("devastated", 1.0),
        ("grief-stricken", 1.0), ("mournful", 0.9), ("tearful", 0.85), ("crying", 0.95),
        ("weeping", 0.95), ("sobbing", 1.0), ("blue", 0.6), ("down", 0.6), ("low", 0.55),
        ("disappointed", 0.6), ("lonely", 0.7), ("hurt", 0.7), ("hopeless", 0.9),
        ("in despair", 1.0), ("grieving", 0.95), ("miserable", 0.9), ("wistful", 0.5),
        ("dismayed", 0.65), ("crushed", 0.9), ("with tears in her eyes", 0.9),
        ("fighting back tears", 0.85), ("close to tears", 0.8), ("bitter", 0.6),
        ("sorrow", 0.85), ("sadness", 0.8), ("regretful", 0.6), ("glum", 0.65),
        ("mourning", 0.95), ("a quivering chin", 0.75),
    ],
    "angry": [
        ("angry", 0.8), ("furious", 1.0), ("enraged", 1.0), ("irate", 0.95), ("livid", 1.0),
        ("mad", 0.8), ("annoyed", 0.5), ("irritated", 0.55), ("cross", 0.6), ("fuming", 0.95),
        ("raging", 1.0), ("infuriated", 1.0), ("exasperated", 0.7), ("frustrated", 0.6),
        ("resentful", 0.65), ("indignant", 0.7), ("hostile", 0.8), ("outraged", 0.95),
        ("seething", 0.95), ("incensed", 0.95), ("aggravated", 0.6), ("bitter with rage", 0.9),
        ("vexed", 0.55), ("grumpy", 0.5), ("agitated", 0.6), ("shouting", 0.9),
        ("yelling", 0.9), ("snarling", 0.95), ("glaring", 0.75), ("clenching his jaw", 0.75),
        ("gritting her teeth", 0.75), ("red in the face", 0.85), ("anger", 0.8), ("rage", 1.0),
        ("fury", 1.0), ("wrath", 1.0), ("pissed off", 0.9), ("ticked off", 0.65),
        ("scowling", 0.75), ("boiling with anger", 1.0), ("bristling", 0.7),
    ],
    "disgusted": [
        ("disgusted", 0.85), ("revolted", 0.95), ("repulsed", 0.95), ("sickened", 0.9),
        ("nauseated", 0.9), ("grossed out", 0.8), ("repelled", 0.85), ("appalled", 0.85),
        ("disgust", 0.85), ("revulsion", 0.95), ("loathing", 0.9), ("contempt", 0.7),
        ("distaste", 0.6), ("aversion", 0.65), ("queasy", 0.6), ("squeamish", 0.6),
        ("turned off", 0.6), ("put off", 0.5), ("icked out", 0.7), ("sneering", 0.7),
        ("wrinkling his nose", 0.75), ("a curled lip", 0.7), ("gagging", 0.95),
        ("about to throw up", 0.95), ("sick to the stomach", 0.85), ("it's gross", 0.8),
        ("it's disgusting", 0.9), ("revolting", 0.9), ("nasty", 0.7), ("yuck", 0.8),
        ("it's foul", 0.8), ("it's vile", 0.9), ("it's repugnant", 0.9), ("abhorrent", 0.9),
        ("it smells rotten", 0.85), ("ew", 0.75),
    ],
    "fearful": [
        ("afraid", 0.8), ("scared", 0.8), ("frightened", 0.85), ("terrified", 1.0),
        ("petrified", 1.0), ("horrified", 0.95), ("panicked", 1.0), ("panicky", 0.9),
        ("anxious", 0.65), ("nervous", 0.6), ("worried", 0.55), ("uneasy", 0.5),
        ("apprehensive", 0.55), ("fearful", 0.85), ("alarmed", 0.75), ("tense", 0.5),
        ("jittery", 0.6), ("jumpy", 0.6), ("on edge", 0.6), ("dreading it", 0.8),
        ("full of dread", 0.9), ("trembling", 0.8), ("shaking with fear", 0.95),
        ("cowering", 0.9), ("spooked", 0.75), ("in a panic", 1.0), ("fear", 0.85),
        ("terror", 1.0), ("horror", 0.95), ("fright", 0.85), ("timid", 0.5),
        ("insecure", 0.45), ("threatened", 0.7), ("paranoid", 0.7), ("hysterical", 0.95),
        ("scared to death", 1.0), ("frozen with fear", 1.0), ("wide-eyed with fear", 0.95),
        ("stressed", 0.5), ("restless", 0.45),
    ],
    "surprised": [
        ("surprised", 0.8), ("astonished", 0.95), ("amazed", 0.9), ("astounded", 0.95),
        ("shocked", 0.9), ("stunned", 0.95), ("startled", 0.85), ("taken aback", 0.7),
        ("dumbfounded", 0.95), ("flabbergasted", 1.0), ("speechless", 0.85),
        ("in disbelief", 0.8), ("gobsmacked", 1.0), ("bewildered", 0.6), ("awestruck", 0.9),
        ("in awe", 0.85), ("wide-eyed", 0.8), ("open-mouthed", 0.85), ("gaping", 0.85),
        ("jaw on the floor", 1.0), ("caught off guard", 0.75), ("surprise", 0.8),
        ("astonishment", 0.95), ("amazement", 0.9), ("wonder", 0.7), ("baffled", 0.6),
        ("staggered", 0.85), ("blown away", 0.95), ("can't believe it", 0.85),
        ("eyebrows raised", 0.7), ("whoa", 0.8), ("unexpected news", 0.7),
        ("jumping at a sudden noise", 0.9), ("mouth hanging open", 0.9),
    ],
}

# What elicits each emotion, not its name: the event appraisals of Ortony, Clore & Collins 1988
# ("The Cognitive Structure of Emotions": desirable / undesirable events, prospects of harm,
# blameworthy acts of others, unappealing objects) plus unexpectedness for surprise. Not trained
# on: the no-emotion check (core/latents/no_emotion.py) compares prompts against them, so a
# situation that carries a feeling ("I won the lottery!") is not read as no emotion.
APPRAISALS: dict[str, list[str]] = {
    "happy": ["good news", "a success", "a wish came true", "a reward", "a pleasant event",
              "a celebration", "an achievement", "a gift", "a happy ending"],
    "sad": ["bad news", "a loss", "losing someone you love", "a failure", "a disappointment",
            "being left alone", "a goodbye", "an illness"],
    "angry": ["being treated unfairly", "an insult", "someone did something wrong on purpose",
              "being cheated", "being betrayed", "an injustice", "being blocked from a goal"],
    "disgusted": ["something rotten", "something dirty", "filth", "a bad smell", "spoiled food",
                  "bodily waste", "vermin"],
    "fearful": ["a danger", "a threat", "something might go badly wrong",
                "an accident about to happen", "being in harm's way", "a risk of death"],
    "surprised": ["an unexpected event", "something sudden", "a sudden change",
                  "something nobody saw coming"],
}

NEUTRAL_PHRASES: list[str] = [
    "neutral", "calm", "composed", "neutral expression", "blank face", "expressionless",
    "poker face", "straight face", "deadpan", "emotionless", "no emotion", "impassive",
    "matter-of-fact", "indifferent", "unbothered", "at rest", "relaxed face", "steady and even",
    "reading a list of numbers", "speaking in a monotone", "giving directions", "a news anchor",
    "reciting the alphabet", "an ordinary conversation", "flat tone", "level-headed",
    "unmoved", "stoic", "detached", "a passport photo", "business as usual", "nothing special",
    "reading the minutes of a meeting", "plain", "even-tempered", "apathetic", "placid",
]

# Framings around an emotion phrase; {e} is the phrase.
TEMPLATES: list[str] = [
    "{e}", "{e}", "{e}", "feeling {e}", "I feel {e}", "I'm {e}", "she is {e}", "he looks {e}",
    "they seem {e}", "looking {e}", "a {e} face", "a {e} expression", "speaking in a {e} way",
    "{e} about the news", "{e} after the phone call", "{e} at work today", "{e} right now",
    "so {e}", "{e} and showing it", "a portrait of someone {e}", "clearly {e}",
    "{e} after the meeting", "she's been {e} all day", "totally {e} about the result",
    "{e} when the door opened", "visibly {e}", "{e} about what happened", "he sounds {e}",
]

# Modifier -> factor on the word's strength (downtoners about halve it).
MODIFIERS: list[tuple[str, float]] = [
    ("", 1.0), ("", 1.0), ("", 1.0), ("", 1.0), ("slightly", 0.4), ("a bit", 0.45),
    ("a little", 0.45), ("a little bit", 0.4), ("somewhat", 0.6), ("mildly", 0.4),
    ("kind of", 0.6), ("faintly", 0.35), ("a touch", 0.4), ("rather", 0.8), ("quite", 0.95),
    ("very", 1.2), ("really", 1.15), ("so", 1.15), ("extremely", 1.3), ("incredibly", 1.3),
    ("utterly", 1.3), ("absolutely", 1.3), ("deeply", 1.25), ("terribly", 1.25),
    ("completely", 1.25), ("totally", 1.2), ("intensely", 1.3),
]

COMPOUND_JOINS: list[tuple[str, float]] = [  # template, weight of the second part
    ("{a} but {b}", 0.8), ("{a} and {b}", 0.8), ("{a} yet {b}", 0.8), ("{a}, {b}", 0.8),
    ("{a} but also {b}", 0.8), ("both {a} and {b}", 0.8), ("{a} mixed with {b}", 0.7),
    ("{a} with a hint of {b}", 0.4), ("{a}, a little {b}", 0.4), ("{a} though {b}", 0.75),
    ("{a} and a bit {b}", 0.4), ("{a} while also {b}", 0.8), ("{a} and at the same time {b}", 0.8),
    ("{a}, {b} too", 0.75), ("{a} mixed with some {b}", 0.6),
]

NEGATIONS: list[str] = [  # {a}: the negated phrase
    "not {a}", "not {a} at all", "no longer {a}", "not {a} anymore", "never {a}",
    "I'm not {a}", "she isn't {a}", "he doesn't feel {a}", "not feeling {a}", "hardly {a}",
    "not the least bit {a}", "don't be {a}",
]
NEGATION_THEN: list[str] = [  # {a} negated, {b} asserted
    "not {a}, just {b}", "not {a} but {b}", "no longer {a}, now {b}", "I'm not {a}, I'm {b}",
    "not {a} anymore, {b}", "never {a}, always {b}", "not {a}; {b} instead",
]
# What negating an emotion leaves: "not happy" reads as mild sadness (Russell 1980 circumplex:
# the opposite valence at low arousal); negating the others leaves a calm face.
NEGATED_RESIDUE: dict[str, dict[str, float]] = {"happy": {"sad": 0.45}}
