"""Is this model file whole? Cheap checks that read headers, not weights, so `doctor` can say
"ready" only about files that will load, and loaders can name a damaged file instead of
failing deep inside safetensors, torch or json with a traceback.

- safetensors: 8-byte little-endian header length, a JSON header whose tensors' data offsets
  end exactly at the end of the file (https://github.com/huggingface/safetensors, "Format").
  A truncated download or a file of other bytes fails one of these.
- torch .bin / .pt: a zip archive (torch.save's format since 1.6) or a legacy pickle (opcode
  PROTO 0x80 first).
- config.json: a JSON object.
Is it this model's? pretrained() loads a diffusers/transformers model and refuses a file that
lacks its tensors (both libraries would fill them with random values).
"""
from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import CheckpointError, MoeeError

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")
MAX_HEADER = 100 * 2**20  # safetensors refuses larger headers too


def safetensors_problem(path: Path) -> str | None:
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
            if len(head) < 8:
                return "shorter than a safetensors header"
            (n,) = struct.unpack("<Q", head)
            if n > MAX_HEADER or 8 + n > size:
                return "not a safetensors file (bad header length)"
            header = json.loads(f.read(n))
    except OSError as exc:
        return exc.strerror or str(exc)
    except (ValueError, UnicodeDecodeError):
        return "not a safetensors file (its header is not JSON)"
    if not isinstance(header, dict):
        return "not a safetensors file (its header is not a JSON object)"
    ends = [v.get("data_offsets", [0, 0])[1] for k, v in header.items()
            if k != "__metadata__" and isinstance(v, dict)]
    if 8 + n + max(ends, default=0) != size:
        return "truncated or padded (its tensors do not end where the file does)"
    return None


def torch_file_problem(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            first = f.read(2)
    except OSError as exc:
        return exc.strerror or str(exc)
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                bad = z.testzip()
        except (zipfile.BadZipFile, OSError) as exc:
            return f"a damaged archive ({exc})"
        return f"a damaged archive (member {bad})" if bad else None
    return None if first[:1] == b"\x80" else "not a PyTorch file"


def config_problem(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return exc.strerror or str(exc)
    except (ValueError, UnicodeDecodeError):
        return "not valid JSON"
    return None if isinstance(data, dict) else "not a JSON object"


def file_problem(path: Path) -> str | None:
    """Why this one file would not load, or None."""
    if path.suffix == ".safetensors":
        return safetensors_problem(path)
    if path.suffix in WEIGHT_SUFFIXES:
        return torch_file_problem(path)
    if path.suffix == ".json":
        return config_problem(path)
    return None


def folder_problem(folder: Path, needs_weights: bool = True) -> str | None:
    """Why a model folder would not load (first damaged file and its reason), or None."""
    if not folder.is_dir():
        return "missing"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for p in files:
        problem = file_problem(p)
        if problem:
            return f"{p.relative_to(folder)}: {problem}"
    if needs_weights and not any(p.suffix in WEIGHT_SUFFIXES for p in files):
        return f"no weights file ({', '.join(WEIGHT_SUFFIXES)}) in it"
    return None


@contextmanager
def loading(what: str, where: Path | str) -> Iterator[None]:
    """Any failure inside (a damaged file, a mismatched config) becomes one CheckpointError that
    names the part and the folder; a message the project already wrote passes through."""
    try:
        yield
    except MoeeError:
        raise
    except Exception as exc:  # noqa: BLE001 - third-party loaders raise anything
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise CheckpointError(f"the {what} in {where} could not be loaded ({first}); replace or "
                              "remove the damaged files") from None


# wav2vec2's learned mask vector: it only masks features while wav2vec2 itself is trained, and
# a checkpoint saved without it loads as one that has it
UNUSED_IF_MISSING = ("masked_spec_embed",)


def pretrained(cls):
    """cls.from_pretrained that refuses a weights file of another model: diffusers and
    transformers fill every tensor a file lacks with random values and only log it (a wav2vec2/
    folder holding another model's safetensors loaded as a random audio encoder, in silence
    but for a 50-line key table; a U-Net holding a VAE's was blamed on the motion adapter)."""
    def load(path, **kw):
        with _quiet_loaders(cls):
            model, info = cls.from_pretrained(path, output_loading_info=True, **kw)
        missing = sorted(k for k in info["missing_keys"] if not k.endswith(UNUSED_IF_MISSING))
        if missing:
            raise ValueError(f"its weights are not a {cls.__name__}'s: {len(missing)} of the "
                             f"{len(model.state_dict())} tensors it needs are not in them "
                             f"({missing[0]}, ...)")
        return model
    return load


@contextmanager
def _quiet_loaders(cls):
    """The loading library's warnings about missing keys off: pretrained() says it."""
    import importlib

    library = next(c.__module__.split(".")[0] for c in cls.__mro__
                   if c.__module__.startswith(("diffusers.", "transformers.")))
    logs = importlib.import_module(f"{library}.utils.logging")
    level = logs.get_verbosity()
    logs.set_verbosity_error()
    try:
        yield
    finally:
        logs.set_verbosity(level)
