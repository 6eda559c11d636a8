"""Every number that tunes face streaming, with its source."""
from __future__ import annotations

STREAM = {
    # Default ports. Live Link Face: the iPhone app's default target port (Unreal's Live Link
    # Face plugin listens there). VMC: 39539, the marionette port of the VMC protocol spec
    # (protocol.vmc.info; also the `vmc` crate's performer example).
    "livelink_port": 11111,
    "vmc_port": 39539,
    "subject": "MoEE",
    # Sender queue. Live: a few frames at most, older ones are dropped so latency cannot grow
    # (the live loop already renders at the frame rate). Takes: an hour at 30 fps, the longest
    # voice render takes (a queued FaceSample is ~1.9 KB, measured with tracemalloc: 10 minutes
    # at 25 fps ~28 MB, a full queue ~200 MB; it was said to be a few hundred bytes, ~4 MB).
    "live_queue_frames": 4,
    "take_queue_frames": 60 * 60 * 30,
    # A live stream's frames are paced by the clock that makes them (a microphone's, the audio
    # player's), which may run faster than this machine's: held to exactly 1/fps, each frame
    # waited a little longer than the one before until the queue was full (4 frames, 160 ms
    # at 25 fps, after 1/drift frames). Its sends may come this much sooner than 1/fps; a
    # take's go exactly at the frame rate.
    "live_slack": 0.1,
    # A sender woken late (a loaded machine: up to 0.14 s measured while a take renders with
    # two workers on two cores) sends the frames that waited sooner, keeping the frame rate;
    # one further behind than this (a stall, a laptop asleep) restarts the cadence from now
    # rather than send a burst.
    "catch_up_s": 1.0,
    # A send that fails (unreachable network, bad route) is counted; the status turns red after
    # this many in a row and green again on the next success.
    "errors_for_red": 3,
    # A stream whose last frame went longer ago than this says "waiting", not "sending"
    # (playback paused; 25 frames at 25 fps).
    "idle_s": 1.0,
    # A host name still being looked up after this long says so on the command line (a DNS
    # server that does not answer holds getaddrinfo 5-30 s: glibc's 5 s timeout, 2 attempts,
    # per server); a healthy lookup takes milliseconds.
    "lookup_note_s": 1.0,
    # How long a stopped sender may take to finish the datagram in flight.
    "join_s": 1.0,
    # VMC bone rest offsets (metres, Unity axes: x to the avatar's right, y up, z forward), so a
    # receiver that applies positions keeps bones where a VRM rig has them. Eyes: the `vmc`
    # crate's performer example (a VRM 0 model); head over the neck: ~1/3 of a 0.25 m head.
    "vmc_head_offset": (0.0, 0.08, 0.0),
    "vmc_left_eye_offset": (-0.016, 0.062, 0.022),
    "vmc_right_eye_offset": (0.016, 0.062, 0.022),
}
