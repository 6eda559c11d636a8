"""Speech audio: loading (io), per-frame features (features), mouth AUs (visemes), live (stream),
a window of a long take equal to the whole take's (window).

Import the submodules directly; this package imports nothing so `core.audio.io` stays cheap.
"""
