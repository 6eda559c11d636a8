"""core.diffusion's parts wrapped as a core.training.model.TrainModel.

`from_diffusion` takes what the engine builds: a models/ folder (loaded with
`load_parts(require_moee=False)`: fresh zero-start MoEE modules where none were trained yet),
`tiny=True` (core.diffusion.tiny's random parts), a parts dict, a MoEEPipeline or a
DiffusionEngine. The pipeline wires the processors (reference write/read on a shared bank, MoEE
audio + emotion attention on attn2); training calls the same modules without the pipeline's
no-grad `__call__`:

    reference frame --VAE--> ReferenceNet at t = 0 (write processors fill the bank)
    noisy (B, F, 4, h, w) --UNetMotionModel--> prediction, with cross_attention_kwargs
        audio tokens   wav2vec2 (frozen) windows per frame -> AudioProjModel (trained in stage 1)
        emotion latent Emotion-to-Latents on the clip's label, AUs and text (conditions.py;
                       trained in stage 2)
        guidance drops per-sample audio/emotion scales 0, the pipeline's null condition
        emotion gates  g_override (zeros: MoE off in stage 1; one-hot for expert draws)
    the bank is cleared in a `finally` (at the next forward instead, with gradient
    checkpointing: the backward pass reads it again).

Parts: "reference_net"; "unet" = the motion U-Net (its installed MoEE processors are
submodules, so the MoE is found inside it) + the audio projection; "latents"; and the frozen
"vae" and "audio_encoder".

The processors record their gates detached (`.last_gates`); the gate loss needs them with
gradient, so forward hooks on each EmotionMoE's global gate read the logits (a thin layer over
core.diffusion's public objects, which are not changed here).
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from core.errors import CheckpointError
from core.training.model import Prediction, moe_modules
from core.training.tuning import TUNING


def tiny_latents(emotion_dim: int) -> nn.Module:
    """A small random Emotion-to-Latents whose width fits tiny MoEE experts."""
    from core.latents.module import EmotionToLatents, LatentsConfig

    return EmotionToLatents(LatentsConfig(latent_dim=emotion_dim, num_tokens=4, num_embeddings=8,
                                          num_heads=2, hidden=32, dropout=0.0))  # MiniLM-wide text


def default_latents(models_dir: str | Path) -> nn.Module:
    """models/emotion_to_latents when present, else the shipped module (the inference default)."""
    from core.diffusion.loading import latents_folder
    from core.latents.module import EmotionToLatents

    return EmotionToLatents.from_pretrained(latents_folder(models_dir))


class DiffusionTrainModel:
    """TrainModel over a MoEEPipeline's modules (see the module docstring)."""

    def __init__(self, pipe, latents: nn.Module, models_dir: str | Path | None = None):
        from core.diffusion.moe_attention import MoEECrossAttnProcessor
        from core.training.conditions import TextFeatures

        self.pipe = pipe
        self.latents = latents
        encoder = getattr(getattr(latents, "config", None), "text_encoder", None)
        self.text = TextFeatures(encoder, models_dir) if encoder else None
        self.keep_rate = TUNING["condition_keep_rate"]  # conditions.emotion_latent
        self.vae, self.bank = pipe.vae, pipe.bank
        self.scale = float(pipe.vae.config.scaling_factor)
        self.prediction_type = pipe.scheduler.config.get("prediction_type", "epsilon")
        dim = pipe.moee_attention.config.emotion_dim
        width = getattr(getattr(latents, "config", None), "latent_dim", dim)
        if width != dim:
            raise CheckpointError(f"the Emotion-to-Latents module gives {width}-wide latents but "
                                  f"the MoEE experts expect emotion_dim={dim}")
        self.denoiser = nn.ModuleDict({"unet": pipe.unet, "audio_proj": pipe.audio_proj})
        self.processors = [m for m in pipe.unet.modules() if isinstance(m, MoEECrossAttnProcessor)]
        self.moes = [m for _, m in moe_modules(pipe.unet)]
        if not self.moes:
            raise CheckpointError("the U-Net has no MoEE emotion attention installed")
        self._logits: list[torch.Tensor] | None = None
        for moe in self.moes:
            moe.global_gate.register_forward_hook(self._record_gate)
        for m in (pipe.reference_net, pipe.unet, pipe.audio_proj, latents):
            m.train()
        pipe.vae.eval()
        pipe.audio_encoder.eval()

    # ----- TrainModel
    def parts(self) -> dict[str, nn.Module]:
        return {"reference_net": self.pipe.reference_net, "unet": self.denoiser,
                "latents": self.latents, "vae": self.vae, "audio_encoder": self.pipe.audio_encoder}

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        b, f = frames.shape[:2]
        with torch.no_grad():
            x = frames.flatten(0, 1).to(self.vae.device, self.vae.dtype)
            z = self.vae.encode(x).latent_dist.sample() * self.scale
        return z.view(b, f, *z.shape[1:])

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        b, f = latents.shape[:2]
        x = self.vae.decode(latents.flatten(0, 1).to(self.vae.dtype) / self.scale).sample
        return x.view(b, f, *x.shape[1:])

    def predict(self, noisy: torch.Tensor, t: torch.Tensor, batch: dict,
                g_override: torch.Tensor | None) -> Prediction:
        from core.diffusion.config import (
            KW_AUDIO,
            KW_AUDIO_SCALE,
            KW_EMOTION,
            KW_EMOTION_SCALE,
            KW_GATES,
        )
        from core.training.conditions import emotion_latent

        pipe = self.pipe
        b, f = noisy.shape[:2]
        unet = pipe.unet
        dtype, device = unet.dtype, noisy.device
        context = torch.zeros(b, 1, unet.config.cross_attention_dim, device=device, dtype=dtype)
        z = emotion_latent(self.latents, batch, self.text, self.keep_rate)
        kwargs = {KW_AUDIO: self.audio_tokens(batch["audio"], f).to(dtype),
                  KW_EMOTION: z.to(dtype),
                  KW_GATES: None if g_override is None else g_override.float(),
                  # per-sample 0 = dropped: the same switches the pipeline's guidance turns off
                  KW_AUDIO_SCALE: batch.get("audio_scale"),
                  KW_EMOTION_SCALE: batch.get("emotion_scale")}
        self.bank.clear()
        try:
            with torch.no_grad():
                ref = batch["reference"].to(self.vae.device, self.vae.dtype)
                ref_latents = self.vae.encode(ref).latent_dist.mode() * self.scale
            pipe.reference_net(ref_latents.to(pipe.reference_net.dtype), 0,
                               encoder_hidden_states=context.to(pipe.reference_net.dtype),
                               return_dict=False)  # fills the bank, in the graph
            with self._gates() as logits:
                pred = unet(noisy.permute(0, 2, 1, 3, 4).to(dtype), t,
                            encoder_hidden_states=context.repeat_interleave(f, dim=0),
                            cross_attention_kwargs=kwargs, return_dict=False)[0]
                g = self._mean_gates(logits, b, f, g_override)
        finally:
            # with gradient checkpointing the backward pass runs the U-Net's attention again and
            # must read the same reference tokens: they stay until the next forward clears them
            if not unet.is_gradient_checkpointing:
                self.bank.clear()
        return Prediction(pred.permute(0, 2, 1, 3, 4), g)

    # ----- conditions
    def audio_tokens(self, audio: torch.Tensor, num_frames: int) -> torch.Tensor:
        """(B, S) 16 kHz samples spanning the window's frames -> tokens (B*F, N_a, C_a).

        wav2vec2 (frozen, no grad) over each sample's audio, resampled to the frame times and
        windowed as the pipeline does; the projection is trained."""
        from core.diffusion.audio import frame_windows, resample_frames, wav2vec_layers

        proj = self.pipe.audio_proj
        feats = torch.stack([
            frame_windows(resample_frames(wav2vec_layers(self.pipe.audio_encoder, a), num_frames),
                          proj.window) for a in audio])  # (B, F, 2w+1, L, C)
        tokens = proj(feats.to(proj.device, proj.dtype))
        return tokens.flatten(0, 1)

    @contextmanager
    def _gates(self):
        self._logits = []
        try:
            yield self._logits
        finally:
            self._logits = None

    def _record_gate(self, module, inputs, output) -> None:
        if self._logits is not None:
            self._logits.append(output)

    def _mean_gates(self, logits: list[torch.Tensor], b: int, f: int,
                    g_override: torch.Tensor | None) -> torch.Tensor:
        """(B, 6): the global gates averaged over frames and MoE layers (with gradient when the
        module's own gates ran; the override otherwise)."""
        if logits:
            g = torch.stack([torch.softmax(x.float(), -1) for x in logits]).mean(0)
        else:
            used = [p.last_gates for p in self.processors if p.last_gates is not None]
            if not used:
                return g_override
            g = torch.stack([u.float() for u in used]).mean(0)
        return g.view(b, f, -1).mean(1)

    # ----- export
    def export(self, out_dir: str | Path, with_unets: bool = True) -> Path:
        """Write the models/ layout: OUT/moee/ (core.diffusion.loading.save_moee) and
        OUT/emotion_to_latents/ (the trained Emotion-to-Latents)."""
        from core.diffusion.loading import save_moee

        out = Path(out_dir)
        save_moee(self.pipe, out / "moee", with_unets=with_unets)
        if hasattr(self.latents, "save_pretrained"):
            self.latents.save_pretrained(out / "emotion_to_latents")
        return out


