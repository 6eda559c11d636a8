"""`main.py train --stage 1|2`: train the diffusion engine on prepared clips, in one process or,
under `accelerate launch`, on many (DDP on one machine or several)."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

from core.cli import progress_bar, progress_done
from core.validate import PathArg, counted

NAME = "train"
HELP = "train the diffusion engine (stage 1: ReferenceNet + U-Net; stage 2: emotion experts)"
DESCRIPTION = HELP + """

Writes RUN/log.csv (step, loss, l_latent, l_pixel, l_gate, lr, seconds) and checkpoints to
RUN/checkpoints/step-N/; --resume continues from the latest one (and is refused where RUN holds
none: nothing is trained from step 0 by mistake). Stage 2 starts from a stage-1
run given by --init. --export DIR writes the trained modules in the models/ layout at every
checkpoint (DIR/moee/{audio_proj,moee_attention,reference_net,unet}, DIR/emotion_to_latents/), so
`--models DIR`-style folders (and the render engine) can load them.

Several GPUs or machines: `accelerate launch --num_processes N main.py train ...` (add
--num_machines/--machine_rank/--main_process_ip for several machines; `--cpu` for CPU processes).
Each process draws --batch-size clips per micro-batch; gradients are averaged over processes.
Checkpoints resume on any number of processes.

