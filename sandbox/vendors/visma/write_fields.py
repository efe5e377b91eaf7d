"""The field-level rules every Visma write DTO shares (docs/vendors/visma.md §4 Writes).

Text, number and reference checks, and the contact and address objects that employees, customers and
suppliers embed. The per-entity rules are writes.py (master data) and ledger_writes.py (the ledger);
each raises `Invalid`, which the handlers answer with a 400 IPPException.
"""
from __future__ import annotations

from sandbox.vendors.visma.store import Invalid, VismaData


def as_text(value, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise Invalid(f"{name} must be a text value.")
    return str(value)


def as_object(value, name: str) -> dict:
    if not isinstance(value, dict):
        raise Invalid(f"{name} must be an object.")
    return value


def as_reference(data: VismaData, kind: str, value, label: str) -> tuple[str, str]:
    key = as_text(value, label)
    table = data.reference[kind]
    if not key:
        raise Invalid(f"{label} cannot be empty.")
    if key not in table:
        raise Invalid(f"{label} '{key}' does not exist.")
    return key, table[key]


def as_amount(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"{name} must be a number.")
    return round(float(value), 2)


def apply_contact(contact: dict, fields: dict, *, employee: bool) -> None:
    names = {"middleName": "midName"} if employee else {}
    allowed = ("firstName", "lastName", "middleName", "email", "phone1", "phone2", "phone3", "fax") if employee \
        else ("name", "attention", "email", "web", "phone1", "phone2", "fax")
    for key in allowed:
        if key in fields:
            contact[names.get(key, key)] = as_text(fields[key], f"contact.{key}")
    email = contact.get("email", "")
    if email and "@" not in email:
        raise Invalid(f"contact.email '{email}' is not a valid e-mail address.")
    if employee:
        if "lastName" in fields and not contact.get("lastName"):
            raise Invalid("contact.lastName cannot be empty.")
        contact["name"] = " ".join(p for p in (contact.get("firstName"), contact.get("midName"),
                                               contact.get("lastName")) if p)
        contact["employeeContact"] = contact["name"]


def apply_address(data: VismaData, address: dict, fields: dict, name: str) -> None:
    fields = as_object(fields, name)
    for key in ("addressLine1", "addressLine2", "addressLine3", "postalCode", "city"):
        if key in fields:
            address[key] = as_text(fields[key], f"{name}.{key}")
    if "countryId" in fields:
        country, country_name = as_reference(data, "countries", fields["countryId"], f"{name}.countryId")
        address["country"] = {"id": country, "name": country_name}
    if "county" in fields:
        county = as_text(fields["county"], f"{name}.county")
        address["county"] = {"id": county, "name": county}
