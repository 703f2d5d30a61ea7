"""Write the app's OpenAPI schema as JSON with sorted keys (the web app's types are generated from it).

    python scripts/openapi.py [OUT]        # default: frontend/openapi.json

No database, network or .env is needed: create_app() only builds routers and middleware, its
lifespan (engine, workers) never runs here. The real-time event payloads (whatrack.realtime.events)
travel over the WebSocket, not HTTP, so no route names them: they are added to
components.schemas here, with `ChatEvent` the union the web app receives, discriminated by `type`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from whatrack.app import create_app
from whatrack.realtime import events
from whatrack.settings import REPO_ROOT, Settings

REF_TEMPLATE = "#/components/schemas/{model}"


def _settings() -> Settings:
    # Every value that could change the app's shape is explicit, so the environment is ignored.
    return Settings(
        _env_file=None,  # .env is not read either
        database_url="sqlite+aiosqlite:///:memory:",
        demo=False,
        run_worker=False,
        centrifugo_url=None,
        centrifugo_token_secret="openapi-dump",  # noqa: S106 - not a secret: nothing is signed
    )


def _event_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """(ChatEvent's schema, the definitions it refers to), as OpenAPI components."""
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[events.ChatEvent, Field(discriminator="type")])
    (top, definitions) = TypeAdapter.json_schemas([("ChatEvent", "serialization", adapter)], ref_template=REF_TEMPLATE)
    chat_event = dict(top[("ChatEvent", "serialization")])
    chat_event["title"] = "ChatEvent"
    chat_event["description"] = "A real-time publication on an org or conversation channel."
    return chat_event, dict(definitions.get("$defs", {}))


def build() -> dict[str, Any]:
    schema = create_app(_settings()).openapi()
    components: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    chat_event, definitions = _event_schemas()
    for name, definition in [*definitions.items(), ("ChatEvent", chat_event)]:
        if name in components and components[name] != definition:
            raise SystemExit(f"openapi: event schema {name!r} differs from the HTTP schema of the same name")
        components[name] = definition
    return schema


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "frontend" / "openapi.json"
    text = json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