Ctrl-C (or SIGTERM) finishes the step in progress, saves a checkpoint of it and stops (exit
status 130, or 143 for SIGTERM); a second Ctrl-C aborts at once, and the latest complete
checkpoint stands."""


def add_arguments(parser) -> None:
    from core.training.trainer import StageConfig

    d = StageConfig()
    parser.add_argument("data", type=PathArg, help="folder written by `main.py prepare`")
    parser.add_argument("--stage", type=int, choices=(1, 2), required=True)
    parser.add_argument("--run", required=True, type=PathArg,
                        help="run folder (logs and checkpoints)")
    parser.add_argument("--models", type=PathArg,
                        help="diffusion engine folder to start from (models/...)")
    parser.add_argument("--tiny", action="store_true", help="tiny random network (smoke tests)")
    parser.add_argument("--init", type=PathArg,
                        help="another run whose latest checkpoint to start from")
    parser.add_argument("--resume", action="store_true",
                        help="continue from RUN's latest checkpoint (refused when RUN has none)")
    parser.add_argument("--export", type=PathArg,
                        help="models/ folder to write the trained modules to "
                        "(moee/ and emotion_to_latents/) at each checkpoint")
    parser.add_argument("--perceptual", type=PathArg,
                        help="folder with VGG-19 weights for the perceptual loss "
                        "(default: MODELS/vgg19)")
    parser.add_argument("--device", default="cuda" if _cuda() else "cpu")
    for name in ("steps", "batch_size", "grad_accum", "n_frames", "resolution", "checkpoint_every",
                 "seed", "decode_chunk"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(d, name))
    for name in ("lr", "noise_rate", "pixel_lambda", "audio_drop_rate", "emotion_drop_rate"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(d, name))
    parser.add_argument("--mixed-precision", choices=("no", "fp16", "bf16"), default=d.mixed_precision)
    parser.add_argument("--gradient-checkpointing", action="store_true",
                        help="recompute U-Net activations in the backward pass (less memory)")


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def run(args) -> int:
    from core.errors import InputError

    if args.tiny and args.models:
        raise InputError("--tiny builds random parts; leave out --models (or --tiny)")
    _check_flags(args)
    from core.training.distributed import make_accelerator
    from core.training.trainer import StageConfig

    cfg = StageConfig(stage=args.stage, steps=args.steps, batch_size=args.batch_size,
                      grad_accum=args.grad_accum, n_frames=args.n_frames,
                      resolution=args.resolution, checkpoint_every=args.checkpoint_every,
                      seed=args.seed, lr=args.lr, noise_rate=args.noise_rate,
                      pixel_lambda=args.pixel_lambda, mixed_precision=args.mixed_precision,
                      audio_drop_rate=args.audio_drop_rate, emotion_drop_rate=args.emotion_drop_rate,
                      decode_chunk=args.decode_chunk,
                      gradient_checkpointing=args.gradient_checkpointing)
    acc = make_accelerator(cfg.mixed_precision, cpu=args.device == "cpu")
    main = acc.is_main_process
    say = print if main else (lambda *a, **k: None)
    before = _entries(args.run)
    stop = _StopAfterStep(main)
    try:
        result = _train(args, cfg, acc, say, stop)
    except KeyboardInterrupt as exc:
        if stop.signal is not None and (code := _abandoned(exc, args.run, stop, main)) is not None:
            return code
        return _kept_on_interrupt(exc, args.run, before if main else "not the main process")
    progress_done()  # only the main process draws the bar
    if result.stopped:
        acc.end_training()
        return _stopped(stop.signal, result, args, main)
    say(f"stage {cfg.stage}: step {result.step} on {acc.num_processes} process(es), checkpoint "
        f"{result.checkpoint}" + (f", modules exported to {args.export}" if args.export else ""))
    acc.end_training()
    return 0


def _train(args, cfg, acc, say, stop):
    """Load the data and the model, then train; Ctrl-C or a kill may land anywhere in here."""
    from core.training.data import ClipDataset
    from core.training.diffusion_adapter import from_diffusion
    from core.training.perceptual import load_perceptual
    from core.training.sampling import expert_coverage_warning
    from core.training.trainer import Trainer, init_from

    main = acc.is_main_process
    dataset = ClipDataset(args.data, "train", cfg.n_frames, cfg.resolution)
    if args.stage == 2 and (missing := expert_coverage_warning(dataset)):
        say(f"warning: {missing}", file=sys.stderr)  # before minutes of loading the model
    model = from_diffusion(args.models, tiny=args.tiny, device=str(acc.device))
    if args.init:
        with _other_model("--init", args):
            say(f"starting from {args.init} (step {init_from(model, args.init)})")
    elif args.stage == 2 and not args.tiny and not _has_trained_unet(args.models):
        say("warning: stage 2 without --init (a stage-1 run) or --models holding moee/unet "
            "trains the experts on an untrained ReferenceNet and audio attention", file=sys.stderr)
    trainer = Trainer(model, dataset, cfg, args.run,
                      load_perceptual(_perceptual_dir(args), log=say), args.device, accelerator=acc,
                      log=say)
    if args.export:
        trainer.on_checkpoint = lambda path: model.export(args.export)
    if args.resume:
        with _other_model("--resume", args):
            trainer.resume()
    if main:
        trainer.on_micro_batch = _MicroBar(trainer, cfg.steps)
    stop.trainer = trainer
    with stop.installed():
        return trainer.run(progress=_bar if main else None, cancel=stop)


class _StopAfterStep:
    """Ctrl-C or SIGTERM while training: the first lets the step in progress finish, and the
    trainer then saves a checkpoint of it and stops (every rank after the same step: Trainer.
    stop_agreed); the second aborts at once, as the command's own handler does (the checkpoint
    being written is not left half-written: save_checkpoint writes a folder aside and renames
    it). Before, the first Ctrl-C lost every step since the last checkpoint. SIGHUP (the
    terminal closed) and a SIGINT its parent ignores are left to the command's handlers."""

    def __init__(self, main: bool):
        self.main, self.signal, self.trainer = main, None, None

    @property
    def cancelled(self) -> bool:
        return self.signal is not None

    @contextlib.contextmanager
    def installed(self):
        import signal

        from core import cli

        ours = {signal.SIGINT: cli._interrupt, signal.SIGTERM: cli._terminate}
        saved = {}
        try:
            for sig, theirs in ours.items():
                if signal.getsignal(sig) is theirs:
                    saved[sig] = signal.signal(sig, self._handle)
        except ValueError:  # not the main thread: signals are not ours to take
            pass
        try:
            yield self
        finally:
            for sig, old in saved.items():
                signal.signal(sig, old)

    def _handle(self, signum, frame):
        import signal

        from core import cli

        if self.signal is not None:  # the second: abort now, as Ctrl-C always did
            (cli._interrupt if signum == signal.SIGINT else cli._terminate)(signum, frame)
            return
        self.signal = KeyboardInterrupt() if signum == signal.SIGINT else cli.Terminated(signum)
        if self.main:
            again = "Ctrl-C again" if signum == signal.SIGINT else "a second signal"
            launcher = ("; accelerate launch ends its processes 30 s after passing a signal on"
                        if "TORCHELASTIC_RUN_ID" in os.environ else "")
            _say_now(f"\n{_how(self.signal)}: finishing the step in progress, then saving a "
                     f"checkpoint of it and stopping ({again} aborts at once; the steps since "
                     f"the last checkpoint are then lost{launcher})\n")


