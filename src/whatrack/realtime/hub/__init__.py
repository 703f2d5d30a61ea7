"""Embedded real-time hub speaking Centrifugo's client protocol v2 (JSON over WebSocket).

Used when CENTRIFUGO_URL is not set: the app serves `/connection/websocket` itself and the
unchanged Centrifugo SDKs (centrifuge-js, centrifuge-python) connect to it.
"""

from whatrack.realtime.hub.config import HubConfig, NamespaceOptions, parse_duration
from whatrack.realtime.hub.hub import Hub

__all__ = ["Hub", "HubConfig", "NamespaceOptions", "parse_duration"]
