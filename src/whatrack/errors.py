"""Domain errors: one base with status and code, a subclass per case.

Every subclass that sets its own `code` is registered: `all_codes()` is the closed list that
the OpenAPI schema publishes (`ErrorBody.code` is an enum of it), docs/api.md tables, and the
web app translates (`errors.<code>` in frontend/src/i18n). Classes without a code of their own
(`BadRequest`, `NotFound`, ...) only group cases by status and cannot be raised. The English
message is developer text; `details` carries what the UI needs (a size limit, a field name).
All cases live in this module, so the schema is complete once it is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel

_REGISTRY: dict[str, type[DomainError]] = {}


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = ""
    headers: dict[str, str] | None = None  # extra response headers (e.g. Retry-After)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("code")
        if not code:
            return
        if cls.__module__ != __name__:
            raise TypeError(f"{cls.__name__}: define domain errors in {__name__}, so the schema lists them")
        if code in _REGISTRY:
            raise TypeError(f"{cls.__name__}: code {code!r} is already used by {_REGISTRY[code].__name__}")
        _REGISTRY[code] = cls

    def __init__(self, message: str | None = None, details: Any = None) -> None:
        if "code" not in type(self).__dict__:
            raise TypeError(f"{type(self).__name__} has no code of its own: raise one of its subclasses")
        message = message or meaning(type(self))
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return ErrorResponse(error=ErrorBody(code=self.code, message=self.message, details=self.details)).model_dump()


def meaning(cls: type[DomainError]) -> str:
    """First line of the class docstring: the default message and the docs' meaning column."""
    return (cls.__doc__ or cls.code).strip().splitlines()[0]


def all_codes() -> list[str]:
    """Every error code the API can answer, sorted."""
    return sorted(_REGISTRY)


def catalog() -> list[tuple[str, int, str]]:
    """(code, HTTP status, meaning) for every code, by status then code."""
    return sorted(((c, e.status_code, meaning(e)) for c, e in _REGISTRY.items()), key=lambda r: (r[1], r[0]))


def markdown_table() -> str:
    """The table of codes in docs/api.md (`python -m whatrack.errors` prints it)."""
    rows = [f"| `{code}` | {status} | {text} |" for code, status, text in catalog()]
    return "\n".join(["| Code | HTTP | Meaning |", "|---|---|---|", *rows])


# --- groups by status (not raisable) -------------------------------------------------------
class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class BadGateway(DomainError):
    status_code = 502


# --- protocol-level cases ------------------------------------------------------------------
class PayloadTooLarge(DomainError):
    """The request body is larger than the server accepts (`details.maxBytes`)."""

    status_code = 413
    code = "payload_too_large"


class InvalidCharacters(BadRequest):
    """The query string carries a NUL character (%00), which no parameter accepts."""

    code = "invalid_characters"


class UnsupportedMediaType(DomainError):
    """Content-Type not accepted here (send JSON or multipart/form-data)."""

    status_code = 415
    code = "unsupported_media_type"


class RouteNotFound(NotFound):
    """No such route."""

    code = "route_not_found"


class MethodNotAllowed(DomainError):
    """This route does not accept this HTTP method."""

    status_code = 405
    code = "method_not_allowed"


class ValidationFailed(DomainError):
    """Invalid request: `details` lists each field (`loc`, `msg`, `type`)."""

    status_code = 422
    code = "validation_error"


class MalformedRequest(BadRequest):
    """The request could not be parsed (malformed body or form)."""

    code = "malformed_request"


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


# --- authentication and permissions --------------------------------------------------------
class NotAuthenticated(Unauthorized):
    """Not logged in (no session cookie)."""

    code = "not_authenticated"


class SessionExpired(Unauthorized):
    """The session expired or was revoked: log in again."""

    code = "session_expired"


class ApiTokenInvalid(Unauthorized):
    """The API token is not one of this server's."""

    code = "api_token_invalid"


class ApiTokenRevoked(Unauthorized):
    """The API token was revoked."""

    code = "api_token_revoked"


class ApiTokenExpired(Unauthorized):
    """The API token expired."""

    code = "api_token_expired"


