"""Form controls for an integration's streams and options, instead of raw JSON text boxes.

Streams are checkboxes of the flow's own streams (none ticked = all of them, as the model says). Options are
rows of name and value: the flow's tuning knobs (page_size, backstop_every_minutes…) differ per flow, so the
rows show what is set and one empty row adds another; whole numbers and true/false are stored as such.
"""
from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join

from syncs.words import capfirst, humanize, stream_label

EMPTY_ROWS = 1


def option_value(text: str):
    """"100" → 100, "true" → True; anything else stays text."""
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        return text


class OptionsWidget(forms.Widget):
    def format_value(self, value):
        return value if isinstance(value, dict) else {}

    def render(self, name, value, attrs=None, renderer=None):
        rows = list(self.format_value(value).items()) + [("", "")] * EMPTY_ROWS
        base = (attrs or {}).get("id", f"id_{name}")
        body = []
        for index, (key, shown) in enumerate(rows):
            label = capfirst(humanize(key)) if key else "New option"
            shown = str(shown).lower() if isinstance(shown, bool) else shown
            body.append(format_html(
                '<tr><td><input type="text" id="{}_key_{}" name="{}_key_{}" value="{}" aria-label="{}: name"></td>'
                '<td><input type="text" id="{}_value_{}" name="{}_value_{}" value="{}" aria-label="{}: value"></td>'
                '</tr>', base, index, name, index, key, label, base, index, name, index, shown, label))
        return format_html('<table class="options-table" data-test="options-table"><thead><tr><th scope="col">'
                           'Option</th><th scope="col">Value</th></tr></thead><tbody>{}</tbody></table>',
                           format_html_join("", "{}", ((row,) for row in body)))

    def value_from_datadict(self, data, files, name):
        options, index = {}, 0
        while f"{name}_key_{index}" in data:
            key = data.get(f"{name}_key_{index}", "").strip()
            if key:
                options[key] = option_value(data.get(f"{name}_value_{index}", ""))
            index += 1
        return options


class OptionsField(forms.Field):
    widget = OptionsWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Tuning for this flow, e.g. page size or backstop every minutes; "
                                       "empty the name to remove an option.")
        super().__init__(**kwargs)

    def to_python(self, value):
        return value if isinstance(value, dict) else {}


def streams_field(stream_names: list[str]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=[(s, stream_label(s)) for s in stream_names], required=False,
        widget=forms.CheckboxSelectMultiple, label="Streams",
        help_text="What this integration syncs; none ticked means all of them.")
