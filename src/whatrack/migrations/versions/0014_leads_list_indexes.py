"""Leads list: indexes for its first-touch filters

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09 10:00:00.000000

`GET /api/v1/leads?source=...` and `?campaign=...` filter on the lead's first touch and page by
(created_at, id), newest first: one index each, so a filtered page reads its rows in order.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch:
        batch.create_index("ix_leads_org_first_source", ["organization_id", "first_source", "created_at", "id"])
        batch.create_index("ix_leads_org_first_campaign", ["organization_id", "first_campaign", "created_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch:
        batch.drop_index("ix_leads_org_first_campaign")
        batch.drop_index("ix_leads_org_first_source")
