"""Operator endpoints behind credentials: /metrics needs `Authorization: Bearer METRICS_TOKEN`
when that setting is given; with PUBLIC_DOCS=false the API docs (/docs, /redoc, /openapi.json)
need a logged-in session. Both read the app's settings at each request."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from whatrack.deps import get_actor
from whatrack.errors import DomainError, MetricsTokenRequired
from whatrack.settings import Settings

METRICS_PATH = "/metrics"


class OperatorPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = await self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _refusal(self, scope: Scope) -> JSONResponse | None:
        path: str = scope["path"]
        app = scope["app"]
        settings: Settings = app.state.settings
        if path == METRICS_PATH and settings.metrics_token:
            sent = Request(scope).headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {settings.metrics_token}".encode()):
                error = MetricsTokenRequired("Send Authorization: Bearer <METRICS_TOKEN>")
                return JSONResponse(error.body(), status_code=401, headers={"WWW-Authenticate": "Bearer"})
            return None
        if settings.public_docs:  # the default: nothing more to check on every request
            return None
        if path in (app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url):
            try:
                await get_actor(Request(scope))  # a GET: the session cookie is all it checks
            except DomainError as exc:  # not logged in, session expired
                return JSONResponse(exc.body(), status_code=exc.status_code)
        return None
