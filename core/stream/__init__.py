"""Face streaming: each frame's 52 ARKit blendshapes plus head and eye rotation, sent over UDP
to Unreal (Live Link Face protocol, core.stream.livelink) or to VTubing tools (VMC protocol over
OSC, core.stream.vmc). No Qt here: the CLI and the app share it.

    with open_stream("livelink://127.0.0.1:11111", fps=25) as stream:
        for frame in engine.frames(job):
            stream.push(frame)
"""
from core.stream.streamer import FaceStreamer, StreamStatus, open_stream
from core.stream.target import StreamTarget, make_target, parse_stream_url

__all__ = ["FaceStreamer", "StreamStatus", "StreamTarget", "make_target", "open_stream",
           "parse_stream_url"]