def from_diffusion(source=None, latents: nn.Module | None = None, *, tiny: bool = False,
                   device: str = "cpu", seed: int = 0) -> DiffusionTrainModel:
    """A TrainModel on the diffusion engine's parts.

    source: a models/ folder (None: the default one), a parts dict (core.diffusion.tiny /
    loading layout), a MoEEPipeline or a DiffusionEngine; tiny=True: random tiny parts.
    latents: the Emotion-to-Latents module (default: tiny random for tiny parts, else
    models/emotion_to_latents or the shipped one)."""
    from core.diffusion.loading import build_pipeline, load_parts, models_root

    if hasattr(source, "pipe"):  # DiffusionEngine
        source = source.pipe
    models_dir = models_root(source if isinstance(source, (str, Path)) else None)
    from_folder = not tiny and (source is None or isinstance(source, (str, Path)))
    if tiny:
        from core.diffusion.tiny import build_parts

        source = build_parts(seed=seed)
    elif from_folder:
        source = load_parts(source, require_moee=False)  # fresh zero-start MoEE modules if new
    pipe = build_pipeline(source) if isinstance(source, dict) else source
    if latents is None:  # the folder's (or the shipped) module; random where the width is tiny
        dim = pipe.moee_attention.config.emotion_dim
        latents = default_latents(models_dir) if from_folder or dim == 256 else tiny_latents(dim)
    dev = torch.device(device)
    for module in [*pipe.components.values(), latents]:
        if isinstance(module, nn.Module) and any(p.device != dev for p in module.parameters()):
            module.to(dev)
    pipe.set_progress_bar_config(disable=True)
    return DiffusionTrainModel(pipe, latents, models_dir)
