"""Response metrics kept per ticket as messages happen (reports/metrics.py is the only writer).

Reports aggregate these rows (and the tickets' own origin, outcome and times), never the
messages table.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime
from whatrack.models._types import JSONType


class TicketMetrics(Base):
    """One row per ticket that has messages. `response_seconds` holds every response time of
    the ticket (each lead burst -> the next agent reply), whole seconds, in order: a few numbers
    per ticket, from which average and p90 are exact."""

    __tablename__ = "ticket_metrics"
    __table_args__ = (
        Index("ix_ticket_metrics_conversation", "conversation_id"),
        Index("ix_ticket_metrics_org_responder", "organization_id", "first_responder_id"),
    )

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    messages_in: Mapped[int] = mapped_column(Integer, default=0)
    messages_out: Mapped[int] = mapped_column(Integer, default=0)
    first_lead_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    first_responder_id: Mapped[uuid.UUID | None] = mapped_column()
    # start of the lead's current unanswered burst (NULL once an agent replied)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_count: Mapped[int] = mapped_column(Integer, default=0)
    response_seconds_total: Mapped[int] = mapped_column(Integer, default=0)
    response_seconds: Mapped[list[int]] = mapped_column(JSONType, default=list)
    responders: Mapped[list[str]] = mapped_column(JSONType, default=list)  # user ids, first reply first


class TicketResponder(Base):
    """`TicketMetrics.responders` as rows (ticket, user): the reports join these instead of
    unnesting a JSON array per ticket (bench/README.md: 30% of the agents report's main
    statement). Written with the ticket_metrics row by reports/metrics.py; a ticket's
    responders only grow, `whatrack metrics rebuild` rewrites them."""

    __tablename__ = "ticket_responders"

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # no FK: a departed user stays counted