def _say_now(text: str) -> None:
    """From a signal handler: one write(2) to stderr, not print (the handler may run inside a
    print of the progress bar, and the buffered stream refuses to be re-entered)."""
    try:
        os.write(sys.stderr.fileno(), text.encode("utf-8", "replace"))
    except (AttributeError, OSError, ValueError):  # no file descriptor (a test's capture)
        print(text, end="", file=sys.stderr, flush=True)


def _how(exc: KeyboardInterrupt) -> str:
    from core.cli import Terminated

    return f"stopped by {exc}" if isinstance(exc, Terminated) else "interrupted"


def _exit_code(exc: KeyboardInterrupt) -> int:
    from core.cli import Terminated

    return 128 + exc.signum if isinstance(exc, Terminated) else 130


def _stopped(exc: KeyboardInterrupt, result, args, main: bool) -> int:
    """The first Ctrl-C's end: the step it came in was finished and saved."""
    from core.cli import interrupted

    if not main:
        return _exit_code(exc)
    exported = f", modules exported to {args.export}" if args.export else ""
    name = result.checkpoint.name if result.checkpoint is not None else "?"
    return interrupted(exc, f"stopped at step {result.step}; saved checkpoint {name} "
                            f"({result.checkpoint}){exported}; continue with --resume")


def _abandoned(exc: KeyboardInterrupt, run_dir, stop: _StopAfterStep, main: bool) -> int | None:
    """A second signal while the first's step was finished or saved: which checkpoint is the
    latest complete one, and how many steps done after it are lost. None where the run has no
    checkpoint (_kept_on_interrupt removes what it made)."""
    from core.cli import interrupted
    from core.training.checkpoint import latest, step_of

    kept = latest(run_dir)
    if kept is None:
        return None
    if not main:
        return _exit_code(exc)
    done = stop.trainer.step if stop.trainer is not None else 0
    kept_step = step_of(kept)
    if kept_step >= done:
        return interrupted(exc, f"aborted by a second signal after the checkpoint of step "
                                f"{kept_step} was saved ({kept}); continue with --resume")
    return interrupted(exc, f"aborted by a second signal: the checkpoint of step {done} was "
                            f"abandoned unsaved, so {counted(done - kept_step, 'step')} after "
                            f"{kept.name} are lost; the latest complete checkpoint is {kept}; "
                            "continue from it with --resume")


@contextlib.contextmanager
def _other_model(flag: str, args):
    """Checkpoints saved from another model than this command's (--tiny's random parts against
    a --models folder, or another folder) say so and what to do: they were called "damaged"."""
    from core.errors import CheckpointError, CheckpointMismatch

    try:
        yield
    except CheckpointMismatch as exc:
        this = "--tiny's random parts" if args.tiny else f"the model from {_models_name(args)}"
        run = args.init if flag == "--init" else args.run
        fix = ("start from that run with the model it was trained with (its --models DIR, or "
               "--tiny)" if flag == "--init" else "resume the run with the model it was trained "
               "with (its --models DIR, or --tiny), or train this model in a new --run")
        raise CheckpointError(f"{flag}: the checkpoints in {run} were saved from another model "
                              f"than {this} ({exc.detail}); they are not damaged: {fix}") from None


