"""Checkpoints: `<run>/checkpoints/step-00000120/` per save, holding
    <part>.safetensors   the trainable parameters of each model part (stage 2: MoE + latents only)
    optimizer.pt         optimizer (+ AMP grad scaler) state
    state.json           step, stage, the stage config, the sampler's RNG state
Written to a temporary folder and renamed; `latest()` picks the highest complete step.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from core import atomic
from core.errors import CheckpointError, CheckpointMismatch, ExportError

_STEP_DIR = re.compile(r"^step-(\d+)$")


@dataclass
class Resumed:
    step: int
    state: dict  # state.json contents


def trainable_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: p.detach().contiguous().cpu() for k, p in module.named_parameters() if p.requires_grad}


def step_dir(run_dir: str | Path, step: int) -> Path:
    """Where step `step`'s checkpoint of the run lives."""
    return Path(run_dir) / "checkpoints" / f"step-{step:08d}"


def step_of(path: str | Path) -> int:
    """The step a checkpoint folder (step_dir) holds."""
    return int(_STEP_DIR.match(Path(path).name).group(1))


def save_checkpoint(run_dir: str | Path, step: int, parts: dict[str, nn.Module],
                    optimizer: torch.optim.Optimizer, state: dict, scaler=None, keep: int = 3) -> Path:
    from safetensors.torch import save_file

    dest = step_dir(run_dir, step)
    root = dest.parent
    root.mkdir(parents=True, exist_ok=True)
    try:
        with atomic.folder(dest) as tmp:
            for name, module in parts.items():
                tensors = trainable_state(module)
                if tensors:
                    save_file(tensors, str(tmp / f"{name}.safetensors"))
            with open(tmp / "optimizer.pt", "wb") as fh:  # a file object: OSError says why
                torch.save({"optimizer": optimizer.state_dict(),
                            "scaler": scaler.state_dict() if scaler is not None else None}, fh)
            (tmp / "state.json").write_text(json.dumps({"step": step, **state}, indent=2) + "\n")
    except Exception as exc:  # noqa: BLE001 - safetensors and torch each fail their own way
        raise _not_saved(dest, exc, run_dir) from None
    _prune(root, keep)
    return dest


def _not_saved(dest: Path, exc: Exception, run_dir: str | Path) -> ExportError:
    """A checkpoint that could not be written (a full disk: safetensors' SafetensorError,
    torch's RuntimeError or an OSError): why, in words, and which checkpoint is kept."""
    code = exc.errno if isinstance(exc, OSError) else None
    if code is None and (m := re.search(r"\(os error (\d+)\)", str(exc))):
        code = int(m.group(1))  # Rust's io::Error, inside safetensors' message
    reason = (atomic.os_error_reason(OSError(code, os.strerror(code))) if code is not None
              else (str(exc).splitlines() or [type(exc).__name__])[0][:200])
    kept = latest(run_dir)
    after = (f"the checkpoints before it are kept (latest: {kept.name}); continue from it with "
             "--resume" if kept is not None else
             "no checkpoint of this run was written before it")
    return ExportError(f"cannot write the checkpoint {dest.name} in {dest.parent} ({reason}); "
                       f"{after}")


def checkpoints(run_dir: str | Path) -> list[Path]:
    """The run's complete checkpoints, newest first."""
    root = Path(run_dir) / "checkpoints"
    if not root.is_dir():
        return []
    steps = [(int(m.group(1)), p) for p in root.iterdir()
             if (m := _STEP_DIR.match(p.name)) and (p / "state.json").is_file()]
    return [p for _, p in sorted(steps, reverse=True)]


def latest(run_dir: str | Path) -> Path | None:
    found = checkpoints(run_dir)
    return found[0] if found else None


