"""The engine registry: names -> factories. Kept apart from core/engine.py (the interface), so
the interface imports no engine and no engine imports the registry: no import cycle.

    engine = create_engine("rig")     # or "diffusion"
"""
from __future__ import annotations

from collections.abc import Callable

from core.engine import Engine
from core.errors import InputError


def _rig(**kw) -> Engine:
    from core.rig.engine import RigEngine  # a broken rig import raises here, with its own message
    return RigEngine(**kw)


def _diffusion(**kw) -> Engine:
    # the diffusion stack (torch, diffusers) loads only when this engine is asked for
    from core.diffusion.engine import DiffusionEngine
    return DiffusionEngine(**kw)


_ENGINES: dict[str, Callable[..., Engine]] = {"rig": _rig, "diffusion": _diffusion}


def register_engine(name: str, factory: Callable[..., Engine]) -> None:
    _ENGINES[name] = factory


def engine_names() -> list[str]:
    return sorted(_ENGINES)


def create_engine(name: str = "rig", **kwargs) -> Engine:
    factory = _ENGINES.get(name)
    if factory is None:
        raise InputError(f"unknown engine {name!r}; available: {', '.join(engine_names())}")
    return factory(**kwargs)
