"""Column helpers shared by the models."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, Enum
from sqlalchemy.dialects.postgresql import JSONB

JSONType = JSON().with_variant(JSONB(), "postgresql")


def str_enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    """An enum stored as its value in a VARCHAR, same on PostgreSQL and SQLite."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def json_default() -> dict[str, Any]:
    return {}
