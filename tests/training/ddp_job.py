"""One rank of the two-process CPU training test (test_training_distributed.py), started by
`accelerate launch --multi_gpu --num_processes 2` (gloo on CPUs): a few stage-2 steps of the tiny
diffusion engine; each rank writes its loss on its own fixed batch before and after, and a digest
of its trainable weights, to OUT/rank-<i>.json. With STOP_AT, rank 1 alone is asked to stop
during that step."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def digest(params) -> str:
    h = hashlib.sha256()
    for p in params:
        h.update(p.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def stage2_config(steps: int):
    from core.training.trainer import StageConfig

    return StageConfig(stage=2, steps=steps, batch_size=1, grad_accum=2, lr=0.1, warmup_steps=1,
                       n_frames=2, resolution=32, checkpoint_every=steps, weight_decay=0.0,
                       audio_drop_rate=0.0, emotion_drop_rate=0.0, noise_rate=0.0)


def fixed_batch(dataset, rank: int):
    from core.training.sampling import EmotionSampler, SamplingConfig

    cfg = SamplingConfig(compound_rate=0.0, noise_rate=0.0, audio_drop_rate=0.0,
                         emotion_drop_rate=0.0)
    return EmotionSampler(dataset, cfg, seed=[7, rank]).batch(1)


def fixed_loss(trainer, batch) -> float:
    torch.manual_seed(123)
    with torch.no_grad():
        return float(trainer.losses(batch[0])["loss"])


class Fixed:
    """The same batch, noise and timesteps every step: the steps descend the loss measured."""

    def __init__(self, batch, rng):
        self.fixed, self.rng = batch, rng

    def batch(self, size):
        torch.manual_seed(123)
        return self.fixed


class StopOnRank1:
    """A Ctrl-C that reached rank 1 only, during step `at` (`kill -INT` to one process)."""

    def __init__(self, trainer, rank: int, at: int):
        self.trainer, self.rank, self.at = trainer, rank, at

    @property
    def cancelled(self) -> bool:
        return self.rank == 1 and self.trainer.step >= self.at


def main(data: str, run: str, out: str, steps: int, stop_at: int | None = None) -> None:
    torch.set_num_threads(1)
    from core.training.data import ClipDataset
    from core.training.diffusion_adapter import from_diffusion
    from core.training.distributed import make_accelerator
    from core.training.trainer import Trainer

    acc = make_accelerator("no", cpu=True)
    dataset = ClipDataset(data, "train", n_frames=2, resolution=32)
    trainer = Trainer(from_diffusion(tiny=True), dataset, stage2_config(steps), run,
                      accelerator=acc, log=lambda m: None)
    batch = fixed_batch(dataset, acc.process_index)
    trainer.sampler = Fixed(batch, trainer.sampler.rng)
    start = digest(trainer.params)
    before = fixed_loss(trainer, batch)
    stop = StopOnRank1(trainer, acc.process_index, stop_at) if stop_at else None
    result = trainer.run(cancel=stop)
    after = fixed_loss(trainer, batch)
    Path(out, f"rank-{acc.process_index}.json").write_text(json.dumps({
        "world": acc.num_processes, "backend": torch.distributed.get_backend(),
        "before": before, "after": after, "start": start, "weights": digest(trainer.params),
        "step": result.step, "stopped": result.stopped}))
    acc.end_training()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]),
         int(sys.argv[5]) if len(sys.argv) > 5 else None)
