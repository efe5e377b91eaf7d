"""The connection form: one explicit field per vendor credential, secrets write-only."""
from __future__ import annotations

from django import forms

from connections.models import Connection
from connections.selectors import connection_url_refusals
from connections.services import destination_changes, secrets_missing
from connections.vendors.base import Vendor

SECRET_HELP = "Stored encrypted and never shown again. Leave blank to keep the current value."
ADVANCED_HELP = ("The vendor's defaults are right for almost every company; change these only for a sandbox, a "
                 "proxy, or when the vendor's support asks you to.")


class ConnectionForm(forms.ModelForm):
    vendor: Vendor  # set by connection_form_for()
    base_url = forms.URLField(assume_scheme="https", max_length=500, label="Server address",
                              help_text="The vendor's API address; change it only to point at a sandbox or a proxy.")

    class Meta:
        model = Connection
        fields = ("tenant", "name", "base_url")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.stored_credentials()
        for spec in self.vendor.credential_fields:
            field = self.fields[f"cred_{spec.name}"]
            if spec.secret:
                field.required = spec.required and not stored.get(spec.name)
                if stored.get(spec.name):
                    field.widget.attrs["placeholder"] = "•••••••• (stored)"
            else:
                field.initial = stored.get(spec.name, "")
        config = self.instance.config or {}
        for spec in self.vendor.config_fields:
            self.fields[f"cfg_{spec.name}"].initial = config.get(spec.name, spec.default)
        if not self.instance.pk:
            self.fields["base_url"].initial = self.vendor.default_base_url

    def clean(self):
        cleaned = super().clean()
        base_url = cleaned.get("base_url")
        tenant = cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        urls = {"base_url": base_url or "", **{f"cfg_{f.name}": cleaned.get(f"cfg_{f.name}", "")
                                              for f in self.vendor.config_fields if f.url}}
        for field, why in connection_url_refusals(tenant_id=getattr(tenant, "pk", None), kind=self.vendor.kind,
                                                  urls=urls).items():
            self.add_error(field, why)
        if self.instance.pk and not self.errors:
            moved = destination_changes(self.instance, base_url=base_url, config=self.config())
            for name in secrets_missing(self.instance, self.credentials()) if moved else []:
                self.add_error(f"cred_{name}", f"Changing {', '.join(moved)} sends the credentials somewhere "
                                               "else: enter this secret again.")
        # Blank secrets keep what is stored, so completeness is judged on both together.
        merged = {**self.stored_credentials(), **{k: v for k, v in self.credentials().items() if v}}
        missing = self.vendor.credentials_missing(merged)
        if missing:
            labels = {spec.name: spec.label for spec in self.vendor.credential_fields}
            raise forms.ValidationError(f"Enter {', '.join(labels.get(name, name) for name in missing)}.")
        return cleaned

    @property
    def advanced_names(self) -> list[str]:
        return advanced_field_names(self.vendor)

    @property
    def advanced_help(self) -> str:
        return ADVANCED_HELP

    @property
    def advanced_has_errors(self) -> bool:
        return any(name in self.errors for name in self.advanced_names)

    def stored_credentials(self) -> dict:
        if not self.instance.pk:
            return {}
        return self.instance.credentials or {}

    def credentials(self) -> dict:
        return {spec.name: self.cleaned_data.get(f"cred_{spec.name}", "") for spec in self.vendor.credential_fields}

    def config(self) -> dict:
        return {spec.name: self.cleaned_data.get(f"cfg_{spec.name}", "") for spec in self.vendor.config_fields}


def connection_form_for(vendor: Vendor) -> type[ConnectionForm]:
    fields: dict[str, forms.Field] = {}
    for spec in vendor.credential_fields:
        widget = forms.PasswordInput(render_value=False) if spec.secret else forms.TextInput
        fields[f"cred_{spec.name}"] = forms.CharField(
            label=spec.label, required=False, widget=widget,
            help_text=" ".join(filter(None, [spec.help, SECRET_HELP if spec.secret else ""])))
    for spec in vendor.config_fields:
        fields[f"cfg_{spec.name}"] = forms.CharField(label=spec.label, required=spec.required, help_text=spec.help)
    return type(f"{vendor.kind.title()}ConnectionForm", (ConnectionForm,), {**fields, "vendor": vendor})


def credential_field_names(vendor: Vendor) -> list[str]:
    return [f"cred_{spec.name}" for spec in vendor.credential_fields]


def config_field_names(vendor: Vendor, *, folded: bool | None = None) -> list[str]:
    """The config fields' form names; `folded` True/False picks those under / outside the "Advanced" fold."""
    return [f"cfg_{spec.name}" for spec in vendor.config_fields if folded is None or spec.folded == folded]


def advanced_field_names(vendor: Vendor) -> list[str]:
    """What the "Advanced" fold holds: the server address and the vendor's plumbing (token URL, scopes…)."""
    return ["base_url", *config_field_names(vendor, folded=True)]
