"""Internal names in customer words: value map names, streams, counters. Pure, so templates and admin
columns share one spelling (`department_to_cost_center` → "Department → cost center")."""
from __future__ import annotations

# Words that are not plain English once the underscores go (vendor or domain acronyms kept upper-case).
ACRONYMS = {"id": "ID", "url": "URL", "api": "API", "hr": "HR", "erp": "ERP", "http": "HTTP"}

# Counters and columns whose model names say how they are stored, not what they mean.
COLUMN_LABELS = {
    "http_calls": "Requests to the vendors",
    "base_url": "Server address",
    "cursor": "Position in the source",
    "source_id": "Source record",
    "missing_key": "Mapping it waits for",
    "every_minutes": "Run every … minutes",
    "cron": "Timetable (crontab, UTC)",
    "enabled": "On",
    "map_name": "Translation",
}


def humanize(name: str) -> str:
    """`work_location` → "work location", `base_url` → "base URL" (lower case: callers capitalise)."""
    words = [w for w in (name or "").replace("-", "_").split("_") if w]
    return " ".join(ACRONYMS.get(w.lower(), w.lower()) for w in words)


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def map_label(map_name: str) -> str:
    """A value map's name as a translation: `department_to_cost_center` → "Department → cost center"."""
    source, sep, target = (map_name or "").partition("_to_")
    if not sep:
        return capfirst(humanize(map_name))
    return f"{capfirst(humanize(source))} → {humanize(target)}"


def stream_label(stream: str) -> str:
    """`employees` → "Employees", `cost_centers` → "Cost centers"."""
    return capfirst(humanize(stream))


def column_label(name: str) -> str:
    return COLUMN_LABELS.get(name) or capfirst(humanize(name))


def missing_mapping_label(missing_key: str) -> str:
    """A held record's `map_name:source_value` as words: "Department → cost center for “d-12”"."""
    map_name, _, value = (missing_key or "").partition(":")
    return f"{map_label(map_name)} for “{value}”" if value else map_label(map_name)
