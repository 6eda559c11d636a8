"""The models/ layout of the diffusion engine: load each part with a message that names it.

    models/sd15/             a Stable Diffusion 1.5 diffusers folder (unet/, vae/, scheduler/)
    models/motion_adapter/   an AnimateDiff MotionAdapter folder (e.g. animatediff-motion-adapter-v1-5-2)
    models/wav2vec2/         a Wav2Vec2Model folder (e.g. facebook/wav2vec2-base-960h)
    models/moee/             what this project's training writes:
        reference_net/       UNet2DConditionModel (optional; else sd15/unet)
        unet/                UNetMotionModel, fine-tuned (optional; else sd15/unet + motion_adapter)
        audio_proj/          AudioProjModel (config.json + safetensors)
        moee_attention/      MoEEAttentionAdapter (config.json + safetensors)
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from core.diffusion.config import DiffusionConfig
from core.errors import CheckpointError
from core.model_files import pretrained
from core.paths import models_dir, models_readme


def models_root(given: str | Path | None = None) -> Path:
    """The models folder a command was given, else the default one."""
    return Path(given) if given else models_dir()


@dataclass(frozen=True)
class Part:
    name: str
    rel: str          # path under models/
    expected: str     # what a user must put there
    required: bool = True


PARTS: tuple[Part, ...] = (
    Part("Stable Diffusion 1.5 U-Net", "sd15/unet", "a diffusers UNet2DConditionModel folder "
         "(config.json + diffusion_pytorch_model.safetensors) from an SD 1.5 checkpoint"),
    Part("VAE", "sd15/vae", "a diffusers AutoencoderKL folder from an SD 1.5 checkpoint"),
    Part("scheduler", "sd15/scheduler", "a diffusers scheduler folder (scheduler_config.json)"),
    Part("motion adapter", "motion_adapter", "an AnimateDiff MotionAdapter folder "
         "(e.g. guoyww/animatediff-motion-adapter-v1-5-2)"),
    Part("wav2vec2 audio encoder", "wav2vec2", "a transformers Wav2Vec2Model folder "
         "(e.g. facebook/wav2vec2-base-960h)"),
    Part("MoEE audio projection", "moee/audio_proj", "the audio_proj folder written by "
         "`main.py train` (config.json + safetensors)"),
    Part("MoEE attention (audio + emotion experts)", "moee/moee_attention", "the moee_attention "
         "folder written by `main.py train`"),
    Part("MoEE ReferenceNet", "moee/reference_net", "a trained ReferenceNet (optional: the SD 1.5 "
         "U-Net is used without it)", required=False),
    Part("MoEE denoising U-Net", "moee/unet", "a trained UNetMotionModel (optional: SD 1.5 U-Net "
         "+ motion adapter without it)", required=False),
)
MOEE_PARTS = ("moee/audio_proj", "moee/moee_attention")


def part_status(models_dir: str | Path | None = None) -> list[tuple[Part, Path, bool]]:
    """Every part with its path and whether it holds a config (for `main.py doctor`)."""
    root = models_root(models_dir)
    out = []
    for part in PARTS:
        path = root / part.rel
        out.append((part, path, (path / config_name(part)).is_file()))
    return out


def missing_parts(models_dir: str | Path | None = None,
                  require_moee: bool = True) -> list[tuple[Part, Path]]:
    """The required parts that are not there, in PARTS order (reads no weights)."""
    return [(part, path) for part, path, present in part_status(models_dir)
            if not present and part.required and (require_moee or part.rel not in MOEE_PARTS)]


def setup_hint(missing: list[tuple[Part, Path]], models_dir: str | Path | None = None) -> str:
    """One sentence on what to put where, for a user who picked the diffusion engine."""
    if not missing:
        return ""
    root = models_root(models_dir)
    first, path = missing[0]
    more = f" and {len(missing) - 1} more part(s)" if len(missing) > 1 else ""
    return (f"The diffusion engine needs its model files in {root}: put {first.expected} in "
            f"{path}{more} ({models_readme()} lists them all).")


def config_name(part: Part) -> str:
    return "scheduler_config.json" if part.rel == "sd15/scheduler" else "config.json"


def half_there(part: Part, path: Path) -> str | None:
    """Why a part's folder that holds files but no config cannot load, or None. The loader
    takes an optional part's folder whenever it exists: doctor said "ready" over an empty or
    half-written moee/unet/ that the render then failed to load."""
    if (path / config_name(part)).is_file() or not path.is_dir() or not any(path.iterdir()):
        return None
    return (f"no {config_name(part)} in it (half downloaded or half written?): complete it or "
            "remove the folder")


def check_present(models_dir: str | Path | None = None, require_moee: bool = True) -> None:
    """Raise CheckpointError naming the first missing required part, or a half-there one."""
    for part, path, present in part_status(models_dir):
        problem = half_there(part, path)
        if problem:
            raise CheckpointError(f"the diffusion engine's {part.name} at {path} cannot load: "
                                  f"{problem}")
        if present or not part.required or (not require_moee and part.rel in MOEE_PARTS):
            continue
        raise CheckpointError(f"the diffusion engine's {part.name} is missing: {path} should hold "
                              f"{part.expected} (see {models_readme()})")


def _load(part: str, path: Path, loader, expected: str, **kw):
    if not path.is_dir():
        raise CheckpointError(f"the {part} is missing: {path} should hold {expected} "
                              f"(see {models_readme()})")
    try:
        return loader(path, **kw)
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged file fails anywhere in diffusers/safetensors
        raise CheckpointError(f"the {part} at {path} could not be loaded as {expected}: "
                              f"{str(exc).splitlines()[0][:300]}") from exc


def resolve_device(config: DiffusionConfig) -> tuple[torch.device, torch.dtype]:
    """CUDA with bf16 (fp16 where bf16 is unsupported) when present; else CPU in fp32."""
    name = config.device
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    table = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
    if config.dtype != "auto":
        return device, table[config.dtype]
    if device.type != "cuda":
        return device, torch.float32
    return device, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def make_scheduler(path_or_scheduler, name: str = "ddim"):
    """DDIM or DPM-Solver++ from an SD scheduler folder/config, with AnimateDiff's settings."""
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    if isinstance(path_or_scheduler, (str, Path)):
        config = DDIMScheduler.load_config(path_or_scheduler)
    else:
        config = path_or_scheduler.config
    if name == "ddim":
        return DDIMScheduler.from_config(config, clip_sample=False, set_alpha_to_one=False,
                                         timestep_spacing="linspace", steps_offset=1)
    if name == "dpm++":
        return DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++",
                                                       use_karras_sigmas=True)
    raise ValueError(f"unknown scheduler {name!r}; expected 'ddim' or 'dpm++'")


