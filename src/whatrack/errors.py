"""Domain errors: one base with status and code, a subclass per case."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    headers: dict[str, str] | None = None  # extra response headers (e.g. Retry-After)

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return ErrorResponse(error=ErrorBody(code=self.code, message=self.message, details=self.details)).model_dump()


class BadRequest(DomainError):
    status_code = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status_code = 415
    code = "unsupported_media_type"


class InvalidCredentials(Unauthorized):
    """Wrong e-mail or password (the same answer for both)."""

    code = "invalid_credentials"


class MetricsTokenRequired(Unauthorized):
    """/metrics needs `Authorization: Bearer <METRICS_TOKEN>`."""

    code = "metrics_token_required"


class WeakPassword(BadRequest):
    """The password breaks the password policy (too short or too common)."""

    code = "weak_password"


class RateLimited(DomainError):
    """Too many failed attempts: retry after `details.retryAfterSeconds` (also `Retry-After`)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, {"retryAfterSeconds": retry_after_seconds})
        self.headers = {"Retry-After": str(retry_after_seconds)}


class ServerError(DomainError):
    """An unexpected failure, already logged with its traceback where it happened."""

    status_code = 500
    code = "internal_error"


def responses(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entry declaring the domain errors a route can answer."""
    return {e.status_code: {"model": ErrorResponse, "description": e.__doc__ or e.code} for e in errors}
