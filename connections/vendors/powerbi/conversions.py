"""Type conversions of a source value into a Power BI column's type (docs/vendors/powerbi.md §4): pure.

Used where a person mapped a Visma field to a Power BI column in the wizard, so the field's own type may not
be the column's: an amount kept as text, a date without a time, a flag as "Y"/"N". A value that cannot be
converted raises `ConversionError` with the reason, and the record is quarantined with it, never guessed.
"""
from __future__ import annotations

import math
from datetime import date, datetime

from connections.vendors.powerbi.schema import BOOLEAN, DATETIME, DOUBLE, INT64, MAX_STRING_LENGTH, STRING

TRUE = {"true", "yes", "y", "1", "on"}
FALSE = {"false", "no", "n", "0", "off"}


class ConversionError(ValueError):
    pass


def _number_text(value: str) -> str:
    """'1 234,50' and '1234.50' alike: Visma companies in Norway and Sweden write decimal commas."""
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text


def to_double(value) -> float:
    if isinstance(value, bool):
        raise ConversionError("is true/false, not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(_number_text(value))
        except ValueError:
            raise ConversionError(f"{value[:40]!r} is not a number") from None
    else:
        raise ConversionError(f"is {type(value).__name__}, not a number")
    if not math.isfinite(number):
        raise ConversionError("is not a finite number")
    return number


def to_int64(value) -> int:
    number = to_double(value)
    if number != int(number):
        raise ConversionError(f"{value!r} is not a whole number")
    return int(number)


def to_boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ConversionError(f"{str(value)[:40]!r} is not true/false")


def to_datetime(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat()
    if not isinstance(value, str):
        raise ConversionError(f"is {type(value).__name__}, not a date")
    text = value.strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise ConversionError(f"{value[:40]!r} is not an ISO 8601 date or date-time") from None


def to_string(value) -> str:
    if isinstance(value, (dict, list)):
        raise ConversionError("is a nested object, not a value: map one of its fields")
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if len(text) > MAX_STRING_LENGTH:
        raise ConversionError(f"is {len(text):,} characters long; Power BI takes at most {MAX_STRING_LENGTH:,}")
    return text


CONVERSIONS = {INT64: to_int64, DOUBLE: to_double, BOOLEAN: to_boolean, DATETIME: to_datetime, STRING: to_string}


def convert(value, data_type: str):
    """`value` as a value of `data_type`; None stays None (row_problems decides whether it is required)."""
    if value is None or value == "":
        return None
    return CONVERSIONS.get(data_type, to_string)(value)
