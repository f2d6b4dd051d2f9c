"""Edge checks every request value passes: text PostgreSQL can store and integers a bigint can hold.

A NUL character or a lone surrogate would otherwise reach the database (or the UTF-8 encoder) and fail there
as a 500; an integer beyond a bigint would overflow in SQL. Refused here, they are a 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, field_validator

INT64_MAX = 2**63 - 1  # PostgreSQL bigint: ids, offsets and counts are stored or compared as one


def check_text(value: str) -> str:
    """`value` unchanged, or a ValueError saying what to remove."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000), which text cannot hold; remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate (\\ud800-\\udfff), which is not Unicode text; send UTF-8") from None
    return value


def check_value(value: Any) -> Any:
    """Every string and integer inside `value` (lists, tuples, dicts), checked; models check themselves."""
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise ValueError(f"is outside the 64-bit integer range (at most {INT64_MAX})")
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_value(key)
            check_value(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_value(item)
    return value


class RequestModel(BaseModel):
    """Base of every request body: each declared field passes `check_value`."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return check_value(value)


def check_question(value: str) -> str:
    """The question without surrounding blanks; a blank one says what to do."""
    value = value.strip()
    if not value:
        raise ValueError("question is empty: ask something")
    return value


SafeText = Annotated[str, AfterValidator(check_text)]
Question = Annotated[str, AfterValidator(check_question)]  # of /v1/query and of a conversation's follow-up
RowId = Annotated[int, Path(ge=1, le=INT64_MAX, description="a positive id")]
Offset = Annotated[int, Query(ge=0, le=INT64_MAX)]
