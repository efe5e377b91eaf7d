"""Column values per column type (docs/vendors/monday.md §4): what a write may send, what is stored, what is read.

A write sends a JSON value per column id (inside the JSON-encoded `column_values`); `parse` turns it into the
stored raw value or raises ColumnValueException; `read` renders the stored value as the typed `ColumnValue`
object of the SDL (`__typename` picks the implementing type). Formats marked UNCONFIRMED in §4 follow it.
"""
from __future__ import annotations

import json
import re
from datetime import date

from sandbox.vendors.monday.contract import UNCONFIRMED, monday_error

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
TYPENAMES = {"text": "TextValue", "numbers": "NumbersValue", "date": "DateValue", "status": "StatusValue",
             "link": "LinkValue", "email": "EmailValue", "dropdown": "DropdownValue", "people": "PeopleValue",
             "phone": "PhoneValue", "long_text": "LongTextValue", "checkbox": "CheckboxValue",
             "timeline": "TimelineValue", "name": "TextValue"}


def invalid(column: dict, value) -> Exception:
    return monday_error(UNCONFIRMED["column_value_message"], "ColumnValueException", 200,
                        column_id=column["id"], column_value=json.dumps(value)[:200], column_type=column["type"])


def labels_of(column: dict) -> dict[str, str]:
    return column["settings"].setdefault("labels", {})


def parse(column: dict, value, *, create_labels: bool, users: dict) -> dict | None:
    """The stored raw value for a written one; None clears the column."""
    if value is None or value == "" or value == {}:
        return None
    kind = column["type"]
    if kind in ("text", "phone", "long_text"):
        if isinstance(value, dict) and kind == "long_text" and isinstance(value.get("text"), str):
            return {"text": value["text"]}
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return {"text": str(value)}
    elif kind == "numbers":
        text = str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
        if NUMBER.match(text):
            return {"number": text}  # monday keeps numbers as their string
    elif kind == "date":
        given = value.get("date") if isinstance(value, dict) else value
        try:
            date.fromisoformat(str(given))
        except ValueError:
            raise invalid(column, value) from None
        time = value.get("time") if isinstance(value, dict) else None
        return {"date": str(given), "time": time}
    elif kind == "status":
        return _status(column, value, create_labels)
    elif kind == "link":
        if isinstance(value, str) and " " in value.strip():
            url, _, text = value.strip().partition(" ")
            value = {"url": url, "text": text}
        if isinstance(value, dict) and str(value.get("url", "")).startswith(("http://", "https://")):
            return {"url": value["url"], "text": value.get("text") or value["url"]}
    elif kind == "email":
        if isinstance(value, str):
            address, _, text = value.strip().partition(" ")
            value = {"email": address, "text": text or address}
        if isinstance(value, dict) and EMAIL.match(str(value.get("email", ""))):
            return {"email": value["email"], "text": value.get("text") or value["email"]}
    elif kind == "dropdown":
        return _dropdown(column, value, create_labels)
    elif kind == "people":
        return _people(column, value, users)
    elif kind == "checkbox":
        if isinstance(value, dict) and "checked" in value:
            return {"checked": str(value["checked"]).lower() == "true"} if value["checked"] else None
    raise invalid(column, value)


def _status(column, value, create_labels):
    labels = labels_of(column)
    if isinstance(value, dict) and "index" in value:
        if str(value["index"]) in labels:
            return {"index": int(value["index"])}
        raise invalid(column, value)
    label = value.get("label") if isinstance(value, dict) else value
    if not isinstance(label, str):
        raise invalid(column, value)
    for index, text in labels.items():
        if text == label:
            return {"index": int(index)}
    if not create_labels:
        raise invalid(column, value)
    index = str(max((int(i) for i in labels), default=-1) + 1)
    labels[index] = label
    return {"index": int(index)}


