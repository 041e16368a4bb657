"""Constrained types every request schema uses for numbers and one-line texts.

- `FiniteFloat` / `FiniteDecimal`: JSON as Python reads it accepts `NaN` and `Infinity`; a score of `NaN`
  reached `Decimal.quantize` and answered 500. Every number a request carries is one of these (422 otherwise).
- `SingleLine`: titles, names and codes end up in e-mail headers,
  file names, PDF lines and spreadsheet cells; a CR/LF there broke the mail builder. Trimmed, no control
  characters (C0, DEL, C1) nor Unicode line/paragraph separators.

- `RequestModel`: the base of every request body: a field the model does not know is refused (422 naming it).
  `POST /campaigns` with a misspelt `late_polcy` used to be accepted with the default silently applied.
- `PartialUpdate`: the base of a PATCH body where only the fields sent change. Its fields are optional so that
  they may be left out, not so that they may be null: `null` is refused (422) except for the fields listed in
  `clearable` (those whose stored value may be empty). `"education_levels": null` used to reach a NOT NULL
  column and answer 500.

`tests/common/test_request_types.py` walks every service's request schemas and fails on a float, Decimal or
title/name/code string field that does not use these.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
FiniteDecimal = Annotated[Decimal, Field(allow_inf_nan=False)]

_LINE_BREAKS = {"\u2028", "\u2029", "\x85"}


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" or ch in _LINE_BREAKS for ch in text)


def _refuse_control_characters(text: str) -> str:
    if has_control_characters(text):
        raise PydanticCustomError("single_line", "Chỉ được một dòng, không chứa ký tự điều khiển (xuống dòng, tab…)")
    return text


# Trimmed, no control characters; a field states its length with Field(min_length=…, max_length=…) or
# Annotated[SingleLine, StringConstraints(max_length=…)].
SingleLine = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_refuse_control_characters)]


def unpaired_surrogate_at(value: Any, path: str = "") -> str | None:
    """Where in a decoded JSON value a string holds half of a UTF-16 surrogate pair (`"\\ud800"` alone), or None.
    JSON allows the escape and Python decodes it, but no UTF-8 text can hold it: stored, it made every later answer
    that carries the text fail to encode (a draft no device could open again)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            where = unpaired_surrogate_at(key, path) if isinstance(key, str) else None
            where = where if where is not None else unpaired_surrogate_at(item, f"{path}.{key}" if path else str(key))
            if where is not None:
                return where
    elif isinstance(value, list):
        for index, item in enumerate(value):
            where = unpaired_surrogate_at(item, f"{path}[{index}]")
            if where is not None:
                return where
    return None


class RequestModel(BaseModel):
    """A request body: unknown fields refused, and no text that UTF-8 cannot hold (see `unpaired_surrogate_at`)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unpaired_surrogates(cls, data: Any) -> Any:
        where = unpaired_surrogate_at(data) if isinstance(data, dict | list) else None
        if where is not None:
            raise PydanticCustomError("unpaired_surrogate", "Văn bản có ký tự không hợp lệ ({where}): một nửa cặp "
                                      "mã UTF-16 đứng lẻ. Hãy gõ lại ký tự đó.", {"where": where or "nội dung"})
        return data


class PartialUpdate(RequestModel):
    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError("not_nullable", "Không được gửi null; bỏ trường này nếu không muốn thay đổi.")
        return value
