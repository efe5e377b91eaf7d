"""Updates of AP documents the sandbox accepts: SupplierInvoiceUpdateDto and PurchaseOrderUpdateDto
(specs/visma/swagger-2016-integration.visma.net.json), limited to the header fields a board status maps to.

`hold` is in both DTOs; it is what an approval decided elsewhere (monday.com) sets. Creating these documents
is not simulated (their lines, VAT and approval workflow are out of the sandbox's scope), so only PUT is routed.
"""
from __future__ import annotations

from sandbox.vendors.visma.contract import UNCONFIRMED
from sandbox.vendors.visma.store import Invalid, VismaData

# Header fields a PUT may change, per resource (names as the update DTOs spell them).
SUPPLIER_INVOICE_FIELDS = ("hold", "description", "dueDate", "supplierReference", "note")
PURCHASE_ORDER_FIELDS = ("hold", "description", "promisedOn", "supplierRef")


def _hold(record: dict, value) -> None:
    if not isinstance(value, bool):
        raise Invalid("hold must be true or false.")
    record["hold"] = value
    # UNCONFIRMED document_hold_status: how Visma's status follows `hold` is not in the spec.
    if value:
        record["status"] = "Hold"
    elif record.get("status") == "Hold":
        record["status"] = UNCONFIRMED["document_released_status"]


def _apply(record: dict, fields: dict, allowed: tuple[str, ...]) -> dict:
    for name in allowed:
        if name not in fields or fields[name] is None:
            continue  # a missing or null field leaves the value unchanged (UNCONFIRMED null_write_fields)
        if name == "hold":
            _hold(record, fields[name])
        elif isinstance(fields[name], (dict, list)):
            raise Invalid(f"{name} must be a text value.")
        else:
            record[name] = str(fields[name])
    return record


def supplier_invoice_update(data: VismaData, record: dict, fields: dict, now: str) -> dict:
    return data.stamp(_apply(record, fields, SUPPLIER_INVOICE_FIELDS), now)


def purchase_order_update(data: VismaData, record: dict, fields: dict, now: str) -> dict:
    return data.stamp(_apply(record, fields, PURCHASE_ORDER_FIELDS), now)