def _dropdown(column, value, create_labels):
    options = column["settings"].setdefault("labels", [])
    if isinstance(value, str):
        value = {"labels": [part.strip() for part in value.split(",") if part.strip()]}
    if not isinstance(value, dict):
        raise invalid(column, value)
    chosen = []
    for wanted in value.get("ids") or []:
        if not any(str(o["id"]) == str(wanted) for o in options):
            raise invalid(column, value)
        chosen.append(int(wanted))
    for wanted in value.get("labels") or []:
        match = next((o for o in options if o["name"] == wanted), None)
        if match is None and not create_labels:
            raise invalid(column, value)
        if match is None:
            match = {"id": max((o["id"] for o in options), default=0) + 1, "name": wanted}
            options.append(match)
        chosen.append(match["id"])
    return {"ids": chosen} if chosen else None


def _people(column, value, users):
    if isinstance(value, str):
        value = {"personsAndTeams": [{"id": part.strip(), "kind": "person"} for part in value.split(",")]}
    entries = value.get("personsAndTeams") if isinstance(value, dict) else None
    if not isinstance(entries, list):
        raise invalid(column, value)
    people = []
    for entry in entries:
        if not isinstance(entry, dict) or str(entry.get("id")) not in users or entry.get("kind", "person") != "person":
            raise invalid(column, value)
        people.append({"id": int(entry["id"]), "kind": "person"})
    return {"personsAndTeams": people} if people else None


def text_of(column: dict, raw: dict | None, users: dict) -> str:
    """monday's human rendering of a value (`ColumnValue.text`)."""
    if raw is None:
        return ""
    kind = column["type"]
    if kind == "status":
        return labels_of(column).get(str(raw["index"]), "")
    if kind == "date":
        return f"{raw['date']} {raw['time']}" if raw.get("time") else raw["date"]
    if kind == "link":
        return f"{raw['text']} - {raw['url']}"
    if kind == "email":
        return raw["email"]
    if kind == "dropdown":
        names = {o["id"]: o["name"] for o in column["settings"].get("labels", [])}
        return ", ".join(names.get(i, "") for i in raw["ids"])
    if kind == "people":
        return ", ".join(users[str(p["id"])]["name"] for p in raw["personsAndTeams"])
    if kind == "numbers":
        return raw["number"]
    if kind == "checkbox":
        return "v" if raw.get("checked") else ""
    return raw.get("text", "")


def read(column: dict, raw: dict | None, users: dict, *, item_name: str = "", changed_at: str | None = None) -> dict:
    """The `ColumnValue` of one column, as the SDL types it."""
    if column["type"] == "name":
        raw = {"text": item_name}
    text = text_of(column, raw, users)
    kind = column["type"]
    value = {"__typename": TYPENAMES.get(kind, "TextValue"), "id": column["id"], "type": kind, "column": column,
             "is_leaf": True, "text": text or None, "updated_at": changed_at,
             "value": None if raw is None or kind == "name" else json.dumps(_raw_json(kind, raw, changed_at))}
    if kind == "status":
        index = raw["index"] if raw else None
        value.update(index=index, label=text or None, is_done=text == "Done", label_style=None, update_id=None)
    elif kind == "numbers":
        value.update(number=float(raw["number"]) if raw else None, symbol=None, direction=None)
    elif kind == "date":
        value.update(date=raw["date"] if raw else None, time=(raw or {}).get("time"), icon=None)
    elif kind == "link":
        value.update(url=(raw or {}).get("url"), url_text=(raw or {}).get("text"))
    elif kind == "email":
        value.update(email=(raw or {}).get("email"), label=(raw or {}).get("text"))
    elif kind == "dropdown":
        names = {o["id"]: o["name"] for o in column["settings"].get("labels", [])}
        value["values"] = [{"id": str(i), "label": names.get(i, "")} for i in (raw or {}).get("ids", [])]
    elif kind == "people":
        value["persons_and_teams"] = [{"id": str(p["id"]), "kind": p["kind"]}
                                      for p in (raw or {}).get("personsAndTeams", [])]
    return value


def _raw_json(kind: str, raw: dict, changed_at: str | None) -> object:
    # The read side's `value` JSON (§4, keys UNCONFIRMED): text columns hold the string, the others an object.
    if kind in ("text", "phone"):
        return raw["text"]
    if kind == "numbers":
        return raw["number"]
    if kind == "status":
        return {"index": raw["index"], "post_id": None, "changed_at": changed_at}
    if kind == "link":
        return {"url": raw["url"], "text": raw["text"], "changed_at": changed_at}
    return {**raw, "changed_at": changed_at}