class PasswordChangeRequired(Forbidden):
    """Choose a new password first (POST /api/v1/auth/password): this one was temporary."""

    code = "password_change_required"


class CsrfFailed(Forbidden):
    """Missing or wrong X-CSRF-Token header."""

    code = "csrf_failed"


class AdminRequired(Forbidden):
    """Only organization admins can do this."""

    code = "admin_required"


class ChannelForbidden(Forbidden):
    """That real-time channel belongs to another organization."""

    code = "channel_forbidden"


class InvalidChannel(BadRequest):
    """Unknown real-time channel: expected chat:org:<id> or chat:conversation:<id>."""

    code = "invalid_channel"


class AccountNotFound(NotFound):
    """The session's user or organization no longer exists."""

    code = "account_not_found"


class UserNotFound(NotFound):
    """No user with this e-mail."""

    code = "user_not_found"


class UserEmailTaken(Conflict):
    """A user with this e-mail already exists."""

    code = "user_email_taken"


class MemberNotFound(NotFound):
    """No member of this organization with this id."""

    code = "member_not_found"


class LastAdmin(Conflict):
    """The organization's last active admin cannot be demoted or deactivated."""

    code = "last_admin"


class WrongPassword(BadRequest):
    """The current password is wrong."""

    code = "wrong_password"


class AuthSessionNotFound(NotFound):
    """No session of yours with this id."""

    code = "session_not_found"


class OrganizationNotFound(NotFound):
    """Organization not found."""

    code = "organization_not_found"


class UnknownTimeZone(BadRequest):
    """Unknown time zone (`details.timezone`): use an IANA name like America/Sao_Paulo."""

    code = "unknown_time_zone"


class BusinessHoursInvalid(BadRequest):
    """Business hours: per weekday (mon..sun) [start, end] times HH:MM, start first (`details.day`, `details.index`)."""

    code = "business_hours_invalid"


class BusinessHoursOverlap(BadRequest):
    """Two business-hours intervals of the same day overlap (`details.day`)."""

    code = "business_hours_overlap"


class BusinessHoursEmpty(BadRequest):
    """Business hours need at least one interval in the week."""

    code = "business_hours_empty"


# --- request contents ------------------------------------------------------------------------
class NothingToUpdate(BadRequest):
    """Nothing to update: the body changes no field."""

    code = "nothing_to_update"


class InvalidCursor(BadRequest):
    """Invalid pagination cursor."""

    code = "invalid_cursor"


class ConversationSourceUnknown(BadRequest):
    """Unknown origin to filter the inbox by (`details.allowed`)."""

    code = "conversation_source_unknown"


class InvalidAround(BadRequest):
    """`around` must be a message id (UUID) and cannot be combined with `cursor`."""

    code = "invalid_around"


class SearchDatesReversed(BadRequest):
    """Message search: `from` is after `to`."""

    code = "search_dates_reversed"


class WaitingThresholdInvalid(BadRequest):
    """Waiting thresholds are whole minutes from 1 to 10080 (`details.field`)."""

    code = "waiting_threshold_invalid"


class WaitingWarnNotBelowAlert(BadRequest):
    """The waiting warning (amber) must come before the alert (red): warn < alert."""

    code = "waiting_warn_not_below_alert"


class InvalidBody(BadRequest):
    """Invalid message body: `details` lists each field (`loc`, `msg`, `type`)."""

    code = "invalid_body"


class MissingField(BadRequest):
    """A required form field is missing (`details.field`)."""

    code = "missing_field"


class InvalidField(BadRequest):
    """A form field has an invalid value (`details.field`)."""

    code = "invalid_field"


class EmptyFile(BadRequest):
    """The uploaded file is empty."""

    code = "empty_file"


# --- conversations, messages, leads, tickets -------------------------------------------------
class ConversationNotFound(NotFound):
    """Conversation not found."""

    code = "conversation_not_found"


class ApiTokenNotFound(NotFound):
    """No such API token in this organization."""

    code = "api_token_not_found"


class ApiTokenUserNotMember(BadRequest):
    """The user an API token acts as must be an active member of this organization."""

    code = "api_token_user_not_member"


