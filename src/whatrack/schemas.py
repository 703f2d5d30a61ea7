"""Shared Pydantic bases: camelCase JSON in and out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
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