def load_parts(models_dir: str | Path | None = None, require_moee: bool = True,
               scheduler: str = "ddim") -> dict:
    """All parts on the CPU in float32, in the dict layout of core.diffusion.tiny.build_parts.

    require_moee=False builds fresh (identity) MoEE modules: the start of training."""
    from diffusers import AutoencoderKL, MotionAdapter, UNet2DConditionModel, UNetMotionModel
    from transformers import Wav2Vec2Model

    from core.diffusion.audio import AudioProjModel
    from core.diffusion.unet import MoEEAttentionAdapter

    root = models_root(models_dir)
    check_present(root, require_moee)
    exp = {p.rel: p.expected for p in PARTS}
    names = {p.rel: p.name for p in PARTS}

    def load(rel, loader, **kw):
        return _load(names[rel], root / rel, loader, exp[rel], **kw)

    parts = {"vae": load("sd15/vae", pretrained(AutoencoderKL)),
             "scheduler": load("sd15/scheduler", make_scheduler, name=scheduler),
             "audio_encoder": load("wav2vec2", pretrained(Wav2Vec2Model))}
    ref_rel = "moee/reference_net" if (root / "moee/reference_net").is_dir() else "sd15/unet"
    parts["reference_net"] = load(ref_rel, pretrained(UNet2DConditionModel))
    if (root / "moee/unet").is_dir():
        parts["unet"] = load("moee/unet", pretrained(UNetMotionModel))
    else:
        unet2d = load("sd15/unet", pretrained(UNet2DConditionModel))
        adapter = load("motion_adapter", pretrained(MotionAdapter))
        try:
            parts["unet"] = UNetMotionModel.from_unet2d(unet2d, adapter)
        except (ValueError, RuntimeError) as exc:
            raise CheckpointError(f"the motion adapter at {root / 'motion_adapter'} does not fit "
                                  f"the U-Net at {root / 'sd15/unet'} ({exc}); expected an "
                                  "SD 1.5 AnimateDiff adapter") from exc
    parts.update(_moee_modules(root, parts, require_moee, load, AudioProjModel, MoEEAttentionAdapter))
    return parts