class ApiTokenExpiryPast(BadRequest):
    """An API token's expiry must be in the future."""

    code = "api_token_expiry_past"


class AssigneeNotMember(BadRequest):
    """That user is not a member of this organization."""

    code = "assignee_not_member"


class MessageNotFound(NotFound):
    """Message not found."""

    code = "message_not_found"


class MessageEmpty(BadRequest):
    """Message is empty: send content or a file."""

    code = "message_empty"


class ReplyToOtherConversation(BadRequest):
    """replyToId is a message of another conversation."""

    code = "reply_to_other_conversation"


class MessageNotRetryable(Conflict):
    """Only FAILED messages can be retried (`details.status` is the message's status)."""

    code = "message_not_retryable"


class MediaNotFound(NotFound):
    """This message has no media."""

    code = "media_not_found"


class MediaFileMissing(NotFound):
    """The media file of this message is missing on the server."""

    code = "media_file_missing"


class PhoneInvalid(BadRequest):
    """The phone number could not be read (`details.phone`): give it with area code."""

    code = "phone_invalid"


class NotOnWhatsapp(BadRequest):
    """This number has no WhatsApp account (WuzAPI's /user/check), `details.phone`."""

    code = "not_on_whatsapp"


class LeadNotFound(NotFound):
    """Lead not found."""

    code = "lead_not_found"


class QuickReplyNotFound(NotFound):
    """Quick reply not found (or it is a colleague's personal one)."""

    code = "quick_reply_not_found"


class QuickReplyShortcutTaken(Conflict):
    """A quick reply with this shortcut already exists in that scope (`details.shortcut`)."""

    code = "quick_reply_shortcut_taken"


class MentionNotMember(BadRequest):
    """A mentioned user is not a member of this organization (`details.userId`)."""

    code = "mention_not_member"


class VoiceNoteInvalid(BadRequest):
    """The recording could not be converted to a WhatsApp voice note (Ogg/Opus)."""

    code = "voice_note_invalid"


class VoiceNoteUnavailable(DomainError):
    """Voice notes need ffmpeg on the server, and it is not installed."""

    status_code = 503
    code = "voice_note_unavailable"


class MediaStoreUnavailable(DomainError):
    """The media store (S3-compatible object storage) did not answer; try again."""

    status_code = 503
    code = "media_store_unavailable"


class ContactUnidentifiable(BadRequest):
    """Cannot identify the contact: no phone number or LID."""

    code = "contact_unidentifiable"


class TicketNotFound(NotFound):
    """Ticket not found."""

    code = "ticket_not_found"


class TicketAlreadyResolved(Conflict):
    """The ticket is already closed (`details.ticketNumber`)."""

    code = "ticket_already_resolved"


class TicketNotResolved(Conflict):
    """The ticket is not closed, so it cannot be reopened (`details.ticketNumber`)."""

    code = "ticket_not_resolved"


class TicketAlreadyOpen(Conflict):
    """Another ticket is already open in this conversation (`details.ticketNumber`): close it first."""

    code = "ticket_already_open"


# --- instances, webhooks and WuzAPI --------------------------------------------------------
class InstanceNotFound(NotFound):
    """Instance not found."""

    code = "instance_not_found"


class InstanceAlreadyAdded(Conflict):
    """This WuzAPI user is already added as an instance."""

    code = "instance_already_added"


class InstanceHasConversations(Conflict):
    """The instance has conversations and cannot be deleted: disconnect or log it out instead."""

    code = "instance_has_conversations"


class InstanceAlreadyPaired(Conflict):
    """The instance is already paired with a phone: log it out first."""

    code = "instance_already_paired"


class InstanceDisconnected(Conflict):
    """The instance is disconnected: connect it first."""

    code = "instance_disconnected"


class WebhookSignatureInvalid(Unauthorized):
    """Bad or missing x-hmac-signature on a webhook."""

    code = "webhook_signature_invalid"


class WebhookSecretInvalid(Unauthorized):
    """Bad or missing webhook secret."""

    code = "webhook_secret_invalid"


