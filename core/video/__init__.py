"""Video export: frames stream into ffmpeg (H.264 + AAC) and the file appears only when complete;
parallel.py renders a long take in two processes."""
from core.video.export import ExportResult, VideoWriter, check_output_path, export_video

__all__ = ["ExportResult", "VideoWriter", "check_output_path", "export_video"]
