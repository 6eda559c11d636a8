"""The fold guard's test for folded triangles (core/rig/fold_guard.py `_folded`: one gather
of edge differences on triangles oriented alike) finds exactly the triangles whose signed area
changed sign, as computed plainly."""
import numpy as np
import pytest

from core.rig.fold_guard import FoldGuard, _signed_area


def _mesh(seed: int) -> np.ndarray:
    """468 points on a jittered grid, IPD-sized: a mesh with both orientations' triangles."""
    rng = np.random.default_rng(seed)
    g = np.stack(np.meshgrid(np.arange(26), np.arange(18)), -1).reshape(-1, 2)[:468]
    return ((g + rng.uniform(-0.3, 0.3, g.shape)) * 0.06).astype(np.float32)


def _plain(guard: FoldGuard, moved: np.ndarray) -> np.ndarray:
    return np.flatnonzero(_signed_area(moved, tuple(guard.tri.T)) * guard.sign < 0)


@pytest.mark.parametrize("pins", [0, 12])
def test_folded_matches_the_signed_area(pins):
    P = _mesh(pins)
    extra = P[:pins] + np.float32(0.013) if pins else None
    guard = FoldGuard(P, extra)
    # Delaunay orients every triangle alike: turn every other one round, so that both signs of
    # rest triangle are checked
    guard.tri[::2] = guard.tri[::2, ::-1]
    guard.sign = np.sign(_signed_area(guard.P, tuple(guard.tri.T)))
    guard._plus_minus = guard._edge_index()
    assert (guard.sign > 0).any() and (guard.sign < 0).any()
    rng = np.random.default_rng(1)
    found = 0
    for scale in (0.0, 0.005, 0.02, 0.05, 0.1):
        for _ in range(20):
            d = (rng.standard_normal((guard.m, 2)) * scale).astype(np.float32)
            moved = guard.P + d
            want = _plain(guard, moved)
            assert np.array_equal(guard._folded(moved), want)
            found += len(want)
    assert found > 100  # the larger motions fold many triangles


def test_flipped_and_the_guard_unfold():
    guard = FoldGuard(_mesh(3))
    d = (np.random.default_rng(2).standard_normal((478, 2)) * 0.03).astype(np.float32)
    assert len(guard.flipped(d)) > 0
    assert len(guard.flipped(guard(d))) == 0
