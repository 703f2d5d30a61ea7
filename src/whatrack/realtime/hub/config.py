"""Hub configuration, read from the same `config/centrifugo.json` Centrifugo v6 uses."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: str | int | float) -> float:
    """Go duration string ("24h", "1m30s", "500ms") -> seconds. Bare numbers are seconds."""
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    if text in ("", "0"):
        return 0.0
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text):
        raise ValueError(f"invalid duration {value!r}")
    return total


@dataclass(frozen=True, slots=True)
class NamespaceOptions:
    """The Centrifugo channel options the hub implements (others are ignored)."""

    presence: bool = False
    history_size: int = 0
    history_ttl: float = 0.0
    force_recovery: bool = False
    allow_subscribe_for_client: bool = False
    allow_presence_for_client: bool = False
    allow_presence_for_subscriber: bool = False
    allow_history_for_client: bool = False
    allow_history_for_subscriber: bool = False

    @property
    def history_enabled(self) -> bool:
        return self.history_size > 0 and self.history_ttl > 0

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> NamespaceOptions:
        return cls(
            presence=bool(raw.get("presence", False)),
            history_size=int(raw.get("history_size", 0)),
            history_ttl=parse_duration(raw.get("history_ttl", 0)),
            force_recovery=bool(raw.get("force_recovery", False)),
            allow_subscribe_for_client=bool(raw.get("allow_subscribe_for_client", False)),
            allow_presence_for_client=bool(raw.get("allow_presence_for_client", False)),
            allow_presence_for_subscriber=bool(raw.get("allow_presence_for_subscriber", False)),
            allow_history_for_client=bool(raw.get("allow_history_for_client", False)),
            allow_history_for_subscriber=bool(raw.get("allow_history_for_subscriber", False)),
        )


@dataclass(frozen=True, slots=True)
class HubConfig:
    """Everything the hub needs. Defaults are Centrifugo v6's defaults."""

    token_secret: str
    namespaces: dict[str, NamespaceOptions] = field(default_factory=dict)
    without_namespace: NamespaceOptions = NamespaceOptions()
    ping_interval: float = 25.0
    pong_timeout: float = 8.0
    # Bytes waiting to be written to one client before it is disconnected as slow (3008).
    client_queue_max_size: int = 1024 * 1024
    stale_close_delay: float = 10.0
    expired_close_delay: float = 25.0
    expired_sub_close_delay: float = 25.0
    # Seconds to wait for a slow client's socket to take the close frame before dropping it.
    close_timeout: float = 5.0
    history_meta_ttl: float = 720 * 3600.0
    history_max_publication_limit: int = 300
    recovery_max_publication_limit: int = 300
    channel_limit: int = 128
    channel_max_length: int = 255
    message_size_limit: int = 65536
    # Glob patterns; a browser Origin must match one or be the hub's own host. No Origin: allowed.
    allowed_origins: tuple[str, ...] = ()

    @classmethod
    def from_centrifugo_config(cls, path: Path | str, *, token_secret: str, **overrides: Any) -> HubConfig:
        """Read namespaces and client options from a Centrifugo v6 JSON config.

        The token secret comes from the caller (the app's settings), never from the file,
        whose secret is a placeholder production overrides by environment.
        """
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return replace(cls.from_centrifugo_dict(raw, token_secret=token_secret), **overrides)

    @classmethod
    def from_centrifugo_dict(cls, raw: dict[str, Any], *, token_secret: str) -> HubConfig:
        client = raw.get("client", {})
        channel = raw.get("channel", {})
        namespaces = {ns["name"]: NamespaceOptions.from_json(ns) for ns in channel.get("namespaces", [])}
        kwargs: dict[str, Any] = {
            "token_secret": token_secret,
            "namespaces": namespaces,
            "without_namespace": NamespaceOptions.from_json(channel.get("without_namespace", {})),
            "allowed_origins": tuple(client.get("allowed_origins", ())),
        }
        durations = {
            "ping_interval": "ping_interval",
            "pong_timeout": "pong_timeout",
            "stale_close_delay": "stale_close_delay",
            "expired_close_delay": "expired_close_delay",
            "expired_sub_close_delay": "expired_sub_close_delay",
        }
        for key, attr in durations.items():
            if key in client:
                kwargs[attr] = parse_duration(client[key])
        ints = {
            "queue_max_size": "client_queue_max_size",
            "history_max_publication_limit": "history_max_publication_limit",
            "recovery_max_publication_limit": "recovery_max_publication_limit",
            "channel_limit": "channel_limit",
        }
        for key, attr in ints.items():
            if key in client:
                kwargs[attr] = int(client[key])
        if "history_meta_ttl" in channel:
            kwargs["history_meta_ttl"] = parse_duration(channel["history_meta_ttl"])
        if "max_length" in channel:
            kwargs["channel_max_length"] = int(channel["max_length"])
        ws = raw.get("websocket", {})
        if "message_size_limit" in ws:
            kwargs["message_size_limit"] = int(ws["message_size_limit"])
        return cls(**kwargs)

    def namespace_of(self, channel: str) -> NamespaceOptions | None:
        """Options for `channel` ("ns:rest" -> namespace "ns"), None for an unknown namespace."""
        name, sep, _ = channel.partition(":")
        if not sep:
            return self.without_namespace
        return self.namespaces.get(name)
