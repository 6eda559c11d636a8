"""Speech audio: loading (io), per-frame features (features), mouth AUs (visemes), live (stream).

Import the submodules directly; this package imports nothing so `core.audio.io` stays cheap.
"""
