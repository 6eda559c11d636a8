"""Live mode soak: loop a recording through the live loop and watch memory and latency.

Run: .venv/bin/python benchmarks/bench_live.py [--minutes 2] [--realtime] [--size 384]
Default: 2 minutes of audio pulled as fast as the loop renders (pull mode), RSS printed every
20 s of audio; --realtime paces the file like a microphone (wall time = audio time) and reports
voice-to-mouth latency (in pull mode the latency column means little: audio is read ahead of the
clock). --stub replaces the renderer by a no-op to soak the audio side alone.
Prints RSS growth from the second report (after warm-up) to the last (should stay within a few MB).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.audio.io import load_audio  # noqa: E402
from core.live.palette import LivePalette  # noqa: E402
from core.live.session import LiveSession  # noqa: E402
from core.live.sources import FileSource  # noqa: E402

TEXT = ("Hello there. My name is Eileen, and I fly to space. Papa bought a map of the moon. "
        "We sailed across a quiet sea, and every morning the sun rose over the water.")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


class StubRenderer:
    def render_pose(self, portrait, pose, size, activity=0.0):
        pose.final_aus = dict(pose.aus)
        return np.zeros((size, size, 3), np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--report-every", type=float, default=20.0, help="seconds of audio")
    ap.add_argument("--realtime", action="store_true")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--stub", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "speech.wav"
        subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-w", str(wav), TEXT],
                       check=True)
        track = load_audio(wav)
    engine, portrait = _renderer(args.stub)
    source = FileSource(track, speed=1.0 if args.realtime else 0.0, loop=True)
    palette = LivePalette(auto=True)  # exercise the voice-emotion thread as well
    session = LiveSession(engine, portrait, source, size=args.size, palette=palette)
    _soak(session, args.minutes * 60, args.report_every)


def _renderer(stub: bool):
    if stub:
        return StubRenderer(), None
    from core.engines import create_engine
    from core.samples import sample_portrait
    engine = create_engine("rig")
    return engine, engine.prepare(sample_portrait())


def _soak(session: LiveSession, seconds: float, every: float) -> None:
    rss, t0, next_report = [], time.perf_counter(), 0.0
    with session.source:
        while session.stats.audio_s < seconds:
            session.poll()
            if session.stats.audio_s >= next_report:
                rss.append(rss_mb())
                st = session.stats
                lat, comp = st.latency_ms.summary(), st.compute_ms.summary()
                print(f"audio {st.audio_s:7.1f} s  wall {time.perf_counter() - t0:7.1f} s"
                      f"  RSS {rss[-1]:7.1f} MB  frames {st.frames:6d}  latency p50 "
                      f"{lat['median']:6.1f} ms  compute p50 {comp['median']:5.1f} ms", flush=True)
                next_report += every
    print(session.stats.report())
    warm = rss[min(1, len(rss) - 1)]  # after the first report: caches and imports are in
    print(f"RSS after warm-up {warm:.1f} MB, last {rss[-1]:.1f} MB, "
          f"growth {rss[-1] - warm:+.1f} MB; "
          f"audio/wall {session.stats.audio_s / (time.perf_counter() - t0):.2f}x")


if __name__ == "__main__":
    main()
