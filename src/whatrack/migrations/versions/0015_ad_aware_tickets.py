"""Ad-aware tickets: the ad's facts apart from campaign, ad campaign names, touches

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 11:00:00.000000

A Click-to-WhatsApp ticket keeps what the ad showed (headline, body, link, thumbnail) in columns
of its own; `campaign` holds a campaign only when one is known (utm_campaign or the ad's `ref`):
until now the ad's headline landed there, so past tickets whose campaign is their ad's headline
lose it (the headline moves to ad_headline, and the lead's first campaign follows). Admins name
ads as campaigns (ad_campaigns); an ad click on an already open ticket is a touch (ticket_touches).
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from alembic import op

import whatrack.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(ad: dict[str, Any], key: str) -> str | None:
    value = ad.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _url(ad: dict[str, Any], key: str) -> str | None:
    value = _text(ad, key)
    return value if value and value.lower().startswith(("https://", "http://")) else None


def _known_campaign(ad: dict[str, Any]) -> str | None:
    url = _text(ad, "sourceURL")
    if url:
        try:
            utm = parse_qs(urlsplit(url).query).get("utm_campaign")
        except ValueError:
            utm = None
        if utm and utm[0]:
            return utm[0]
    return _text(ad, "ref")


def _backfill() -> None:
    bind = op.get_bind()
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Uuid()),
        sa.column("conversation_id", sa.Uuid()),
        sa.column("number", sa.Integer()),
        sa.column("source", sa.String()),
        sa.column("campaign", sa.String()),
        sa.column("referral", sa.JSON()),
        sa.column("ad_headline", sa.String()),
        sa.column("ad_body", sa.Text()),
        sa.column("ad_source_url", sa.Text()),
        sa.column("ad_thumbnail_url", sa.Text()),
    )
    rows = bind.execute(
        sa.select(
            tickets.c.id, tickets.c.conversation_id, tickets.c.number, tickets.c.campaign, tickets.c.referral
        ).where(tickets.c.source == "meta_ads")
    ).all()
    for row in rows:
        referral = row.referral if isinstance(row.referral, dict) else {}
        ad = referral.get("externalAdReply")
        if not isinstance(ad, dict):
            continue
        headline = _text(ad, "title")
        campaign = row.campaign
        if campaign is not None and campaign == headline and _known_campaign(ad) != campaign:
            campaign = None
        bind.execute(
            tickets.update()
            .where(tickets.c.id == row.id)
            .values(
                campaign=campaign,
                ad_headline=headline[:500] if headline else None,
                ad_body=_text(ad, "body"),
                ad_source_url=_url(ad, "sourceURL"),
                ad_thumbnail_url=_url(ad, "thumbnailURL") or _url(ad, "mediaURL"),
            )
        )
        if row.number == 1 and campaign != row.campaign:
            bind.execute(
                sa.text(
                    "UPDATE leads SET first_campaign = :campaign WHERE id = "
                    "(SELECT lead_id FROM conversations WHERE id = :conv) AND first_campaign = :old"
                ),
                {"campaign": campaign, "conv": row.conversation_id, "old": row.campaign},
            )


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch:
        batch.add_column(sa.Column("ad_headline", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("ad_body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("ad_source_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("ad_thumbnail_url", sa.Text(), nullable=True))
        batch.create_index("ix_tickets_org_ad", ["organization_id", "ad_id"], unique=False)
    op.create_table(
        "ad_campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("ad_id", sa.String(length=128), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=False),
        sa.Column("updated_at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "ad_id"),
    )
    op.create_table(
        "ticket_touches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("medium", sa.String(length=64), nullable=True),
        sa.Column("ad_id", sa.String(length=128), nullable=True),
        sa.Column("ad_headline", sa.String(length=500), nullable=True),
        sa.Column("ctwa_clid", sa.String(length=255), nullable=True),
        sa.Column("ad_source_url", sa.Text(), nullable=True),
        sa.Column("at", whatrack.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_touches", schema=None) as batch:
        batch.create_index("ix_ticket_touches_ticket", ["ticket_id", "at"], unique=False)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("ticket_touches", schema=None) as batch:
        batch.drop_index("ix_ticket_touches_ticket")
    op.drop_table("ticket_touches")
    op.drop_table("ad_campaigns")
    with op.batch_alter_table("tickets", schema=None) as batch:
        batch.drop_index("ix_tickets_org_ad")
        batch.drop_column("ad_thumbnail_url")
        batch.drop_column("ad_source_url")
        batch.drop_column("ad_body")
        batch.drop_column("ad_headline")
