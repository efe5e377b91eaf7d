"""Connections. Credentials go in, never out: responses name the credentials that are set and show
the values of the non-secret ones (client ids, user names) only."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.fields import HttpUrlField
from connections.models import Connection
from connections.selectors import connection_credentials_summary, connection_name_taken, connection_url_refusals
from connections.services import destination_changes, secrets_missing
from connections.vendors import get_vendor, vendor_choices
from connections.vendors.base import Vendor

CREDENTIAL_HELP = ("Write-only. Keys are the vendor's credential field names (GET /api/v1/vendors); "
                   "unknown keys are refused.")


def _credential_values() -> serializers.DictField:
    return serializers.DictField(child=serializers.CharField(max_length=2000, allow_blank=True), write_only=True,
                                 help_text=CREDENTIAL_HELP)


def _config_values(**kwargs) -> serializers.DictField:
    return serializers.DictField(child=serializers.CharField(max_length=500, allow_blank=True), **kwargs)


def check_credentials(vendor: Vendor, credentials: dict, *, complete: bool) -> None:
    known = [f.name for f in vendor.credential_fields]
    unknown = sorted(set(credentials) - set(known))
    if unknown:
        raise serializers.ValidationError({"credentials": (
            f"Unknown credential field(s) for {vendor.label}: {', '.join(unknown)}. Expected: {', '.join(known)}.")})
    if complete:
        missing = [f.name for f in vendor.credential_fields if f.required and not credentials.get(f.name)]
        if missing:
            raise serializers.ValidationError({"credentials": f"Missing for {vendor.label}: {', '.join(missing)}."})


def check_destinations(vendor: Vendor, *, tenant_id: int, base_url: str | None, config: dict | None) -> None:
    """The base URL and URL settings must be hosts this connection may call (checked again at every call)."""
    urls = {"base_url": base_url or "", **{f.name: (config or {}).get(f.name, "") for f in vendor.config_fields
                                           if f.url}}
    refusals = connection_url_refusals(tenant_id=tenant_id, kind=vendor.kind, urls=urls)
    if refusals:
        raise serializers.ValidationError({
            ("base_url" if name == "base_url" else "config"): why for name, why in refusals.items()})


def check_config(vendor: Vendor, config: dict) -> None:
    known = [f.name for f in vendor.config_fields]
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise serializers.ValidationError({"config": (
            f"Unknown setting(s) for {vendor.label}: {', '.join(unknown)}. "
            f"Expected: {', '.join(known) or 'none'}.")})
    missing = [f.name for f in vendor.config_fields if f.required and not config.get(f.name)]
    if missing:
        raise serializers.ValidationError({"config": f"Required for {vendor.label}: {', '.join(missing)}."})


class ConnectionCreateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=vendor_choices())
    name = serializers.CharField(max_length=200)
    base_url = HttpUrlField(max_length=500, required=False, allow_blank=True,
                            help_text="Leave out for the vendor's production API; point it at a sandbox to test.")
    credentials = _credential_values()
    config = _config_values(required=False, default=dict, help_text="Non-secret settings (GET /api/v1/vendors).")

    def validate_name(self, value):
        if connection_name_taken(tenant=self.context["tenant"], name=value):
            raise serializers.ValidationError("A connection with this name exists already.")
        return value

    def validate(self, attrs):
        vendor = get_vendor(attrs["kind"])
        check_credentials(vendor, attrs["credentials"], complete=True)
        check_config(vendor, attrs["config"])
        check_destinations(vendor, tenant_id=self.context["tenant"].pk, base_url=attrs.get("base_url"),
                           config=attrs["config"])
        return attrs


class ConnectionUpdateInput(serializers.Serializer):
    """Every field optional. Blank credential values keep the stored ones; `config` replaces the settings."""

    name = serializers.CharField(max_length=200, required=False)
    base_url = HttpUrlField(max_length=500, required=False)
    credentials = _credential_values()
    config = _config_values(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credentials"].required = False

    def validate_name(self, value):
        connection = self.context["connection"]
        if connection_name_taken(tenant=connection.tenant, name=value, exclude_pk=connection.pk):
            raise serializers.ValidationError("A connection with this name exists already.")
        return value

    def validate(self, attrs):
        connection = self.context["connection"]
        vendor = get_vendor(connection.kind)
        if "credentials" in attrs:
            check_credentials(vendor, attrs["credentials"], complete=False)
        if "config" in attrs:
            check_config(vendor, attrs["config"])
        check_destinations(vendor, tenant_id=connection.tenant_id, base_url=attrs.get("base_url"),
                           config=attrs.get("config"))
        moved = destination_changes(connection, base_url=attrs.get("base_url"), config=attrs.get("config"))
        missing = secrets_missing(connection, attrs.get("credentials")) if moved else []
        if missing:
            raise serializers.ValidationError({"credentials": (
                f"Changing {', '.join(moved)} sends the credentials somewhere else: "
                f"enter {', '.join(missing)} again.")})
        return attrs


class ConnectionOutput(serializers.ModelSerializer):
    credentials_set = serializers.SerializerMethodField(help_text="Names of the credentials stored (never values).")
    credentials_public = serializers.SerializerMethodField(
        help_text="Values of the stored credentials that are not secret (ids, user names).")

    class Meta:
        model = Connection
        fields = ("id", "kind", "name", "base_url", "config", "status", "last_tested_at", "last_error",
                  "credentials_set", "credentials_public", "created_at", "updated_at")
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_credentials_set(self, connection) -> list[str]:
        return connection_credentials_summary(connection=connection)[0]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_credentials_public(self, connection) -> dict[str, str]:
        return connection_credentials_summary(connection=connection)[1]


class ConnectionTestOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    status = serializers.ChoiceField(choices=Connection.Status.choices)
    last_tested_at = serializers.DateTimeField(allow_null=True)
