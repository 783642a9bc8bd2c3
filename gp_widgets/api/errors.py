"""The error hierarchy: every failure the client reports is a :class:`GPError`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .constants import PARAM_LIMIT

if TYPE_CHECKING:
    from .models import GalleryItem

__all__ = [
    "HINTS",
    "hint",
    "GPError",
    "InvalidInputError",
    "ClientClosedError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "TaskFailedError",
    "WaitTimeoutError",
]

HINTS = {
    "unauthorized": "the API key was rejected; check GP_API_KEY or the api_key argument",
    "invalid_move": "unknown move; gp.Move lists the moves",
    "invalid_param": f"param must be a finite number with |param| <= {PARAM_LIMIT:g}",
    "faces_not_ready": "faces are not detected yet; call wait_for_faces() first",
    "face_not_found": "no face with that index in this photo",
    "not_ready": "the variant is not complete yet; call wait() first",
    "image_too_large": "the photo is too large (over 20 MB or 40 megapixels)",
    "unsupported_image": "only PNG and JPEG photos are accepted",
    "invalid_image": "the photo could not be decoded (empty or truncated?)",
    "missing_filename": "the upload needs a non-empty filename",
    "rate_limited": "too many requests; try again in a moment",
    "move_unavailable_offline": "this move needs the service (set GP_API_KEY)",
}
"""What to tell a person about each API error code: the one table errors, widgets and sweeps use."""


def hint(code: str | None) -> str:
    """The user-facing hint for an API error ``code`` ('' when there is none)."""
    return HINTS.get(code or "", "")


class GPError(Exception):
    """Base of every error raised by gp_widgets."""


class InvalidInputError(GPError, ValueError):
    """Input refused before anything was sent (not a PNG/JPEG, non-finite param, ...)."""


class ClientClosedError(GPError, RuntimeError):
    """The client was closed; make a new one (``gp.connect()`` or ``gp.Client(...)``)."""


class APIConnectionError(GPError):
    """The request did not get an HTTP answer (refused, dropped, DNS, ...).

    ``request_sent`` is False when the request never reached the server, the only
    case in which a non-idempotent POST may be retried.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIResponseError(GPError):
    """The server answered something that is not the API's JSON (HTML, garbage, wrong shape)."""


class APIStatusError(GPError):
    """The API answered with an error status; ``code`` is its JSON error code, if any."""

    def __init__(
        self,
        status_code: int,
        code: str | None,
        *,
        method: str = "",
        path: str = "",
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.method = method
        self.path = path
        self.body = body
        self.retry_after = retry_after
        where = f" ({method} {path})" if method else ""
        advice = hint(code)
        label = code or "no error code in the response"
        super().__init__(f"{status_code} {label}{where}" + (f": {advice}" if advice else ""))


class BadRequestError(APIStatusError):
    """400, 413, 415, 422: the request itself is wrong."""


class AuthenticationError(APIStatusError):
    """401 or 403: the key is missing or wrong."""


class NotFoundError(APIStatusError):
    """404: no such document (or it belongs to another team), face or route."""


class ConflictError(APIStatusError):
    """409: the document is not in a state that allows this yet."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is in seconds when the server said."""


class ServerError(APIStatusError):
    """5xx: the service failed."""


class TaskFailedError(GPError):
    """A variant's task ended ``failed``; ``code`` is ``task.error.code``."""

    def __init__(self, code: str | None, item: GalleryItem) -> None:
        self.code = code
        self.item = item
        advice = hint(code)
        super().__init__(f"variant {item.id} failed: {code or 'no error code'}" + (f" ({advice})" if advice else ""))


class WaitTimeoutError(GPError):
    """The wait deadline passed; ``item`` is the last state seen."""

    def __init__(self, item: GalleryItem, timeout: float | None = None, what: str = "task") -> None:
        self.item = item
        self.timeout = timeout
        after = f" after {timeout:g} s" if timeout is not None else ""
        super().__init__(f"{what} for {item.id} not done{after} (last status: {item.task.status})")


def status_error(status_code: int, code: str | None, **kw: Any) -> APIStatusError:
    """The :class:`APIStatusError` subclass that fits ``status_code``."""
    if status_code in (401, 403):
        cls: type[APIStatusError] = AuthenticationError
    elif status_code == 404:
        cls = NotFoundError
    elif status_code == 409:
        cls = ConflictError
    elif status_code == 429:
        cls = RateLimitError
    elif status_code >= 500:
        cls = ServerError
    elif status_code in (400, 413, 415, 422):
        cls = BadRequestError
    else:
        cls = APIStatusError
    return cls(status_code, code, **kw)
