"""`main.py doctor`: what the diffusion engine would load, on which device, with how much memory."""
from __future__ import annotations

import argparse
import platform
import sys
import time

from core.paths import models_readme
from core.validate import PathArg

NAME = "doctor"
HELP = "report the models/ checkpoints, the device and its memory (--tiny: run a tiny render)"
EPILOG = """exit status (for scripts: `main.py doctor >/dev/null && ...`):
  0  the diffusion engine is ready: every required part is there and its files load
     (and with --tiny, the tiny render worked)
  1  something is wrong: a part is there but cannot load, or two parts do not fit together
     (BROKEN in the report), the --tiny render failed, or --models is not a folder
  2  a flag it does not know (the usage line says which)
  3  the diffusion engine is not installed: a required part is MISSING, nothing is broken.
     The rig engine needs no checkpoints: the app and `render` work as they are; only
     --engine diffusion does not"""

READY, BROKEN, NOT_INSTALLED = 0, 1, 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", default=None, type=PathArg,
                        help="models folder (default: models/ or $MOEE_MODELS)")
    parser.add_argument("--tiny", action="store_true",
                        help="also render 4 frames with tiny random diffusion parts on the CPU")


def _device_lines() -> list[str]:
    import torch

    lines = [f"python {platform.python_version()}, torch {torch.__version__}"]
    try:
        import diffusers
        import transformers
        lines.append(f"diffusers {diffusers.__version__}, transformers {transformers.__version__}")
    except ImportError as exc:
        lines.append(f"missing package: {exc.name}")
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(i)
            bf16 = "bf16" if torch.cuda.is_bf16_supported() else "fp16 (no bf16)"
            lines.append(f"GPU {i}: {torch.cuda.get_device_name(i)}, {free / 2**30:.1f} of "
                         f"{total / 2**30:.1f} GiB free, {bf16}, SDPA attention")
    else:
        lines.append("GPU: none (CUDA not available); the diffusion engine needs one for "
                     "full-size renders, the rig engine runs on the CPU")
    try:
        import os
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        lines.append(f"RAM: {pages * size / 2**30:.1f} GiB, {_cpu_threads()} CPU threads")
    except (ValueError, OSError, AttributeError):
        pass
    return lines


def _cpu_threads() -> int:
    """The CPUs this process may run on (taskset, a container's cpuset): os.cpu_count() counts
    the machine's, and said 2 under `taskset -c 0` where torch trains on 1."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _parts_lines(models: str | None) -> tuple[list[str], int]:
    """A line per part, and the status: READY, BROKEN (a part there whose files do not load)
    or NOT_INSTALLED (a required part missing, nothing broken). "ok" only for a part whose
    files were checked to load (headers, not weights: core/model_files.py), so a folder of
    garbage is reported with its reason."""
    from core.diffusion.loading import config_problem, half_there, part_status
    from core.model_files import folder_problem

    lines, broken, missing = [], False, False
    for part, path, present in part_status(models):
        problem = folder_problem(path, needs_weights=part.rel != "sd15/scheduler") if present \
            else half_there(part, path)
        present |= bool(problem)  # a folder with files but no config is there, and broken
        mark = ("BROKEN" if problem else "ok ") if present else (
            "-- " if not part.required else "MISSING")
        broken |= bool(problem)
        missing |= not present and part.required
        lines.append(f"  {mark:8s}{part.name}: {path}")
        if problem:
            lines.append(f"          cannot load: {problem}")
        elif not present:
            lines.append(f"          expected {part.expected}")
    mismatch = config_problem(models)  # each part loads, yet together they would not
    if mismatch:
        broken = True
        lines.append(f"  {'BROKEN':8s}the parts do not fit together: {mismatch}")
    return lines, BROKEN if broken else NOT_INSTALLED if missing else READY


def _tiny_check() -> str:
    """The tiny render, with a progress line on stderr: it took 15 s on a 2-core CPU after the
    report, without a word (8 s building the parts, 7 s for 4 frames); Ctrl-C stops it."""
    import numpy as np
    import torch

    from core.cli import INTERRUPTS, progress_bar, progress_done
    from core.diffusion.engine import DiffusionEngine
    from core.engine import RenderJob

    def say(text: str) -> None:
        progress_bar(f"tiny diffusion render: {text:<30}")

    torch.manual_seed(0)
    t0 = time.perf_counter()
    say("building tiny random parts")
    engine = DiffusionEngine.tiny()
    image = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    job = RenderJob(portrait=engine.prepare(image, detect=False), duration=0.5, fps=8, size=64)
    say(f"0/{job.frame_count()} frames")
    frames = list(engine.frames(job, lambda done, total: say(f"{done}/{total} frames"),
                                INTERRUPTS))
    progress_done()
    return f"tiny diffusion render: {len(frames)} frames in {time.perf_counter() - t0:.1f} s (ok)"


def run(args) -> int:
    """The exit status is EPILOG's: scripts can tell a usable diffusion engine (0) from a
    broken setup (1) and from one that has no checkpoints yet, where the rig engine still
    works (3). It was 0 whatever the report said."""
    if args.models:
        from core import validate
        validate.input_folder(args.models, "the models folder")
    for line in _device_lines():
        print(line)
    lines, status = _parts_lines(args.models)
    print("diffusion engine checkpoints:")
    print("\n".join(lines))
    print("diffusion engine: " + {
        READY: "ready",
        BROKEN: f"not ready: a part above cannot load (see {models_readme()})",
        NOT_INSTALLED: f"not ready: not installed (see {models_readme()})"}[status]
        + ("" if status == READY else "; the rig engine works without checkpoints"))
    if args.tiny:
        try:
            line = _tiny_check()
        except Exception as exc:  # noqa: BLE001 - a broken install is what doctor reports
            from core.cli import progress_done

            progress_done()
            print(f"tiny diffusion render failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return BROKEN
        print(line)
    return status
