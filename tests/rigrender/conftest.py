"""Shared by the rig-render tests: the sample portrait's real landmarks and its Warper."""
import pytest

from core.rig.warp import Warper
from tests.rigrender import motions


@pytest.fixture(scope="session")
def p():
    return motions.load()


@pytest.fixture(scope="session")
def warper(p):
    return Warper(p.xy, p.image.shape[:2])
