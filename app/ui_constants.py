"""Every number that tunes the GUI's look and behaviour, in one table."""
from __future__ import annotations

from core.paths import resources_dir

from core.audio.io import SAMPLE_RATE
from core.desktop import APP_NAME  # noqa: F401  one name: windows, settings, the launcher
from core.validate import MAX_INTENSITY as INTENSITY_MAX  # noqa: F401  the one ceiling (core)

ORG_NAME = "MoEE"
RESOURCES = resources_dir()
SAMPLE_VOICE = RESOURCES / "samples" / "sample_voice.wav"
THEME_QSS = RESOURCES / "theme.qss"

# Sliders: integer positions per unit weight (QSlider is integer-valued).
SLIDER_STEPS = 100
WEIGHT_MAX = 1.0  # free mode: each expert intensity in [0, WEIGHT_MAX]

# Control -> frame latencies the window keeps (the status bar shows the newest; bench_gui reads
# 60): a plain list grew by one a preview frame for as long as the app ran (a booth's day)
LATENCY_SAMPLES = 1000

# Undo: consecutive edits of the same control within this window merge into one step.
UNDO_MERGE_WINDOW_S = 0.8

# AU grid: intensity a freshly forced AU gets, and what a preset forces its core AUs to.
AU_FORCED_DEFAULT = 0.8
PRESET_CORE_AU_INTENSITY = 0.7
AU_GRID_COLUMNS = 2

# Hexagon picker.
HEX_MIN_SIZE = 220  # pixels
HEX_MARGIN = 28  # pixels around the hexagon for the corner labels
HEX_HANDLE_RADIUS = 8
HEX_SPOKE_WIDTH = 5  # pixels: one spoke per emotion when the point can't picture the mix
# Corner order around the hexagon (clockwise from the top): neighbours are the pairs that form
# Du et al.'s common compounds (happily surprised, fearfully surprised, sadly fearful, ...).
HEX_CORNER_ORDER = ("happy", "surprised", "fearful", "sad", "disgusted", "angry")

# Preview and playback.
PREVIEW_SIZE = 384  # longest side of preview frames, pixels
PREVIEW_FPS = 25
PLAYBACK_POLL_MS = 10  # GUI timer that shows the frame for the audio clock
RING_FRAMES = 50  # frames the clip worker may render ahead of the playhead (2 s at 25 fps)
FPS_WINDOW = 25  # frames averaged for the fps readout
SILENT_DURATION_S = 5.0  # timeline length when no audio is loaded
SCRUB_STEPS_PER_S = 100  # scrub slider resolution
# The scrub slider's narrowest (logical px): a 7-second take is then ~43 px a second. Where one
# transport row would leave it less, it takes a row of its own with the play button: at 150% on
# a 1280x720 laptop (853 logical px) one row left it 33 px, at 200% on 1920x1080 (960) 77 px.
SCRUB_MIN_WIDTH = 300

# Audio.
AUDIO_RATE = SAMPLE_RATE
# min/max envelope points drawn: ~1.5-3 a pixel of a laptop's strip. Repainting the filled outline
# took 18 ms at 2,000 points and 59 ms at 4,000 (offscreen, 1200 px strip, app/audio_strip.py)
WAVEFORM_POINTS = 2000
RECORD_MAX_S = 60.0

# Window.
WINDOW_SIZE = (1440, 900)
PALETTE_DOCK_WIDTH = 480
# ... and at most this share of a narrower window's width: the preview and its scrub slider keep
# the other half (at 150% on a 1280x720 laptop, 853 logical px, 480 left the preview 367)
PALETTE_DOCK_SHARE = 0.5
# Laptop screens (issue 14): the window must fit 1280x720. The palette never asks for more than
# PALETTE_MIN_WIDTH (wider content scrolls); the AU grid reflows to as many columns as fit.
PALETTE_MIN_WIDTH = 400
AU_CELL_MIN_WIDTH = 260  # one AU cell: button, name, intensity slider, produced bar
STATUS_LABEL_MAX_WIDTH = 260  # status bar fields elide beyond this
SCROLLBAR_ALLOWANCE = 24  # pixels kept for the palette's vertical scroll bar
AUDIO_DOCK_HEIGHT = 190
RECENT_FILES_MAX = 8
STATUS_MESSAGE_MS = 6000
# an unsaved project is copied for crash recovery this long after its last change (core/
# recovery.py): long enough that a slider drag writes once, short enough to lose little
AUTOSAVE_MS = 3000
# and at the latest this long after the first change not yet copied, however the changes go on
AUTOSAVE_LONGEST_MS = 20000
SETTINGS_VERSION = 1

# Export dialog.
EXPORT_SIZES = (256, 384, 512, 768, 1024)
EXPORT_POLL_MS = 100
# Path field width range, pixels: it grows with the path up to the cap, and to what the screen
# leaves beside the rest of the dialog (DIALOG_SCREEN_MARGIN); longer paths show their end (the
# file name) and the tooltip has all of it.
EXPORT_PATH_WIDTH = (420, 820)

# Help dialogs (app/help_menu.py): text laid out this wide, plus room for the frame, the scroll
# bar and the Close button.
HELP_TEXT_WIDTH = 680
HELP_TEXT_ALLOWANCE = (48, 80)
# Dialogs that size themselves to their content (help texts, the export dialog's path) keep this
# far from the edges of the screen's free area: room for a window frame.
DIALOG_SCREEN_MARGIN = 16

# Keys on the audio strip (emotion over time).
KEY_WIDTH = 2  # marker line width, pixels
KEY_SELECTED_WIDTH = 5
KEY_NEUTRAL_COLOR = "#9aa0a6"  # a key whose mix has no gate
KEY_SELECTED_COLOR = "#ffffff"  # outline drawn around the selected marker's label
KEY_GHOST_ALPHA = 170  # proposals (auto keys) are dashed and a little transparent
KEY_CLICK_TOLERANCE_S = 0.08  # a click this close to a key picks it
GATE_CURVE_RATE = 25  # samples per second of the keyed gate curves on the strip
# ... and at most this many samples in all (a longer take's curve is sampled more thinly): the
# curve is rebuilt on the GUI thread at every palette edit, and a 20-minute keyed take (30,000
# samples) held each edit for 1.6 s, a slider drag for many; ~2 samples per pixel of a strip
GATE_CURVE_MAX_POINTS = 3000

# Live window (demo booth).
LIVE_POLL_MS = 10  # GUI timer that shows the newest live frame
LIVE_WINDOW_SIZE = (720, 760)

# Threads and garbage (app/workers.py, app/gui_gc.py). Qt objects must die on the GUI thread:
# workers' signal objects are released there, and the cycle collector runs there on a timer
# (the pyqtgraph GarbageCollector recipe; pyqtgraph/util/garbage_collector.py).
SWEEP_AGAIN_MS = 250  # second sweep after a worker finishes, once its pool thread let go
GC_INTERVAL_MS = 50  # GUI-thread collection check; short, so a burst of allocations in a worker
# (a model loading) is collected in small pieces: at 1 s one gen-0 pass took 78 ms (bench_gui)
# a full pass (the whole heap: 250-370 ms with torch loaded, bench_soak) only once the objects
# grown old since the last one are this share of those it left: CPython's own rule (gcmodule.c,
# long_lived_pending < long_lived_total / 4), which the timer's collector had skipped
GC_FULL_PASS_GROWTH = 0.25