def _moee_modules(root, parts, require_moee, load, AudioProjModel, MoEEAttentionAdapter) -> dict:
    w2v = parts["audio_encoder"].config
    cross = parts["unet"].config.cross_attention_dim
    if (root / "moee/audio_proj").is_dir() or require_moee:
        proj = load("moee/audio_proj", pretrained(AudioProjModel))
    else:
        proj = AudioProjModel(blocks=w2v.num_hidden_layers, channels=w2v.hidden_size, output_dim=cross)
    if (root / "moee/moee_attention").is_dir() or require_moee:
        attn = load("moee/moee_attention", pretrained(MoEEAttentionAdapter))
    else:
        attn = MoEEAttentionAdapter.for_unet(parts["unet"], audio_dim=proj.config.output_dim,
                                             emotion_dim=256)
    problem = width_problem(root, w2v.to_dict(), dict(proj.config), dict(attn.config))
    if problem:
        raise CheckpointError(problem)
    return {"audio_proj": proj, "moee_attention": attn}


def latents_folder(models_dir: str | Path | None = None) -> Path:
    """The Emotion-to-Latents module the engine conditions on: models/emotion_to_latents when
    it holds a config, else the shipped one."""
    from core.latents.resolve import DEFAULT_WEIGHTS

    user = models_root(models_dir) / "emotion_to_latents"
    return user if (user / "config.json").is_file() else DEFAULT_WEIGHTS


def _config(folder: Path) -> dict | None:
    """A part's config.json, or None when missing or damaged (doctor names those)."""
    try:
        data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def width_problem(root: Path, w2v: dict | None, proj: dict | None, attn: dict | None,
                  latents: Path | None = None) -> str | None:
    """The first width two parts disagree on, as a sentence naming both, or None. Configs as
    dicts; None for one not there (not compared); a width a config does not state is not
    compared either (its load says what is wrong); `latents`: the Emotion-to-Latents folder."""
    def differ(a, b) -> bool:
        return None not in (a, b) and a != b

    if w2v and proj and (differ(proj.get("blocks"), w2v.get("num_hidden_layers"))
                         or differ(proj.get("channels"), w2v.get("hidden_size"))):
        return (f"the MoEE audio projection at {root / 'moee/audio_proj'} expects a wav2vec2 with "
                f"{proj.get('blocks')} layers x {proj.get('channels')} channels, but "
                f"{root / 'wav2vec2'} has {w2v.get('num_hidden_layers')} x "
                f"{w2v.get('hidden_size')}")
    if proj and attn and differ(attn.get("audio_dim"), proj.get("output_dim")):
        return (f"the MoEE attention at {root / 'moee/moee_attention'} expects "
                f"{attn.get('audio_dim')}-wide audio tokens, but the audio projection makes "
                f"{proj.get('output_dim')}")
    dim = (_config(latents) or {}).get("latent_dim") if latents is not None else None
    if attn and differ(attn.get("emotion_dim"), dim):
        return (f"the Emotion-to-Latents module at {latents} gives {dim}-wide latents but the "
                f"MoEE experts at {root / 'moee/moee_attention'} expect "
                f"{attn.get('emotion_dim')} (they were trained with another module)")
    return None


def config_problem(models_dir: str | Path | None = None, latents: bool = True) -> str | None:
    """width_problem from the config.json files alone (no weights read): `doctor` says it, and
    the engine stops on it before loading gigabytes only to fail at the first render."""
    root = models_root(models_dir)
    return width_problem(root, _config(root / "wav2vec2"), _config(root / "moee/audio_proj"),
                         _config(root / "moee/moee_attention"),
                         latents_folder(root) if latents else None)


def build_pipeline(parts: dict):
    """MoEEPipeline over loaded parts; a MoEE module that does not fit the U-Net is named."""
    from core.diffusion.pipeline import MoEEPipeline

    try:
        return MoEEPipeline(vae=parts["vae"], reference_net=parts["reference_net"],
                            unet=parts["unet"], audio_encoder=parts["audio_encoder"],
                            audio_proj=parts["audio_proj"], moee_attention=parts["moee_attention"],
                            scheduler=parts["scheduler"])
    except ValueError as exc:
        raise CheckpointError(f"the MoEE attention modules do not fit this U-Net: {exc}; they were "
                              "trained on a different base model") from exc


def save_moee(pipe, out_dir: str | Path, with_unets: bool = True) -> Path:
    """Write models/moee/ (the layout above) from a pipeline: small added modules always, the
    fine-tuned ReferenceNet and U-Net (without the added processors' weights) when asked."""
    from diffusers.models.attention_processor import AttnProcessor2_0

    out = Path(out_dir)
    pipe.audio_proj.save_pretrained(out / "audio_proj")
    pipe.moee_attention.save_pretrained(out / "moee_attention")
    if with_unets:
        for name in ("reference_net", "unet"):
            model = getattr(pipe, name)
            installed = model.attn_processors
            model.set_attn_processor(AttnProcessor2_0())  # added weights live in moee_attention/
            try:
                model.save_pretrained(out / name)
            finally:
                model.set_attn_processor(installed)
    return out