class WebhookBusy(DomainError):
    """Too many webhook bytes in flight for this instance: send again after `Retry-After`."""

    status_code = 503
    code = "webhook_busy"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, {"retryAfterSeconds": retry_after_seconds})
        self.headers = {"Retry-After": str(retry_after_seconds)}


class WebhookOverloaded(DomainError):
    """The ingest queue is full (WEBHOOK_QUEUE_MAX): answered at once, send again after `Retry-After`."""

    status_code = 503
    code = "overloaded"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, {"retryAfterSeconds": retry_after_seconds})
        self.headers = {"Retry-After": str(retry_after_seconds)}


class InvalidWebhookPayload(BadRequest):
    """The webhook body is not a WuzAPI event we can read."""

    code = "invalid_webhook_payload"


class WuzapiCredentialsRequired(BadRequest):
    """baseUrl and token (or createUser with an admin token) are required."""

    code = "wuzapi_credentials_required"


class WuzapiAdminCredentialsMissing(BadRequest):
    """createUser needs the WuzAPI URL and admin token (in the request or the server settings)."""

    code = "wuzapi_admin_credentials_missing"


class WuzapiAdminTokenRejected(BadRequest):
    """WuzAPI rejected the admin token."""

    code = "wuzapi_admin_token_rejected"


class WuzapiTokenInvalid(BadRequest):
    """WuzAPI rejected the token: use the token of an existing WuzAPI user."""

    code = "wuzapi_token_invalid"


class WuzapiUrlInvalid(BadRequest):
    """The WuzAPI URL is not usable: http(s)://host[:port][/path], without user:password, query or fragment."""

    code = "wuzapi_url_invalid"


class WuzapiHostNotAllowed(BadRequest):
    """This server may not call WuzAPI at that host (WUZAPI_ALLOWED_HOSTS)."""

    code = "wuzapi_host_not_allowed"


class WuzapiUserExists(Conflict):
    """A WuzAPI user with this token already exists."""

    code = "wuzapi_user_exists"


class WuzapiRefused(BadRequest):
    """WuzAPI refused the request (`details.reason` is its own words)."""

    code = "wuzapi_refused"


class WuzapiUnreachable(BadGateway):
    """Could not reach WuzAPI."""

    code = "wuzapi_unreachable"


class WuzapiTokenRejected(BadGateway):
    """WuzAPI rejected this instance's token (was the user deleted or its token changed?)."""

    code = "wuzapi_token_rejected"


class WuzapiFailed(BadGateway):
    """WuzAPI answered with an unexpected error (`details.wuzapiStatus`, `details.reason`)."""

    code = "wuzapi_error"


# --- reports (issue 11) ---------------------------------------------------------------------
class ReportRangeInverted(BadRequest):
    """The report's `from` date is after its `to` date."""

    code = "report_range_inverted"


class ReportDateOutOfRange(BadRequest):
    """A report date before 2000 or after 2999 (`details.min`, `details.max`)."""

    code = "report_date_out_of_range"


class ReportRangeTooLong(BadRequest):
    """The report's range is longer than two years (`details.maxDays`)."""

    code = "report_range_too_long"


class ReportModelUnknown(BadRequest):
    """Unknown attribution model (`details.allowed`)."""

    code = "report_model_unknown"


class ReportGroupUnknown(BadRequest):
    """Unknown attribution grouping (`details.allowed`)."""

    code = "report_group_unknown"


class ReportFormatUnknown(BadRequest):
    """Unknown report format: json or csv (`details.allowed`)."""

    code = "report_format_unknown"


class ReportOtherAgentForbidden(Forbidden):
    """Agents see only their own figures."""

    code = "report_other_agent_forbidden"


class LeadsDateInvalid(BadRequest):
    """A leads list date is not a date: YYYY-MM-DD (`details.field`)."""

    code = "leads_date_invalid"


class LeadsRangeInverted(BadRequest):
    """The leads list's `createdFrom` is after its `createdTo`."""

    code = "leads_range_inverted"


# --- follow-ups and scheduled messages (issue 10) -----------------------------------------
class FollowUpSequenceNotFound(NotFound):
    """Follow-up sequence not found."""

    code = "follow_up_sequence_not_found"


