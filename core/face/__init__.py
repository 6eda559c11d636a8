"""Face analysis: image loading, MediaPipe Face Mesh landmarks, the IPD face frame, regions."""
