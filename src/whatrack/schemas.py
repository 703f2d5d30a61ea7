"""Shared Pydantic bases: camelCase JSON in and out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        from_attributes=True,
        serialize_by_alias=True,
        # Output JSON always carries fields that have defaults: the OpenAPI schema says so (required),
        # so the generated web-app types do not make them optional.
        json_schema_serialization_defaults_required=True,
    )


class InputModel(CamelModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
        serialize_by_alias=True,
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """No text field takes a NUL character: PostgreSQL refuses it in text (a 500 before)."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL (\\u0000)")
        if isinstance(value, list | tuple) and any(isinstance(v, str) and "\x00" in v for v in value):
            raise ValueError("text must not contain NUL (\\u0000)")
        return value
