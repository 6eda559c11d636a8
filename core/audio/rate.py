"""The engine's analysis rate, in a module that imports nothing: speech features, wav2vec2 and
the audio-emotion model all work on 16 kHz mono (wav2vec2 and emotion2vec were trained at
16 kHz). Here, not only in core/audio/io.py, so that what needs the number alone (live mode's
tuning table, read by `main.py --help`) does not import numpy with io (~60 ms of every --help)."""
SAMPLE_RATE = 16000
