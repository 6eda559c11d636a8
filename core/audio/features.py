"""Per-video-frame speech features: loudness, voicing, pitch, formants, sibilance.

Two stages. `analyse_frames` computes short-time features at a fixed 100 Hz analysis rate,
vectorised over all frames (one FFT per window; LPC by a batched Levinson recursion; formants
from batched companion-matrix eigenvalues). `FrameAggregator` then folds the analysis frames
into video frames (centred on t = i / fps) and normalises loudness with a causal level tracker.
The streaming tracker (core.audio.stream) runs the very same two stages on each new chunk.
The batch path analyses a long take a chunk at a time too, so its working memory does not grow
with the length of the take (only the small per-frame results do).
A video frame reads only its own analysis frames (each sum is over its segment alone) and the
level tracker's reference, so core/audio/window.py gives a window of a long take the whole
take's numbers from the audio under the window and a cheap whole-take loudness pass.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft

from core.audio.io import AudioTrack

# One table of tuning numbers; sources in the comments.
TUNING = {
    "hop_s": 0.010,          # 100 Hz analysis: resolves 60-100 ms stop closures (Rabiner & Schafer)
    "lpc_win_s": 0.025,      # 25 ms formant window (classic LPC formant tracking, Praat default)
    "pitch_win_s": 0.040,    # 3 periods of a 75 Hz voice: autocorrelation pitch (Boersma 1993)
    "preemph": 0.97,         # +6 dB/oct pre-emphasis flattens the glottal tilt before LPC
    "lpc_rate": 8000.0,      # formants below 4 kHz: LPC on a band-limited 8 kHz equivalent
    "lpc_order": 10,         # 2 * (4 kHz / 1 kHz per formant) + 2 (Markel & Gray rule)
    "max_bw_hz": 500.0,      # poles wider than this are spectral tilt, not formants
    "f1_range": (200.0, 1100.0),   # adult F1 range (Peterson & Barney 1952)
    "f2_range": (600.0, 3000.0),   # adult F2 range (Peterson & Barney 1952)
    "f0_range": (70.0, 400.0),     # adult speaking F0
    "voicing_lo": 0.35,      # normalised autocorrelation peak: below = unvoiced (Boersma: 0.45)
    "voicing_hi": 0.70,      # ... above = fully voiced
    "hf_split_hz": 3500.0,   # sibilants (s, sh) put most energy above ~3.5-4 kHz
    "floor_dbfs": -65.0,     # absolute noise gate: quieter than this is silence at any level
    "range_db": 36.0,        # loudness range mapped to 0..1 below the speech reference level
    "gate_db": 30.0,         # relative noise gate: more than this below the reference = silence
    "ref_rise_s": 0.4,       # level tracker follows louder speech fast ...
    "ref_fall_s": 8.0,       # ... and quieter speech slowly (robust to a whisper or a shout)
    "ref_percentile": 90.0,  # batch start value: about where the tracker settles on speech
    "warmup_s": 0.6,         # live input: the first speech heard sets the level quickly ...
    "warmup_rise_s": 0.05,   # ... with this rise time
    # Batch analysis chunk. analyse_frames needs ~14 kB of scratch per analysis frame (measured:
    # 850 MB for 600 s in one pass); 10 s keeps that near 15 MB at no measurable speed cost.
    "chunk_s": 10.0,
}


@dataclass
class Analysis:
    """Short-time features at the analysis rate (one row per hop)."""

    db: np.ndarray       # frame power, dBFS
    voicing: np.ndarray  # normalised autocorrelation peak, 0..1
    f0: np.ndarray       # Hz, 0 where unvoiced
    f1: np.ndarray       # Hz, 0 where not found
    f2: np.ndarray
    hf: np.ndarray       # share of power above hf_split_hz, 0..1


@dataclass
class FrameFeatures:
    """Per video frame: n = round(duration * fps)."""

    fps: float
    energy: np.ndarray   # loudness 0..1 relative to the speaker's level, 0 below the noise gate
    voiced: np.ndarray   # 0..1
    f0: np.ndarray       # Hz, 0 when unvoiced
    f1: np.ndarray       # Hz, 0 when unvoiced / unknown
    f2: np.ndarray
    hf: np.ndarray       # sibilance: share of power above ~3.5 kHz
    dip: np.ndarray      # loudness 0..1 of the quietest 10 ms inside the frame (stop closures)
    db: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # raw dBFS

    @property
    def n(self) -> int:
        return len(self.energy)


def compute_features(track: AudioTrack, fps: float) -> FrameFeatures:
    """Features for every video frame of `track` at `fps`."""
    sr = track.sample_rate
    n_video = int(round(track.duration * fps))
    ana = analyse_track(track.samples, sr)
    # The starting level needs the whole take's loudness, so aggregation waits for all the
    # analysis frames; they are small (6 floats per 10 ms, 1.4 MB for 10 minutes).
    agg = FrameAggregator(sr, fps, ref_db=_initial_reference(ana.db))
    return agg.push(ana, n_video, final=True)


def analyse_track(x: np.ndarray, sr: int, start: int = 0, stop: int | None = None) -> Analysis:
    """Analysis frames start..stop-1 of a whole signal (default: all, 0..ceil(len(x) / hop)),
    computed `chunk_s` at a time.

    Every frame depends only on the samples under its own window, so chunking gives exactly the
    one-pass result while the scratch memory stays bounded by the chunk, not the take."""
    stop = int(np.ceil(len(x) / hop_length(sr))) + 1 if stop is None else stop
    step = max(1, int(round(TUNING["chunk_s"] / TUNING["hop_s"])))
    parts = []
    for first in range(start, stop, step):
        count = min(step, stop - first)
        parts.append(analyse_frames(_chunk(x, sr, first, count), sr, 0, count))
    if not parts:
        return _empty()
    return Analysis(*(np.concatenate(cols) for cols in zip(*(_fields(p) for p in parts))))


def hop_length(sr: int) -> int:
    return int(round(TUNING["hop_s"] * sr))


def context(sr: int) -> int:
    """Samples needed either side of an analysis centre (half the longest window)."""
    return _win(sr, "pitch_win_s") // 2 + 1


def _chunk(x: np.ndarray, sr: int, first: int, count: int) -> np.ndarray:
    """The float32 samples analyse_frames needs for frames first..first+count-1: from
    context(sr) before the first centre to context(sr) after the last, zeros outside `x`
    (as if the signal were padded with silence, without copying all of it)."""
    hop, c = hop_length(sr), context(sr)
    a, b = first * hop - c, (first + count - 1) * hop + c
    out = np.zeros(b - a, np.float32)
    lo, hi = max(a, 0), min(b, len(x))
    if hi > lo:
        out[lo - a:hi - a] = x[lo:hi]
    return out


def _win(sr: int, key: str) -> int:
    return int(round(TUNING[key] * sr)) // 2 * 2


def analyse_frames(padded: np.ndarray, sr: int, first: int, count: int) -> Analysis:
    """Analysis frames first..first+count-1; frame j is centred on sample j*hop of the
    unpadded signal, i.e. index j*hop + context(sr) of `padded` (zeros before the start)."""
    hop, c = hop_length(sr), context(sr)
    centres = c + (first + np.arange(count)) * hop
    long = _frames(padded, centres, _win(sr, "pitch_win_s"))
    short = _frames(padded, centres, _win(sr, "lpc_win_s"))
    voicing, f0 = _pitch(long, sr)
    f1, f2, hf = _spectral(short, sr)
    return Analysis(_power_db(long), voicing, f0, f1, f2, hf)


def analyse_db(x: np.ndarray, sr: int) -> np.ndarray:
    """The `db` column of analyse_track alone, bit for bit: one pass over the samples (rows
    as strided views, not gathered), none of the pitch and formant work (0.04 s for 17
    minutes against 2.3 s for everything)."""
    hop, c, w = hop_length(sr), context(sr), _win(sr, "pitch_win_s")
    n_an = int(np.ceil(len(x) / hop)) + 1
    step = max(1, int(round(TUNING["chunk_s"] / TUNING["hop_s"])))
    parts = []
    for first in range(0, n_an, step):
        count = min(step, n_an - first)
        rows = np.lib.stride_tricks.sliding_window_view(_chunk(x, sr, first, count), w)
        parts.append(_power_db(rows[c - w // 2::hop][:count]))
    return np.concatenate(parts)


def _power_db(long: np.ndarray) -> np.ndarray:
    """Frame power in dBFS over the pitch window (each row on its own), about each row's own
    mean: a DC offset (a cheap sound card's or USB microphone's, 0.01 = -40 dBFS) is no
    loudness, or the mouth would move through every pause."""
    power = np.var(long.astype(np.float64), axis=1)
    return (10.0 * np.log10(power + 1e-12)).astype(np.float32)


def _frames(x: np.ndarray, centres: np.ndarray, width: int) -> np.ndarray:
    idx = centres[:, None] + np.arange(-width // 2, width // 2)[None, :]
    return x[idx]


def _pitch(frames: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Boersma's autocorrelation pitch: windowed autocorrelation divided by the window's own."""
    n, w = frames.shape
    win = np.hanning(w).astype(np.float32)
    x = (frames - frames.mean(axis=1, keepdims=True)) * win
    lo, hi = (int(sr / f) for f in TUNING["f0_range"][::-1])
    hi = min(hi, w // 2)
    nfft = _fft_size(w + hi + 1)  # no circular wrap up to the longest lag
    r = sfft.irfft(np.abs(sfft.rfft(x, nfft, workers=-1)) ** 2, nfft, workers=-1)[:, :hi + 1]
    rw = sfft.irfft(np.abs(sfft.rfft(win, nfft)) ** 2, nfft)[:hi + 1]
    norm = r[:, lo:hi + 1] / (r[:, :1] + 1e-12) / (rw[lo:hi + 1] / rw[0])
    k = np.argmax(norm, axis=1)
    peak = norm[np.arange(n), k]
    voicing = np.clip((peak - TUNING["voicing_lo"]) / (TUNING["voicing_hi"] - TUNING["voicing_lo"]),
                      0.0, 1.0)
    f0 = np.where(voicing > 0, sr / (lo + k), 0.0)
    return voicing.astype(np.float32), f0.astype(np.float32)


def _spectral(frames: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Formants F1/F2 by LPC and the high-band power share, from one FFT per window."""
    n, w = frames.shape
    x = _preemph(frames)
    x = (x * np.hamming(w)).astype(np.float32)
    d = max(1, int(round(sr / TUNING["lpc_rate"])))
    nfft = _fft_size(w + (TUNING["lpc_order"] + 1) * d)
    spec = np.abs(sfft.rfft(x, nfft, workers=-1)) ** 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / sr)
    hf = spec[:, freqs >= TUNING["hf_split_hz"]].sum(1) / (spec.sum(1) + 1e-12)
    # Band-limit to lpc_rate/2, then every d-th autocorrelation lag is that of the decimated
    # signal: LPC at an 8 kHz equivalent without resampling each window.
    band = spec * (freqs < sr / (2 * d))
    r = sfft.irfft(band, nfft, workers=-1)[:, : (TUNING["lpc_order"] + 1) * d: d].astype(np.float64)
    a = _levinson(r, TUNING["lpc_order"])
    f1, f2 = _formants(a, sr / d)
    return f1, f2, hf.astype(np.float32)


def _fft_size(n: int) -> int:
    return int(sfft.next_fast_len(n, real=True))


def _preemph(frames: np.ndarray) -> np.ndarray:
    out = frames.astype(np.float32)
    out[:, 1:] -= TUNING["preemph"] * frames[:, :-1]
    return out


def _levinson(r: np.ndarray, order: int) -> np.ndarray:
    """Levinson-Durbin on many frames at once; returns (n, order+1) with a[:, 0] = 1."""
    n = r.shape[0]
    r = r.copy()
    r[:, 0] = r[:, 0] * (1.0 + 1e-9) + 1e-12  # white-noise floor keeps silent frames stable
    a = np.zeros((n, order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, order + 1):
        acc = np.einsum("nj,nj->n", a[:, :i], r[:, i:0:-1])
        k = -acc / err
        a[:, 1:i + 1] = a[:, 1:i + 1] + k[:, None] * a[:, i - 1::-1][:, :i]
        err = err * (1.0 - k * k)
    return a


def _formants(a: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Lowest two resonances (narrow poles) in the F1 and F2 ranges, 0 where none."""
    n, p1 = a.shape
    p = p1 - 1
    comp = np.zeros((n, p, p))
    comp[:, 0, :] = -a[:, 1:]
    comp[:, np.arange(1, p), np.arange(p - 1)] = 1.0
    roots = np.linalg.eigvals(comp)
    freq = np.angle(roots) * rate / (2 * np.pi)
    bw = -np.log(np.abs(roots) + 1e-12) * rate / np.pi
    ok = (freq > 90.0) & (bw < TUNING["max_bw_hz"])
    freq = np.where(ok, freq, np.inf)
    freq.sort(axis=1)
    f1 = _first_in(freq, TUNING["f1_range"])
    f2 = _first_in(np.where(freq > f1[:, None] + 150.0, freq, np.inf), TUNING["f2_range"])
    return f1.astype(np.float32), f2.astype(np.float32)


def _first_in(freq: np.ndarray, rng: tuple[float, float]) -> np.ndarray:
    inside = np.where((freq >= rng[0]) & (freq <= rng[1]), freq, np.inf)
    first = inside.min(axis=1)
    return np.where(np.isfinite(first), first, 0.0)


def _initial_reference(db: np.ndarray) -> float | None:
    active = db[db > TUNING["floor_dbfs"]]
    return float(np.percentile(active, TUNING["ref_percentile"])) if len(active) else None


class FrameAggregator:
    """Folds analysis frames into video frames, normalising loudness causally.

    Video frame i takes the analysis frames centred in [i - 1/2, i + 1/2) / fps."""

    def __init__(self, sr: int, fps: float, ref_db: float | None = None):
        self.hop_s = hop_length(sr) / sr
        self.fps = float(fps)
        self.ref = ref_db
        self.heard_s = 0.0 if ref_db is None else np.inf  # active speech seen (warm-up)
        self.n_an = 0        # analysis frames received
        self.n_out = 0       # video frames emitted
        self._pending = _empty()
        self._pending_ref = np.zeros(0)

    def push(self, ana: Analysis, limit: int | None = None, final: bool = False) -> FrameFeatures:
        """Add analysis frames; return features for every video frame now complete."""
        self._pending = _concat(self._pending, ana)
        self._pending_ref = np.concatenate([self._pending_ref, self._track_level(ana.db)])
        self.n_an += len(ana.db)
        first = self.n_an - len(self._pending.db)
        stop = self.n_out
        while self._bound(stop) <= self.n_an:  # video frame `stop` has all its analysis frames
            stop += 1
        if final and limit is not None:
            stop = max(stop, limit)
        if limit is not None:
            stop = min(stop, limit)
        feats = fold(self._pending, self._pending_ref, first, np.arange(self.n_out, stop),
                     self.fps, self.hop_s)
        self.n_out = stop
        keep = max(int(self._bound(self.n_out - 1)) - first, 0)
        self._pending = _take(self._pending, keep, len(self._pending.db))
        self._pending_ref = self._pending_ref[keep:]
        return feats

    def _bound(self, i):
        return bound(i, self.fps, self.hop_s)

    def _track_level(self, db: np.ndarray) -> np.ndarray:
        """Reference level after each analysis frame (NaN until speech has been heard)."""
        out = np.empty(len(db))
        ref = self.ref
        floor, gate = TUNING["floor_dbfs"], TUNING["gate_db"]
        up = 1.0 - np.exp(-self.hop_s / TUNING["ref_rise_s"])
        fast = 1.0 - np.exp(-self.hop_s / TUNING["warmup_rise_s"])
        down = 1.0 - np.exp(-self.hop_s / TUNING["ref_fall_s"])
        for j, level in enumerate(db.tolist()):
            if level > floor:
                self.heard_s += self.hop_s
                if ref is None:
                    ref = level
                elif level > ref:
                    ref += (level - ref) * (fast if self.heard_s < TUNING["warmup_s"] else up)
                elif level > ref - gate:
                    ref += (level - ref) * down
            out[j] = np.nan if ref is None else ref
        self.ref = ref
        return out


def bound(i, fps: float, hop_s: float):
    """First analysis frame after video frame i (its window ends at (i + 1/2) / fps)."""
    return np.ceil(((np.asarray(i) + 0.5) / fps) / hop_s - 1e-9).astype(int)


def _segments(n_an: int, first: int, idx: np.ndarray, fps: float, hop_s: float):
    """Each video frame's analysis frames [lo, hi) inside a buffer of `n_an` analysis frames
    starting at analysis frame `first`: (lo clamped into the buffer, hi, has any, count)."""
    lo = np.clip(bound(idx - 1, fps, hop_s) - first, 0, n_an)
    hi = np.clip(bound(idx, fps, hop_s) - first, 0, n_an)
    return np.minimum(lo, n_an - 1), hi, hi > lo, np.maximum(hi - lo, 1)


def fold(a: Analysis, ref: np.ndarray, first: int, idx: np.ndarray, fps: float,
         hop_s: float) -> FrameFeatures:
    """Video frames `idx` from the analysis frames `a` (analysis frame `first` onward) and the
    level tracker's reference after each (`ref`). A frame reads only its own analysis frames
    (every sum is over its segment alone), so any buffer holding them gives the same numbers."""
    n = len(idx)
    if len(a.db) == 0 or n == 0:
        z = np.zeros(n, np.float32)
        return FrameFeatures(fps, z, z, z, z, z, z, z, z - 120.0)
    lo_c, hi, has, cnt = _segments(len(a.db), first, idx, fps, hop_s)
    p, db, r, energy = _loudness(a.db, ref, lo_c, hi, has, cnt)
    dip = _norm(_seg_min(a.db, lo_c, hi, has), r)
    live = energy > 0
    voiced = np.where(live, _seg_sum(a.voicing, lo_c, hi) / cnt, 0.0)
    w = a.voicing * np.sqrt(p)
    f0 = _wmean(a.f0, w * (a.f0 > 0), lo_c, hi)
    f1 = _wmean(a.f1, w * (a.f1 > 0), lo_c, hi)
    f2 = _wmean(a.f2, w * (a.f2 > 0), lo_c, hi)
    hf = np.where(live, _wmean(a.hf, p, lo_c, hi), 0.0)
    gate = live & (voiced > 0)
    cols = [energy, voiced, f0 * gate, f1 * gate, f2 * gate, hf, dip, db]
    return FrameFeatures(fps, *(np.asarray(c, np.float32) for c in cols))


def _loudness(an_db: np.ndarray, ref: np.ndarray, lo_c, hi, has, cnt):
    """(analysis power, frame dB, reference, energy 0..1) of each video frame's segment."""
    p = 10.0 ** (an_db.astype(np.float64) / 10.0)
    power = np.where(has, _seg_sum(p, lo_c, hi) / cnt, 1e-12)
    db = 10.0 * np.log10(power + 1e-12)
    r = np.where(has, ref[np.maximum(hi - 1, 0)], np.nan)
    return p, db, r, _norm(db, r)


def frame_energy(an_db: np.ndarray, ref: np.ndarray, n_video: int, fps: float,
                 hop_s: float) -> np.ndarray:
    """`energy` of video frames 0..n_video-1 as `fold` gives it, from the analysis dB and
    reference alone (no pitch or formants needed)."""
    if len(an_db) == 0 or n_video == 0:
        return np.zeros(n_video, np.float32)
    seg = _segments(len(an_db), 0, np.arange(n_video), fps, hop_s)
    return _loudness(an_db, ref, *seg)[3].astype(np.float32)


def _norm(db: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """dB -> 0..1 below the reference; 0 under either noise gate (or before any speech)."""
    ref = np.nan_to_num(ref, nan=np.inf)
    e = np.clip((db - ref + TUNING["range_db"]) / TUNING["range_db"], 0.0, 1.0)
    gated = (db < TUNING["floor_dbfs"]) | (db < ref - TUNING["gate_db"]) | ~np.isfinite(ref)
    return np.where(gated, 0.0, e)


def _seg_sum(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sum of x[lo:hi] per row, added in order from lo: what a segment sums to depends on
    its own values alone, not on where the buffer starts (a running cumsum's differences
    carry the rounding of everything before them), so a window's frames are the whole
    take's bit for bit."""
    count = np.maximum(hi - lo, 0)
    out = np.zeros(len(lo))
    last = max(len(x) - 1, 0)
    for j in range(int(count.max(initial=0))):
        out += np.where(j < count, x[np.minimum(lo + j, last)], 0.0)
    return out


def _seg_min(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, has: np.ndarray) -> np.ndarray:
    width = int(max((hi - lo).max(initial=1), 1))
    idx = lo[:, None] + np.arange(width)[None, :]
    vals = np.where(idx < hi[:, None], x[np.minimum(idx, len(x) - 1)], np.inf)
    return np.where(has, vals.min(axis=1), -120.0)


def _wmean(x: np.ndarray, w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    ws = _seg_sum(w, lo, hi)
    return np.where(ws > 0, _seg_sum(x * w, lo, hi) / np.maximum(ws, 1e-30), 0.0)


def _empty() -> Analysis:
    z = np.zeros(0, np.float32)
    return Analysis(z, z, z, z, z, z)


def _concat(a: Analysis, b: Analysis) -> Analysis:
    return Analysis(*(np.concatenate([x, y]) for x, y in zip(_fields(a), _fields(b))))


def _take(a: Analysis, lo: int, hi: int) -> Analysis:
    return Analysis(*(x[max(lo, 0):max(hi, 0)] for x in _fields(a)))


def _fields(a: Analysis) -> tuple[np.ndarray, ...]:
    return (a.db, a.voicing, a.f0, a.f1, a.f2, a.hf)
