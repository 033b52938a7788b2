"""What can go wrong in a round, as domain exceptions with Chinese messages (the skins phrase the
rest: the CLI adds an exit code, the web page a status code)."""

from __future__ import annotations

from xltools.errors import XltoolsError


class RoundError(XltoolsError):
    """A round action that is refused: it contradicts the round's rules (exit 2)."""

    code = "round"


class NotFound(RoundError):
    """No such round, unit, upload, or a link that is not (or no longer) valid."""

    code = "not_found"


class Refused(RoundError):
    """The action is not allowed now (the round is closed, the upload has errors, …)."""

    code = "refused"


class UploadRefused(RoundError):
    """An upload that is not taken at all (too large, wrong type): logged, never stored."""

    code = "upload_refused"


class StoreError(RoundError):
    """The data folder cannot be used (newer data version, damaged, not writable)."""

    code = "store"


class LoginRefused(RoundError):
    """A wrong office password, or too many wrong ones in a row (`wait` seconds to go)."""

    code = "login"

    def __init__(self, message: str, *, wait: float = 0.0, **kw):
        super().__init__(message, **kw)
        self.wait = wait


__all__ = ["LoginRefused", "NotFound", "Refused", "RoundError", "StoreError", "UploadRefused"]
