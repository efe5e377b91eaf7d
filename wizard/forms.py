"""The wizard's forms, one per step. Credential fields come from the vendor registry, secrets write-only."""
from __future__ import annotations

from dataclasses import dataclass, field

from django import forms

from connections.forms import ConnectionForm, connection_form_for
from connections.selectors import connection_name_taken
from connections.vendors.base import Vendor
from syncs.flows.base import ValueMapChoices
from syncs.words import column_label, stream_label
from wizard.selectors import MappingPage, StreamFields
from wizard.services import PREVIEW_LIMIT_MAX

NOT_MAPPED = "— not mapped: its records are held —"
EXTRA_FIELD_ROWS = 2
EXTRA_VALUE_ROWS = 3


class StartForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=None, empty_label=None, label="Company")
    flow_kind = forms.ChoiceField(label="Source → destination", widget=forms.RadioSelect)
    name = forms.CharField(max_length=200, label="Name of the integration",
                           help_text="For example “HR → ERP”. You can rename it later.")

    def __init__(self, *args, tenants, flows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = tenants
        if len(tenants) == 1:
            self.fields["tenant"].initial = tenants.first().pk
            self.fields["tenant"].widget = forms.HiddenInput()
        self.fields["flow_kind"].choices = [(f.kind, f.label) for f in flows]
        if len(flows) == 1:
            self.fields["flow_kind"].initial = flows[0].kind


def connection_step_form(vendor: Vendor, tenant) -> type[ConnectionForm]:
    """The admin's connection form for this vendor, without the tenant (the draft's) and with the name
    checked within the tenant."""
    base = connection_form_for(vendor)

    class Meta(base.Meta):
        fields = ("name", "base_url")

    def clean_name(self):
        name = self.cleaned_data["name"]
        if connection_name_taken(tenant=tenant, name=name, exclude_pk=self.instance.pk):
            raise forms.ValidationError("Another connection already has this name.")
        return name

    return type(f"Wizard{base.__name__}", (base,), {"Meta": Meta, "clean_name": clean_name})


class StreamsForm(forms.Form):
    streams = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Sync these",
                                        error_messages={"required": "Choose at least one."})

    def __init__(self, *args, streams, options=(), current: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["streams"].choices = [(s, s.replace("_", " ").capitalize()) for s in streams]
        # The flow's OPTION_CHOICES (syncs.flows.base.OptionChoice): one radio group each, by position.
        self.option_choices = list(options)
        for n, option in enumerate(self.option_choices):
            stored = [value for value, _ in option.choices]
            now = (current or {}).get(option.name, stored[0])
            if option.dropdown:  # the value itself is posted: the flow's options_check judges it, not this list
                self.fields[f"option{n}"] = forms.CharField(
                    label=option.label, required=False, max_length=100, initial=str(now), widget=forms.Select(
                        choices=[(str(v), label) for v, label in option.choices],
                        attrs={"data-test": "flow-option", "data-option": option.name, "aria-label": option.label}))
                continue
            self.fields[f"option{n}"] = forms.ChoiceField(
                label=option.label, required=False, widget=forms.RadioSelect(attrs={"data-test": "flow-option", "data-option": option.name}),
                choices=[(str(i), label) for i, (_, label) in enumerate(option.choices)],
                initial=str(stored.index(now)) if now in stored else "0")

    def options(self) -> dict:
        """The chosen options, as Integration.options stores them."""
        # Not sent: as it was.
        chosen = {n: self.cleaned_data.get(f"option{n}") if f"option{n}" in self.data
                  else self.fields[f"option{n}"].initial for n in range(len(self.option_choices))}
        return {option.name: chosen[n] if option.dropdown else option.choices[int(chosen[n] or 0)][0]
                for n, option in enumerate(self.option_choices)}

    def option_fields(self):
        return [self[f"option{n}"] for n in range(len(self.option_choices))]


@dataclass
class ValueRow:
    label: str
    source: forms.BoundField
    target: forms.BoundField
    source_value: str = ""


@dataclass
class ValueTable:
    choices: ValueMapChoices
    rows: list[ValueRow] = field(default_factory=list)
    free_text: bool = False


@dataclass
class FieldRow:
    target: str
    default_source: str
    source: forms.BoundField
    target_input: forms.BoundField | None = None
    target_label: str = ""  # what the customer calls the target: a column's title, else the field in words


@dataclass
class FieldTable:
    stream: StreamFields
    rows: list[FieldRow] = field(default_factory=list)


class MappingsForm(forms.Form):
    """Value mappings (source values offered from the vendor when the flow can read them) and field rules.

    Field names are positional (`vm0-3-target`, `fm1-2`, `fx1-0-source`); the template shows them in
    tables with data attributes naming the map, source value, stream and target field.
    """

    def __init__(self, *args, page: MappingPage, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self._value_specs: list[tuple[str, list[tuple[str, str | None]]]] = []
        for m, choices in enumerate(page.value_maps):
            current = page.current_values.get(choices.map_name, {})
            sources = [(value, label) for value, label in choices.source_values]
            known = {value for value, _ in sources}
            sources += [(value, f"{value} (no longer at the source)") for value in current if value not in known]
            free_text = not choices.source_values
            targets = list(choices.target_values)
            offered = {value for value, _ in targets}
            targets += [(value, f"{value} (current)") for value in set(current.values()) - offered]
            rows = []
            for i, (value, label) in enumerate(sources if not free_text else
                                               [(v, v) for v in current] + [("", "")] * EXTRA_VALUE_ROWS):
                source_name, target_name = f"vm{m}-{i}-source", f"vm{m}-{i}-target"
                source_widget = forms.TextInput if free_text else forms.HiddenInput
                # Every control is labelled (the table's headers are not labels): "<map>: source value n".
                number = f"row {i + 1}" if free_text else label
                self.fields[source_name] = forms.CharField(
                    required=False, initial=value, max_length=200,
                    widget=source_widget(attrs={"data-test": "value-map-source",
                                                **({"aria-label": f"{choices.label}: source value, {number}"}
                                                   if free_text else {})}))
                attrs = {"data-test": "value-map-target", "aria-label": f"{choices.label}: destination value for "
                                                                        f"{number}"}
                if targets:
                    default = choices.defaults.get(value)
                    unmapped = NOT_MAPPED if default is None else \
                        f"— default: {dict(targets).get(default, default)} —"
                    target = forms.ChoiceField(required=False, choices=[("", unmapped)] + sorted(targets),
                                               initial=current.get(value, ""), widget=forms.Select(attrs=attrs))
                else:
                    target = forms.CharField(required=False, max_length=200, initial=current.get(value, ""),
                                             widget=forms.TextInput(attrs=attrs))
                self.fields[target_name] = target
                rows.append((source_name, target_name, label, value))
            self._value_specs.append((choices, free_text, rows))
        self._field_specs = []
        for s, stream in enumerate(page.streams):
            rows = []
            for r, rule in enumerate(stream.rules):
                name = f"fm{s}-{r}"
                self.fields[name] = forms.CharField(
                    required=False, max_length=200, initial=stream.overrides.get(rule.target, rule.source),
                    widget=forms.TextInput(attrs={"data-test": "field-source", "data-target": rule.target,
                                                  "list": f"wizard-fields-{stream.stream}",
                                                  "aria-label": f"{stream_label(stream.stream)}: source field of {rule.target}"}))
                rows.append((rule.target, rule.source, name, None))
            ruled = {rule.target for rule in stream.rules}
            extras = [(t, src) for t, src in stream.overrides.items() if t not in ruled]
            for k, (target, source) in enumerate(extras + [("", "")] * EXTRA_FIELD_ROWS):
                target_name, source_name = f"fx{s}-{k}-target", f"fx{s}-{k}-source"
                self.fields[target_name] = forms.CharField(
                    required=False, max_length=200, initial=target,
                    widget=forms.TextInput(attrs={"data-test": "field-target",
                                                  "list": f"wizard-targets-{stream.stream}",
                                                  "aria-label": f"{stream_label(stream.stream)}: extra field {k + 1}, written to"}))
                self.fields[source_name] = forms.CharField(
                    required=False, max_length=200, initial=source,
                    widget=forms.TextInput(attrs={"data-test": "field-source", "data-target": target,
                                                  "list": f"wizard-fields-{stream.stream}",
                                                  "aria-label": f"{stream_label(stream.stream)}: extra field {k + 1}, comes from"}))
                rows.append((target, "", source_name, target_name))
            self._field_specs.append((stream, rows))

    # --- for the template ---------------------------------------------------------------------
    def value_tables(self) -> list[ValueTable]:
        return [ValueTable(choices, [ValueRow(label, self[source], self[target], value)
                                     for source, target, label, value in rows], free_text)
                for choices, free_text, rows in self._value_specs]

    def field_tables(self) -> list[FieldTable]:
        tables = []
        for stream, rows in self._field_specs:
            titles = dict(stream.target_fields)
            tables.append(FieldTable(stream, [
                FieldRow(target, default, self[source], self[target_name] if target_name else None,
                         titles.get(target) or column_label(target))
                for target, default, source, target_name in rows]))
        return tables

    # --- for the service ------------------------------------------------------------------------
    def values(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        out: dict[str, dict[str, str]] = {}
        for choices, free_text, rows in self._value_specs:
            table = out.setdefault(choices.map_name, {})
            for source_name, target_name, _, value in rows:
                source = data.get(source_name, "").strip() if free_text else value
                if source:
                    table[source] = data.get(target_name, "").strip()
        return out

    def field_overrides(self) -> dict[str, dict[str, str]]:
        """stream → target → source ('' = the flow's own rule applies)."""
        data = self.cleaned_data
        out: dict[str, dict[str, str]] = {}
        for stream, rows in self._field_specs:
            table = out.setdefault(stream.stream, {})
            for target, default, source_name, target_name in rows:
                source = data.get(source_name, "").strip()
                if target_name is not None:
                    target = data.get(target_name, "").strip()
                    if not target:
                        continue
                table[target] = "" if source == default else source
        return out


class ScheduleForm(forms.Form):
    every_minutes = forms.IntegerField(min_value=1, max_value=24 * 60, label="Run every … minutes")


class PreviewForm(forms.Form):
    limit = forms.IntegerField(min_value=1, max_value=PREVIEW_LIMIT_MAX, initial=10,
                               label="Records per stream to preview")
