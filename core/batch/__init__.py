"""Batch rendering: a CSV manifest of takes, rendered by a process pool or by Ray tasks.

    rows = read_manifest("lines.csv")
    report = run_batch(rows, BatchOptions(jobs=2))

Each row goes through `main.py render` (core/cli/render.py: the same validation and atomic
export); a finished row leaves a record beside its output so a re-run skips it.
"""
