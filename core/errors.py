"""User-facing errors: every message is one clear sentence a user can act on."""
from __future__ import annotations


class MoeeError(Exception):
    """Base class for errors whose message is shown to the user as is (CLI line, GUI dialog)."""


class InputError(MoeeError):
    """A file or argument the user gave cannot be used (no face, unreadable audio, bad flag)."""


class NoFaceError(InputError):
    pass


class FaceTooSmallError(InputError):
    pass


class FaceSmallInPictureError(FaceTooSmallError):
    """The face is big enough to animate once the picture is framed on it (its own pixels,
    cropped), not in the whole picture: the message says how to frame it."""


class AudioError(InputError):
    pass


class NoMicrophoneError(InputError):
    """Live input asked for a microphone the machine does not have. `reason` is what the sound
    library said; the message (CLI wording) says how to use a file instead, and the app words
    its own advice from `reason`."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


class ExportError(MoeeError):
    """Writing the output failed (unwritable path, disk full, encoder failure)."""


class CheckpointError(MoeeError):
    """A model part is missing or does not match what was expected."""


class CheckpointMismatch(CheckpointError):
    """A training checkpoint that reads whole but was saved from another model (other sizes,
    other parameters): not damaged, and no older checkpoint of the same run fits better.
    `detail`: the first difference found (file, parameter, both shapes)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail or message


class Cancelled(MoeeError):
    """The user cancelled a long job."""

    def __init__(self, message: str = "cancelled by the user"):
        super().__init__(message)


class MoeeWarning(UserWarning):
    """Something the user should know that does not stop the job (e.g. several faces found)."""
