"""The exceptions of the client: one class per kind of answer, built from the API's error body
``{"error": {"status", "code", "message", "details"}}`` and its ``X-Request-Id`` header.

Catch ``ApiError`` for every error answer, a subclass for one kind (``NotFound``, ``PreconditionFailed``,
...); ``TransportError`` is raised when no answer came at all (connection refused, timeout) after the
retries."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

from requests.structures import CaseInsensitiveDict


class FsjClientError(Exception):
    """Base class of everything this client raises."""


class TransportError(FsjClientError):
    """No HTTP answer: the connection failed or timed out (after the retries the request allowed)."""


class ApiError(FsjClientError):
    """An error answer of the API.

    ``status`` (HTTP status), ``code`` (the API's error code, e.g. ``"workflow_conflict"``),
    ``message``, ``details`` (a dict, e.g. ``{"index": 3}`` for a batch) and ``request_id`` (quote it to
    the server's administrator: it is in the server log)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        headers: Any = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}
        self.request_id = request_id
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
        super().__init__(f"{status} {code}: {message}" + (f" (request {request_id})" if request_id else ""))

    @property
    def index(self) -> int | None:
        """The failing record of a batch (``details["index"]``), when the API named one."""
        index = self.details.get("index")
        return index if isinstance(index, int) else None


class BadRequest(ApiError):
    """400: the request is malformed (a domain, a field name, a value, a cursor...)."""


class Unauthorized(ApiError):
    """401: no API key, or one the server refuses (invalid, expired, revoked)."""


class Forbidden(ApiError):
    """403: the key's user may not do this (access rights, read-only key, company)."""


class NotExposed(Forbidden):
    """403 ``not_exposed``: a path or relation leads to a model this key cannot reach."""


class NotFound(ApiError):
    """404: no such record, model (or a model not exposed), method or route."""


class MethodNotAllowed(ApiError):
    """405: the route does not take this HTTP method."""


class Conflict(ApiError):
    """409: the record's state refuses this (e.g. a duplicate external reference)."""


class WorkflowConflict(Conflict):
    """409 ``workflow_conflict`` (and the workflow's other 409s): e.g. starting a completed job."""


class Gone(ApiError):
    """410: e.g. ``cursor_expired``: the change feed no longer has changes that old."""


class PreconditionFailed(ApiError):
    """412: the record changed since it was read (If-Match). ``current_etag`` is its ETag now."""

    @property
    def current_etag(self) -> str | None:
        etag = self.details.get("etag")
        return etag if isinstance(etag, str) else None


class PayloadTooLarge(ApiError):
    """413: the body, a file or a batch is too large."""


class UnsupportedMediaType(ApiError):
    """415: e.g. a file type that the server does not accept."""


class ValidationFailed(ApiError):
    """422: a value is refused (missing field, invalid value, constraint, idempotency key reused...)."""


class RateLimited(ApiError):
    """429: too many requests (``rate_limited``) or refused keys (``too_many_failures``).
    ``retry_after`` is the number of seconds to wait (from ``Retry-After``), or None."""

    @property
    def retry_after(self) -> float | None:
        found = parse_retry_after(self.headers.get("Retry-After"))
        if found is None:
            value = self.details.get("retry_after")
            found = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        return found


class ServerError(ApiError):
    """5xx: the server failed (``internal_error``: quote ``request_id``) or is unavailable."""


WORKFLOW_CODES = {"workflow_conflict", "already_checked_in", "not_checked_in", "signature_required"}

BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
    429: RateLimited,
}


def error_class(status: int, code: str) -> type[ApiError]:
    """The exception class of an answer's status and error code."""
    if status == 403 and code == "not_exposed":
        return NotExposed
    if status == 409 and code in WORKFLOW_CODES:
        return WorkflowConflict
    if status >= 500:
        return ServerError
    return BY_STATUS.get(status, ApiError)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date; None when
    absent or unreadable. Never negative."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return max(moment.timestamp() - (time.time() if now is None else now), 0.0)


def _error_body(body: bytes | str | None) -> dict[str, Any] | None:
    """The ``error`` object of an error answer's JSON body, or None."""
    try:
        error = json.loads(body).get("error") if body else None
    except (ValueError, AttributeError, TypeError):
        return None
    return error if isinstance(error, dict) else None


def error_code(body: bytes | str | None) -> str | None:
    """The API's error code in an answer's body, or None."""
    code = (_error_body(body) or {}).get("code")
    return code if isinstance(code, str) else None


def from_response(status: int, body: bytes | str, headers: Any) -> ApiError:
    """The exception for an error answer: its JSON error body when it has one, else the status and the
    start of the body (e.g. a proxy's HTML page)."""
    headers = CaseInsensitiveDict(headers or {})
    request_id = headers.get("X-Request-Id")
    error = _error_body(body)
    if error is not None:
        code = str(error.get("code") or f"http_{status}")
        message = str(error.get("message") or "")
        details = error.get("details") if isinstance(error.get("details"), dict) else {}
    else:
        text = body.decode(errors="replace") if isinstance(body, bytes) else (body or "")
        code, message, details = f"http_{status}", text.strip()[:500] or f"HTTP {status}", {}
    return error_class(status, code)(status, code, message, details, request_id, headers)
