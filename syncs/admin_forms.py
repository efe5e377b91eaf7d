"""Form controls for an integration's streams and options, instead of raw JSON text boxes.

Streams are checkboxes of the flow's own streams (none ticked = all of them, as the model says). Options are
rows of name and value: the flow's tuning knobs (page_size, backstop_every_minutes…) differ per flow, so the
rows show what is set and one empty row adds another; whole numbers and true/false are stored as such.

The options a flow reads live from its vendors (its `option_choices(ctx)`, the wizard's own choices and labels:
the monday boards per resource) are labelled dropdowns above the table instead; when the vendor cannot be read
the field says so and those options stay rows of text as stored. Structured options the flow saves itself
(a board's column layout) are not rows at all: the form keeps them as they are.
"""
from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join

from audit.redaction import redact_text
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


def is_structured(value) -> bool:
    return isinstance(value, (dict, list))


class OptionsWidget(forms.Widget):
    live: tuple = ()  # syncs.flows.base.OptionChoice dropdowns, set by the form per integration
    live_error = ""  # why they could not be read now

    def format_value(self, value):
        return value if isinstance(value, dict) else {}

    def render(self, name, value, attrs=None, renderer=None):
        options = self.format_value(value)
        base = (attrs or {}).get("id", f"id_{name}")
        live = {choice.name for choice in self.live}
        rows = [(key, shown) for key, shown in options.items() if key not in live and not is_structured(shown)]
        return format_html("{}{}", self.render_live(name, base, options), self.render_table(name, base, rows))

    def render_live(self, name, base, options):
        if self.live_error:
            return format_html('<p class="options-live-error" data-test="options-live-error" role="status">{}</p>',
                               self.live_error)
        picks = []
        for choice in self.live:
            stored = str(options.get(choice.name) or "")
            offered = [(str(value), label) for value, label in choice.choices]
            if not stored and offered:  # nothing picked: the first choice is what the flow does then (the wizard's)
                stored = offered[0][0]
            if stored not in {value for value, _ in offered}:  # not offered now: kept, never changed unseen
                offered.append((stored, f"{stored} (as stored; not offered by the vendor now)"))
            body = format_html_join("", '<option value="{}"{}>{}</option>',
                                    ((value, " selected" if value == stored else "", label) for value, label in offered))
            picks.append(format_html(
                '<p><label for="{}_live_{}">{}</label> <select id="{}_live_{}" name="{}_live_{}" data-option="{}">'
                '{}</select></p>', base, choice.name, choice.label, base, choice.name, name, choice.name,
                choice.name, body))
        return format_html('<div class="options-live" data-test="options-live">{}</div>',
                           format_html_join("", "{}", ((pick,) for pick in picks))) if picks else ""

    def render_table(self, name, base, rows):
        rows = rows + [("", "")] * EMPTY_ROWS
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
        for choice in self.live:  # posted as it is (a string): the flow's options_check judges it
            if f"{name}_live_{choice.name}" in data:
                options[choice.name] = data[f"{name}_live_{choice.name}"]
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


def options_live_set(field: OptionsField, *, integration) -> None:
    """The flow's live dropdowns on the integration's options field, or why its vendor cannot offer them now."""
    from syncs.selectors import flow_option_choices_read

    live, error = flow_option_choices_read(integration=integration)
    field.widget.live = tuple(choice for choice in live if choice.dropdown)
    if error is not None:
        vendor = getattr(error, "vendor", "") or "The vendor"
        field.widget.live_error = (f"{vendor} could not be read now ({redact_text(str(error))}), so the options it "
                                   "offers are shown as stored, as text.")


def streams_field(stream_names: list[str]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=[(s, stream_label(s)) for s in stream_names], required=False,
        widget=forms.CheckboxSelectMultiple, label="Streams",
        help_text="What this integration syncs; none ticked means all of them.")
