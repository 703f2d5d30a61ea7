"""Browser hardening on every response (issue 18, finding 8): a strict Content-Security-Policy,
no framing, a same-origin Referrer-Policy, nosniff — and media that a browser could run.

Media comes from strangers (a lead's file) and from agents: an SVG, HTML or XML file served
inline from our origin runs its scripts with the viewer's session (it read the webhook secrets
and renamed the organization). So /api/v1/media answers inline only for types a browser
displays without running anything (`inline_safe`: PNG, JPEG, GIF, WebP, audio, video, PDF);
everything else goes out as an `attachment` of type `application/octet-stream`, and a media
response carries its own CSP with `sandbox` (no script, no same-origin) — PDFs excepted, since
Chrome's viewer refuses sandboxed documents; their CSP still allows no script of ours.

A pure ASGI middleware: it adds precomputed header pairs at `http.response.start` and reads
nothing else, so the webhook path pays a closure and a list concatenation. It also answers 400
`invalid_characters` to a query string with a NUL (`%00`), which no parameter accepts and
PostgreSQL refuses in text (it was a 500).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whatrack.errors import InvalidCharacters
from whatrack.settings import Settings

MEDIA_PREFIX = "/api/v1/media/"
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
SAFE_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
OCTET_STREAM = "application/octet-stream"

_COMMON: list[tuple[bytes, bytes]] = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
# FastAPI's Swagger UI and ReDoc pages load their bundles from jsDelivr and start them inline.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def inline_safe(content_type: str | None) -> bool:
    """May a browser show this type inline from our origin? Only types that run no script."""
    main = (content_type or "").split(";", 1)[0].strip().lower()
    return main in SAFE_INLINE_TYPES or main.startswith(("audio/", "video/"))


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(settings: Settings) -> str:
    """The web app's policy: scripts and styles from this origin only, the real-time WebSocket
    (same origin, or CENTRIFUGO_WS_URL's), media from here or the S3 endpoint browsers reach."""
    ws = _origin(settings.centrifugo_ws_url)
    storage: list[str] = []
    if str(getattr(settings, "media_store_url", None) or "").startswith("s3://"):  # presigned media URLs
        endpoint = getattr(settings, "s3_public_endpoint_url", None) or getattr(settings, "s3_endpoint_url", None)
        storage.append(_origin(endpoint) or "https://*.amazonaws.com")
    media = " ".join(["'self'", "data:", "blob:", *storage])
    connect = " ".join(["'self'", *([ws] if ws else [])])
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {media}; media-src {media}; "
        f"font-src 'self' data:; connect-src {connect}; worker-src 'self' blob:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-src 'none'; frame-ancestors 'none'"
    )


def _media_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A media response: unsafe types become an octet-stream attachment; its own sandboxed CSP."""
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"").decode("latin-1")
    safe = inline_safe(content_type)
    out: list[tuple[bytes, bytes]] = []
    for key, value in headers:
        name = key.lower()
        if name in (b"x-content-type-options", b"content-security-policy"):
            continue  # set below, once
        if not safe and name == b"content-type":
            value = OCTET_STREAM.encode()
        elif not safe and name == b"content-disposition" and value.lower().startswith(b"inline"):
            value = b"attachment" + value[len(b"inline") :]
        out.append((key, value))
    if not safe and not any(k.lower() == b"content-disposition" for k, _ in out):
        out.append((b"content-disposition", b"attachment"))
    sandbox = "" if content_type.split(";", 1)[0].strip().lower() == "application/pdf" else "; sandbox"
    out.append((b"content-security-policy", (_MEDIA_CSP + sandbox).encode()))
    return out


class SecurityHeaders:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self._app_headers = [*_COMMON, (b"content-security-policy", content_security_policy(settings).encode())]
        self._docs_headers = [*_COMMON, (b"content-security-policy", _DOCS_CSP.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b""):  # PostgreSQL refuses NUL in text: a 400 here
            await self._refuse_nul(scope, receive, send)
            return
        path: str = scope["path"]
        media = path.startswith(MEDIA_PREFIX)
        extra = self._docs_headers if path in DOCS_PATHS else self._app_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                if media and message["status"] < 300:
                    message["headers"] = [*_media_headers(list(headers)), *_COMMON]
                else:
                    message["headers"] = [*headers, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse_nul(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = InvalidCharacters("The query string carries a NUL character (%00)")
        response = JSONResponse(error.body(), status_code=error.status_code, headers=dict(_decoded(self._app_headers)))
        await response(scope, receive, send)


def _decoded(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