class FollowUpSequenceNoSteps(BadRequest):
    """A follow-up sequence needs at least one step."""

    code = "follow_up_sequence_no_steps"


class FollowUpSequenceTooManySteps(BadRequest):
    """A follow-up sequence has at most `details.maxSteps` steps."""

    code = "follow_up_sequence_too_many_steps"


class FollowUpDelayInvalid(BadRequest):
    """A step's delay must be more than 0 and at most 365 days (`details.step`, `details.maxMinutes`)."""

    code = "follow_up_delay_invalid"


class FollowUpStepEmpty(BadRequest):
    """A step's message is empty (`details.step`)."""

    code = "follow_up_step_empty"


class FollowUpMediaInvalid(BadRequest):
    """A step's file is not one uploaded to this organization (`details.step`)."""

    code = "follow_up_media_invalid"


class FollowUpSequenceInUse(Conflict):
    """This sequence was used on tickets: archive it instead of deleting it."""

    code = "follow_up_sequence_in_use"


class FollowUpSequenceArchived(Conflict):
    """This sequence is archived: it cannot be started."""

    code = "follow_up_sequence_archived"


class TicketInFollowUp(Conflict):
    """The ticket is already in a follow-up sequence."""

    code = "ticket_in_follow_up"


class TicketNotInFollowUp(Conflict):
    """The ticket has no follow-up running."""

    code = "ticket_not_in_follow_up"


class ScheduledMessageNotFound(NotFound):
    """Scheduled message not found."""

    code = "scheduled_message_not_found"


class ScheduledMessageNotPending(Conflict):
    """This scheduled message was already sent or cancelled (`details.status`)."""

    code = "scheduled_message_not_pending"


class SendAtInPast(BadRequest):
    """The send time is in the past."""

    code = "send_at_in_past"


class SendAtTooFar(BadRequest):
    """The send time is more than a year ahead."""

    code = "send_at_too_far"


class SnoozeInPast(BadRequest):
    """The snooze time is in the past."""

    code = "snooze_in_past"


class SnoozeTooFar(BadRequest):
    """The snooze time is more than a year ahead."""

    code = "snooze_too_far"


def for_http_status(status: int) -> type[DomainError]:
    """The case for an error raised by the framework (Starlette's HTTPException) with this status."""
    by_status: dict[int, type[DomainError]] = {
        404: RouteNotFound,
        405: MethodNotAllowed,
        413: PayloadTooLarge,
        415: UnsupportedMediaType,
        422: ValidationFailed,
    }
    return by_status.get(status, ServerError if status >= 500 else MalformedRequest)


# What every route behind a session can answer (reads; writes add the CSRF check).
SESSION: tuple[type[DomainError], ...] = (
    NotAuthenticated,
    SessionExpired,
    ApiTokenInvalid,
    ApiTokenRevoked,
    ApiTokenExpired,
    PasswordChangeRequired,
)
WRITE: tuple[type[DomainError], ...] = (*SESSION, CsrfFailed)


def responses(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entry declaring the errors a route can answer, grouped by status;
    a status group (e.g. `NotFound`) stands for every case it holds. 422 (`validation_error`,
    our shape rather than FastAPI's default one) is declared for every route."""
    by_status: dict[int, list[type[DomainError]]] = {}
    wanted: list[type[DomainError]] = [*errors, ValidationFailed]
    for err in wanted:
        cases = [err] if "code" in err.__dict__ else [e for e in _REGISTRY.values() if issubclass(e, err)]
        for case in cases:
            listed = by_status.setdefault(case.status_code, [])
            if case not in listed:
                listed.append(case)
    return {
        status: {"model": ErrorResponse, "description": "\n".join(f"- `{e.code}`: {meaning(e)}" for e in cases)}
        for status, cases in sorted(by_status.items())
    }


# Built last, from the registry filled above: the schema lists every code.
if TYPE_CHECKING:
    ErrorCode = str
else:
    ErrorCode = Literal[tuple(all_codes())]


class ErrorBody(BaseModel):
    code: ErrorCode
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


if __name__ == "__main__":
    print(markdown_table())
