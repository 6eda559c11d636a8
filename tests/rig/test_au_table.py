"""The AU table (core/rig/au_table.py) is complete and names only what exists.

It replaced a chain of `if au in (...)` cases; the commit that introduced it proved the two
equal, field by field, on three faces (tests/rig/test_au_table.py at that commit)."""
import numpy as np

from core.emotions import AU_CATALOG
from core.face.frame import FaceFrame
from core.rig.au_basis import AUBasis
from core.rig.au_points import MASKS, POINT_SETS, PROFILES
from core.rig.au_table import AU_SHAPES
from core.rig.rest import canonical_face
from core.rig.tuning import AU_MAGNITUDE, SPREAD_SIGMA


def _terms():
    for shape in AU_SHAPES.values():
        for move in (*shape.moves, *shape.after):
            yield move, (*move.x, *move.y)


def test_every_au_has_a_shape_and_every_name_exists():
    assert set(AU_CATALOG) <= set(AU_SHAPES)
    for shape in AU_SHAPES.values():
        assert shape.spread in SPREAD_SIGMA and (shape.mask is None or shape.mask in MASKS)
    for move, terms in _terms():
        assert move.points in POINT_SETS
        for t in terms:
            assert t.magnitude in AU_MAGNITUDE and t.profile in PROFILES


def test_every_magnitude_is_used():
    used = {t.magnitude for _, terms in _terms() for t in terms}
    import inspect

    from core.rig import au_basis
    rules = inspect.getsource(au_basis)
    dead = [k for k in AU_MAGNITUDE if k not in used and f'"{k}"' not in rules]
    assert not dead, f"magnitudes no AU uses: {dead}"


def test_every_field_is_finite_and_moves_something():
    c = canonical_face()
    basis = AUBasis.build(FaceFrame.from_landmarks(c).to_frame(c[:, :2]))
    assert np.isfinite(basis.matrix).all()
    assert (np.abs(basis.matrix).max(1) > 0.005).all()
