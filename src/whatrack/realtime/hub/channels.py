"""Per-channel state: subscribers (which are also the presence set) and the history stream.

The stream mirrors centrifuge's memory engine: offsets start at 1 and grow by one per
publication, at most `history_size` are kept, the kept publications are dropped
`history_ttl` after the last publish, and the whole stream (offset and epoch) is forgotten
`history_meta_ttl` after its last use, after which a new epoch starts.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whatrack.realtime.hub.config import NamespaceOptions
from whatrack.realtime.hub.protocol import (
    ERROR_BAD_REQUEST,
    ERROR_UNRECOVERABLE_POSITION,
    ReplyError,
    dumps,
)

if TYPE_CHECKING:
    from whatrack.realtime.hub.client import ClientConnection


def new_epoch() -> str:
    return secrets.token_urlsafe(6)


@dataclass(frozen=True, slots=True)
class Publication:
    offset: int
    data: Any  # decoded copy, for replies built with json.dumps
    data_json: str  # encoded once, for pushes

    def to_reply(self) -> dict[str, Any]:
        return {"data": self.data, "offset": self.offset} if self.offset else {"data": self.data}


@dataclass(frozen=True, slots=True)
class HistoryResult:
    publications: list[Publication]
    offset: int
    epoch: str


class Stream:
    def __init__(self, size: int, ttl: float, meta_ttl: float, now: float) -> None:
        self.size = size
        self.ttl = ttl
        self.meta_ttl = meta_ttl
        self.epoch = new_epoch()
        self.top = 0
        self.items: deque[Publication] = deque()
        self.items_expire_at = 0.0
        self.meta_expire_at = now + meta_ttl if meta_ttl > 0 else 0.0

    def touch_ttl(self, now: float) -> None:
        """Apply the TTLs: drop expired publications; forget an expired stream (new epoch)."""
        if self.meta_expire_at and now >= self.meta_expire_at:
            self.epoch = new_epoch()
            self.top = 0
            self.items.clear()
        elif self.items and now >= self.items_expire_at:
            self.items.clear()

    def touch(self, now: float) -> None:
        """Apply the TTLs, then extend the meta TTL (every access does, as in centrifuge)."""
        self.touch_ttl(now)
        if self.meta_ttl > 0:
            self.meta_expire_at = now + self.meta_ttl

    def add(self, data: Any, data_json: str, now: float) -> Publication:
        self.touch(now)
        self.top += 1
        pub = Publication(self.top, data, data_json)
        self.items.append(pub)
        while len(self.items) > self.size:
            self.items.popleft()
        self.items_expire_at = now + self.ttl
        return pub

    def _iter_from(self, offset: int, reverse: bool) -> Iterator[Publication]:
        """Like memstream.Get with useOffset: start at `offset`, or at the oldest kept one."""
        if not self.items or offset >= self.top + 1:
            return iter(())
        first = self.items[0].offset
        if offset < first or offset > self.items[-1].offset:
            if reverse:
                return iter(())
            return iter(self.items)
        index = offset - first  # offsets in the deque are contiguous
        if reverse:
            return (self.items[i] for i in range(index, -1, -1))
        return (self.items[i] for i in range(index, len(self.items)))

    def get(self, *, since: tuple[int, str] | None, limit: int, reverse: bool, now: float) -> HistoryResult:
        """centrifuge Node.History over the memory broker. limit < 0 = no limit, 0 = position only."""
        if reverse and since is not None and since[0] == 0:
            raise ReplyError(ERROR_BAD_REQUEST)
        self.touch(now)
        pubs: list[Publication] = []
        if since is None:
            if limit != 0:
                source = reversed(self.items) if reverse else iter(self.items)
                for pub in source:
                    if 0 < limit <= len(pubs):
                        break
                    pubs.append(pub)
        else:
            offset, epoch = since
            if epoch and epoch != self.epoch:
                raise ReplyError(ERROR_UNRECOVERABLE_POSITION)
            if not (not reverse and self.top == offset):
                start = offset - 1 if reverse else offset + 1
                if limit != 0:
                    for pub in self._iter_from(start, reverse):
                        if 0 < limit <= len(pubs):
                            break
                        pubs.append(pub)
        return HistoryResult(pubs, self.top, self.epoch)

    def recover(self, offset: int, epoch: str, limit: int, now: float) -> list[Publication] | None:
        """Missed publications after (offset, epoch), or None if they can't all be returned."""
        if epoch and epoch != self.epoch:
            self.touch(now)
            return None
        result = self.get(since=(offset, epoch), limit=limit, reverse=False, now=now)
        pubs = result.publications
        if not pubs:
            return [] if result.offset == offset else None
        if pubs[0].offset == offset + 1 and pubs[-1].offset == result.offset:
            return pubs
        return None


class Channel:
    """One channel: options, encoded name, subscribers (client id -> connection), stream."""

    __slots__ = ("name", "name_json", "options", "stream", "subscribers")

    def __init__(self, name: str, options: NamespaceOptions) -> None:
        self.name = name
        self.name_json = dumps(name)
        self.options = options
        self.subscribers: dict[str, ClientConnection] = {}
        self.stream: Stream | None = None

    def get_stream(self, meta_ttl: float, now: float) -> Stream | None:
        if not self.options.history_enabled:
            return None
        if self.stream is None:
            self.stream = Stream(self.options.history_size, self.options.history_ttl, meta_ttl, now)
        return self.stream

    def presence(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for client_id, conn in self.subscribers.items():
            info: dict[str, Any] = {"user": conn.user, "client": client_id}
            if conn.conn_info is not None:
                info["conn_info"] = conn.conn_info
            chan_info = conn.chan_info(self.name)
            if chan_info is not None:
                info["chan_info"] = chan_info
            result[client_id] = info
        return result

    def presence_stats(self) -> dict[str, int]:
        users = {conn.user for conn in self.subscribers.values()}
        return {"num_clients": len(self.subscribers), "num_users": len(users)}

    def is_garbage(self, now: float) -> bool:
        """No subscribers and no stream worth keeping."""
        if self.subscribers:
            return False
        if self.stream is None:
            return True
        return bool(self.stream.meta_expire_at) and now >= self.stream.meta_expire_at
