"""Fields shared by the API's serializers."""
from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django_celery_beat.validators import crontab_validator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Ids are 64-bit; anything larger cannot name a row and would overflow SQLite's INTEGER.
MAX_ID = 2**63 - 1
MAX_JSON_CHARS = 20_000


def IdField(**kwargs) -> serializers.IntegerField:  # noqa: N802 - reads like the field class it returns
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class HttpUrlField(serializers.URLField):
    """An http(s) URL; vendor clients speak nothing else."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL."))


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.JSONField):
    """A JSON object of bounded size. NUL characters are refused: PostgreSQL's jsonb cannot store them."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected a JSON object.")
        text = json.dumps(value)
        if len(text) > MAX_JSON_CHARS:
            raise serializers.ValidationError(f"At most {MAX_JSON_CHARS} characters of JSON.")
        if "\\u0000" in text:
            raise serializers.ValidationError("Null characters are not allowed.")
        return value


def cron_validator(value: str) -> None:
    """Five crontab fields (minute hour day month weekday), as the schedules service stores them."""
    parts = value.split()
    if len(parts) != 5:
        raise serializers.ValidationError("A crontab has 5 fields: minute hour day-of-month month day-of-week.")
    if any(len(part) > 64 for part in parts):
        raise serializers.ValidationError("A crontab field may be at most 64 characters long.")
    try:
        crontab_validator(" ".join(parts))
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None
    except ValueError as error:
        raise serializers.ValidationError(str(error)) from None
