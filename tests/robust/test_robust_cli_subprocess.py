"""The battery as a user meets it: one case per command through a real `python main.py`
process (its own stderr, exit status and signal handling), chosen from the in-process tables."""
from __future__ import annotations

import pytest

from tests.robust.helpers import run_case_subprocess
from tests.robust.test_robust_battery import BATTERY, case_folder  # noqa: F401  (fixture)

PICK = {"prepare": "non-UTF-8 CSV", "train": "--lr nan", "evaluate": "--out is a folder",
        "mix": "--mix NaN weight", "live": "--emotion NaN weight",
        "render": "--keys NaN intensity", "demo": "--size 0", "doctor": "--models is a file",
        "batch": "--seed negative"}
CASES = [pytest.param(next(c for c in BATTERY[cmd] if c.name == name), id=f"{cmd}: {name}")
         for cmd, name in PICK.items()]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_in_a_real_process(case, case_folder):  # noqa: F811
    run_case_subprocess(case, case_folder)


def test_an_empty_keys_path_is_refused_in_a_real_process(case_folder):  # noqa: F811
    """`render --keys ""` rendered the take with the --mix and no word about the keys."""
    from tests.robust.test_robust_battery import EMPTY_PATHS

    run_case_subprocess(next(c for c in EMPTY_PATHS if c.name == "render --keys"), case_folder)
