"""Disconnecting a user's real-time connections when their sessions end (logout, password
change, deactivation), and unsubscribing a user from one channel when they lose the right to
it (a conversation assigned away under the restrictive visibility policy). This module is a
leaf (the hub imports it); realtime/revoke.py writes the commands.

The command travels through the outbox like an event: written in the transaction that ends
the session(s), published by the drainer after that commit. So it is durable (retried while
Centrifugo is down), it can never reach a client before the session is gone (a client that
reconnected in between would get a fresh token from a session still alive), and it works
from any process: `whatrack user password` writes the row and the app's drainer, which also
polls, delivers it to the embedded hub. Each publisher turns it into its server's call:
Centrifugo's `disconnect` server API command, the hub's `disconnect_user`.

An unsubscribe rides the same way: Centrifugo's `unsubscribe` by user and channel, the hub's
`unsubscribe_user`. Both send the client the unsubscribe push with code 2000 ("server
unsubscribe", final: the SDK does not resubscribe), so the next publication on that channel
no longer reaches the user, instead of reaching them until their subscription token expires.

The close code is 3014 ("state invalidated"): the SDKs drop their connection and
subscription tokens and reconnect through getToken. So the token endpoint decides: a browser
whose session ended gets 401 and stays disconnected, while the same user's other sessions
(another browser still logged in) reconnect at once and refetch what they may have missed.
"""

from __future__ import annotations

from typing import Any, Final

# Not a channel anyone can subscribe to (no such namespace): the outbox row's marker.
DISCONNECT_USER: Final = "control:disconnect_user"
DISCONNECT_CODE: Final = 3014
DISCONNECT_REASON: Final = "session ended"


def disconnect_target(channel: str, data: dict[str, Any]) -> str | None:
    """The user id if this publication is a disconnect command, else None."""
    if channel != DISCONNECT_USER:
        return None
    user = data.get("user")
    return user if isinstance(user, str) and user else None


UNSUBSCRIBE_USER: Final = "control:unsubscribe_user"


def unsubscribe_target(channel: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """(user id, channel) if this publication is an unsubscribe command, else None."""
    if channel != UNSUBSCRIBE_USER:
        return None
    user, target = data.get("user"), data.get("channel")
    if isinstance(user, str) and user and isinstance(target, str) and target:
        return user, target
    return None