def _perceptual_dir(args):
    from core.diffusion.loading import models_root
    from core.training.perceptual import DEFAULT_FOLDER

    if args.perceptual:
        return args.perceptual
    return None if args.tiny else models_root(args.models) / DEFAULT_FOLDER


def _check_flags(args) -> None:
    """Refuse nonsense before anything loads (core/validate.py: one validator for every door)."""
    from core import validate

    for name in ("steps", "batch_size", "grad_accum", "n_frames", "checkpoint_every"):
        validate.integer(getattr(args, name), f"--{name.replace('_', '-')}", 1)
    validate.integer(args.resolution, "--resolution", *validate.CROP_RANGE)
    _check_resolution(args.resolution)
    validate.number(args.lr, "--lr", 1e-12)
    validate.unit(args.noise_rate, "--noise-rate")
    validate.number(args.pixel_lambda, "--pixel-lambda", 0.0)
    validate.unit(args.audio_drop_rate, "--audio-drop-rate")
    validate.unit(args.emotion_drop_rate, "--emotion-drop-rate")
    validate.integer(args.decode_chunk, "--decode-chunk", 1)
    validate.seed(args.seed)
    _check_device(args.device)
    validate.input_folder(args.data, "the prepared data folder")
    validate.output_folder(args.run, "--run")
    _check_run_folder(args)
    if args.export is not None:
        validate.output_folder(args.export, "--export")
    for flag in ("models", "init"):
        if getattr(args, flag):
            validate.input_folder(getattr(args, flag), f"--{flag}")


# Pixels per latent of the engine's VAE (SD-1.5's AutoencoderKL: 4 blocks, 3 halvings; --tiny's
# halves once, a divisor): another side decodes to another size than the frames it is scored on.
VAE_FACTOR = 8


def _check_resolution(side: int) -> None:
    from core.errors import InputError
    from core.validate import CROP_RANGE

    if side % VAE_FACTOR:
        down, up = side // VAE_FACTOR * VAE_FACTOR, -(-side // VAE_FACTOR) * VAE_FACTOR
        near = f"{down} or {up}" if down >= CROP_RANGE[0] else str(up)
        raise InputError(f"--resolution must be a multiple of {VAE_FACTOR} (the VAE turns "
                         f"{VAE_FACTOR}x{VAE_FACTOR} pixels into one latent), got {side}; "
                         f"try {near}")


def _check_run_folder(args) -> None:
    """A --run that holds checkpoints is continued with --resume, never trained over: a fresh
    run there trimmed the old log to its own rows, replaced the old checkpoints of the same
    steps and kept the later ones, which a later --resume then took up. A run of the other
    stage cannot be resumed (its optimizer state has other parameters). --resume where there
    is no checkpoint is refused too: it trained from step 0 without a word, and a mistyped
    --run cost a whole run's time before anyone saw the log start at step 1."""
    from core.errors import InputError
    from core.training.checkpoint import latest, saved_stage

    found = latest(args.run)
    if found is None:
        if args.resume:
            where = "does not exist" if not Path(args.run).exists() else (
                "holds no checkpoint (no complete checkpoints/step-N folder)")
            raise InputError(f"--resume: --run {args.run} {where}, so there is nothing to "
                             "continue; check the folder, or leave out --resume to start a new "
                             "run at step 0")
        return
    if not args.resume:
        raise InputError(f"--run {args.run} already holds a training run (latest checkpoint "
                         f"{found.name}); add --resume to continue it, or give a new --run "
                         "folder")
    stage = saved_stage(found)
    if stage is not None and stage != args.stage:
        raise InputError(f"--run {args.run} is a stage-{stage} run; continue it with --stage "
                         f"{stage}, or start stage {args.stage} in a new --run with --init "
                         f"{args.run}")