def saved_stage(path: str | Path) -> int | None:
    """The training stage a checkpoint was saved in (None when its state.json says none)."""
    try:
        stage = json.loads((Path(path) / "state.json").read_text(encoding="utf-8")).get("stage")
        return int(stage) if stage is not None else None
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def load_latest_good(run_dir: str | Path, parts: dict[str, nn.Module],
                     optimizer: torch.optim.Optimizer | None = None, scaler=None,
                     log=print) -> tuple[Path, Resumed] | None:
    """Load the newest checkpoint that reads whole; a damaged one (a crash mid-copy, a bad
    disk) is named with its reason and the one before it is used. None when there is none;
    CheckpointError when every checkpoint is damaged; CheckpointMismatch at once when one reads
    whole but was saved from another model (every checkpoint of a run is of the same model, so
    an older one would not fit either; calling them damaged invited deleting good ones)."""
    found = checkpoints(run_dir)
    reasons = []
    for path in found:
        try:
            return path, load_checkpoint(path, parts, optimizer, scaler)
        except CheckpointMismatch as exc:
            detail = f"{path.name}/{exc.detail}"
            raise CheckpointMismatch(f"the checkpoints in {Path(run_dir) / 'checkpoints'} are "
                                     f"whole but were saved from another model ({detail})",
                                     detail) from None
        except CheckpointError as exc:
            reasons.append(str(exc))
            log(f"warning: {exc}; trying the checkpoint before it")
    if reasons:
        raise CheckpointError(f"every checkpoint in {Path(run_dir) / 'checkpoints'} is damaged "
                              f"(newest: {reasons[0]})")
    return None


def load_checkpoint(path: str | Path, parts: dict[str, nn.Module],
                    optimizer: torch.optim.Optimizer | None = None, scaler=None) -> Resumed:
    """Load trainable parameters (and optimizer state) saved by save_checkpoint. Every file is
    read and checked before anything is applied, so a damaged checkpoint changes nothing."""
    from safetensors.torch import load_file

    path = Path(path)
    if not (path / "state.json").is_file():
        raise CheckpointError(f"{path} is not a training checkpoint (no state.json)")
    try:
        state = json.loads((path / "state.json").read_text(encoding="utf-8"))
        step = int(state["step"])
        tensors = {name: load_file(str(path / f"{name}.safetensors")) for name in parts
                   if (path / f"{name}.safetensors").is_file()}
        saved = None
        if optimizer is not None and (path / "optimizer.pt").is_file():
            saved = torch.load(path / "optimizer.pt", map_location="cpu", weights_only=False)
    except Exception as exc:  # noqa: BLE001 - safetensors, torch and json each fail their own way
        first = (str(exc).splitlines() or ["unreadable"])[0][:200]
        raise CheckpointError(f"the checkpoint {path.name} is damaged "
                              f"({type(exc).__name__}: {first})") from None
    for name, module in parts.items():
        if name in tensors:
            _check_params(module, tensors[name], path / f"{name}.safetensors")
    for name, module in parts.items():
        if name in tensors:
            _copy_params(module, tensors[name])
    if saved is not None:
        optimizer.load_state_dict(saved["optimizer"])
        if scaler is not None and saved.get("scaler"):
            scaler.load_state_dict(saved["scaler"])
    return Resumed(step, state)


def _check_params(module: nn.Module, tensors: dict[str, torch.Tensor], file: Path) -> None:
    params = dict(module.named_parameters())
    unknown = [k for k in tensors if k not in params]
    if unknown:
        raise CheckpointMismatch(f"{file.name} holds {unknown[0]}, a parameter this model "
                                 "does not have")
    for k, v in tensors.items():
        if params[k].shape != v.shape:
            raise CheckpointMismatch(f"{file.name}: {k} has shape {tuple(v.shape)} there, "
                                     f"{tuple(params[k].shape)} in this model")


def _copy_params(module: nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    params = dict(module.named_parameters())
    with torch.no_grad():
        for k, v in tensors.items():
            params[k].copy_(v)


def _prune(root: Path, keep: int) -> None:
    steps = sorted((int(m.group(1)), p) for p in root.iterdir() if (m := _STEP_DIR.match(p.name)))
    for _, p in steps[:-keep] if keep > 0 else []:
        shutil.rmtree(p, ignore_errors=True)
