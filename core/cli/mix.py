"""`main.py mix`: resolve an emotion condition (prompt, label, audio, hand mix, AUs) and print it as JSON.

    main.py mix --prompt "bitter, holding back tears"
    main.py mix --label "happily surprised" --au 12=0.3
    main.py mix --audio speech.wav
    main.py mix --prompt "furious" --mix sad=1      # hand-set gates override the suggestion

Also the shared flag helpers `render` uses: add_condition_arguments / condition_from_args.
"""
from __future__ import annotations

import json

from core.emotions import EMOTIONS
from core.validate import PathArg, TextArg

NAME = "mix"
HELP = "print the gates and AU intensities a prompt, label, audio or mix resolves to (JSON)"


def add_condition_arguments(parser, audio_flag: bool = False) -> None:
    """--prompt, --label, --mix, --au, --mode, --intensity (and --emotion-from-audio if asked).

    `render` already has --mix/--au of its own: call with the parser after those exist and
    argparse conflicts are skipped (only missing flags are added).
    """
    have = set(parser._option_string_actions)

    def add(flag, **kw):
        if flag not in have:
            parser.add_argument(flag, **kw)

    add("--prompt", type=TextArg, help="free-text emotion, e.g. 'bitter, holding back tears'")
    add("--label", type=TextArg, help="emotion label: " + ", ".join((*EMOTIONS, "neutral"))
        + " or a compound preset ('happily surprised')")
    add("--mix", type=TextArg, help="hand-set gates, e.g. 'happy=0.7,surprised=0.3' or a preset "
                                  "name ('sadly surprised'); they override the suggested gates")
    add("--au", type=TextArg, help="Action Unit overrides, e.g. '12=1,15=0'")
    add("--mode", choices=("free", "normalized"), default="free",
        help="free: each weight is an expert intensity; normalized: weights sum to 1")
    add("--intensity", type=float, default=1.0,
        help="master intensity, 0 to 1.5 (default 1; above 1 exaggerates)")
    if audio_flag:
        add("--emotion-from-audio", action="store_true",
            help="read the emotion from the speech itself (prosody, or models/audio_emotion/)")


def mix_from_args(args):
    """The EmotionMix the flags describe (prompt/label kept for resolve_condition)."""
    from core.mix import EmotionMix, parse_aus, parse_mix

    from core import validate

    label = validate.label(getattr(args, "label", "") or "", "--label")
    return EmotionMix.from_dict(parse_mix(validate.text(getattr(args, "mix", "") or "", "--mix")),
                                mode=getattr(args, "mode", "free"),
                                intensity=validate.intensity(float(getattr(args, "intensity", 1.0)),
                                                             "--intensity"),
                                au_overrides=parse_aus(validate.text(getattr(args, "au", "") or "",
                                                                     "--au")),
                                prompt=validate.text(getattr(args, "prompt", "") or "", "--prompt"),
                                label=label, gate_override=True)


def condition_from_args(args, audio=None):
    """Flags (+ the loaded AudioTrack) -> (EmotionMix, Condition). Render: use condition.gates."""
    from core.latents.resolve import resolve_condition

    mix = mix_from_args(args)
    from_audio = bool(getattr(args, "emotion_from_audio", False) or getattr(args, "audio", None))
    return mix, resolve_condition(mix, audio=audio, emotion_from_audio=from_audio)


def add_arguments(parser) -> None:
    add_condition_arguments(parser)
    parser.add_argument("--audio", default=None, metavar="FILE", type=PathArg,
                        help="read an emotion from this speech file too")


def _named(gates) -> dict[str, float]:
    return {e: round(float(v), 4) for e, v in zip(EMOTIONS, gates)}


def run(args) -> int:
    audio = None
    if args.audio:
        from core.audio.io import load_audio

        audio = load_audio(args.audio)
    mix, cond = condition_from_args(args, audio)
    if cond.note:
        from core.cli import note

        note(cond.note)
    from core.rig.moe_rig import face_aus

    # the AUs the face gets (the rig engine's, as a silent take's AU curves show them), and for
    # a prompt, label or voice the module's own AU reading its latent carries (diffusion engine)
    out = {"gates": _named(cond.gates),
           "aus": {f"AU{au}": v for au, v in face_aus(cond.gates, mix.au_overrides).items()},
           "module_aus": None if cond.source == "hand" else
           {f"AU{au}": v for au, v in sorted(cond.aus.items())},
           "source": cond.source,
           "suggested": None if cond.suggested_gates is None else _named(cond.suggested_gates),
           "prompt_note": cond.note}
    print(json.dumps(out, indent=2, allow_nan=False))
    return 0