def _check_device(name: str) -> None:
    """A device torch knows and this machine has (an unknown or absent one would otherwise
    train on the CPU without a word)."""
    import torch

    from core.errors import InputError

    try:
        device = torch.device(name)
    except RuntimeError:
        raise InputError(f"--device {name!r} is not a device name; use cpu, cuda or "
                         "cuda:N") from None
    if device.type != "cuda":
        return
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise InputError(f"--device {name}: this machine has no CUDA GPU; use --device cpu")
    if device.index is not None and device.index >= count:
        raise InputError(f"--device {name}: this machine has {count} CUDA GPU(s) "
                         f"(cuda:0 to cuda:{count - 1})")


def _entries(run_dir: str) -> set[str] | None:
    """What the run folder holds before training (None: it does not exist yet)."""
    p = Path(run_dir)
    return {q.name for q in p.iterdir()} if p.is_dir() else None


def _kept_on_interrupt(exc: KeyboardInterrupt, run_dir: str, before: set[str] | None | str) -> int:
    """A run stopped before its first checkpoint cannot be resumed: what it made (the run folder
    it created, or the log and checkpoint folder it added to an existing one) is removed, so no
    half run is left to mistake for one. A checkpoint is a complete, resumable state: kept.
    `before`: _entries() from the start (a str: not the main process, which removes nothing)."""
    from core.cli import interrupted
    from core.training.checkpoint import latest

    kept = latest(run_dir)
    if kept is not None:
        return interrupted(exc, f"the checkpoints written so far are kept (latest: {kept}); "
                                "continue with --resume")
    if isinstance(before, str):
        return interrupted(exc, "no checkpoint was written yet")
    p = Path(run_dir)
    if before is None:
        if p.exists():
            shutil.rmtree(p, ignore_errors=True)
        return interrupted(exc, f"no checkpoint was written yet, so nothing was kept (the run "
                                f"folder {p} it had made is removed)")
    for q in p.iterdir() if p.is_dir() else ():
        if q.name not in before:
            shutil.rmtree(q, ignore_errors=True) if q.is_dir() else q.unlink(missing_ok=True)
    return interrupted(exc, f"no checkpoint was written yet, so nothing was kept (what it had "
                            f"added to {p} is removed; the files that were there stay)")


def _models_name(args) -> str:
    from core.diffusion.loading import models_root

    return f"--models {args.models}" if args.models else f"the default {models_root(None)}"


def _has_trained_unet(models: str | None) -> bool:
    from core.diffusion.loading import models_root

    return models_root(models).joinpath("moee", "unet").is_dir()


class _MicroBar:
    """Inside a step: which micro-batch is done, and the time since the run started."""

    def __init__(self, trainer, total: int):
        self.trainer, self.total, self.t0 = trainer, total, time.monotonic()

    def __call__(self, done: int, of: int) -> None:
        step = self.trainer.step
        line = (f"{_bar_head(step, self.total)} step {step + 1}: micro-batch {done}/{of} "
                f"{time.monotonic() - self.t0:.0f}s")
        progress_bar(f"{line:<79}")  # over the last bar whole


def _bar_head(step: int, total: int) -> str:
    done = int(30 * step / max(total, 1))
    return f"[{'#' * done}{'.' * (30 - done)}] {step}/{total}"


def _bar(step: int, total: int, row: dict) -> None:
    progress_bar(f"{_bar_head(step, total)} loss {row['loss']:.4f} "
                 f"(latent {row['l_latent']:.4f}, pixel {row['l_pixel']:.4f}) "
                 f"{row['seconds']:.0f}s")
