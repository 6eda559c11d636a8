"""Live mode (demo booth): microphone in, real-time lip sync, emotion from the palette.

sources.py: where audio comes from (microphone, or a file played at real-time pace);
emotion_controls.py: the emotion in live mode (number keys, a GUI palette, or the audio estimate);
session.py: the loop (audio -> SpeechTracker -> pose -> RigEngine.render_pose -> frame) and its
latency statistics. Qt-free: a window polls `LatestFrame` from a QTimer (STYLE.md, friture).
"""
