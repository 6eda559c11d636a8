"""MoEE Palette engine core. No Qt anywhere below this package (tests/test_layout.py enforces it)."""
