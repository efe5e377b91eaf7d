"""A small flow for engine tests: Visma customers → Visma suppliers, both in the Visma sandbox.

It exercises everything the engine promises over real HTTP: paged delta reads, value mappings
(customer class → supplier class), creates and If-Match updates, vendor refusals.
"""
from connections.vendors.visma.schemas import wrap_values
from syncs.flows import FlowSpec, register_flow
from syncs.flows.visma_source import VismaDeltaStream
from syncs.mapping import FieldRule

KIND = "test_customers_to_suppliers"
CLASS_MAP = "customer_class_to_supplier_class"

SPEC = register_flow(FlowSpec(KIND, "Test: Visma customers → Visma suppliers", "visma", "visma", ("customers",),
                              module=__name__))


class SimulatedCrash(RuntimeError):
    """Stands in for a worker dying mid-page."""


class CustomersToSuppliers(VismaDeltaStream):
    name = "customers"
    path = "v1/customer"
    page_size = 5
    rules = [
        FieldRule("name", "name", required=True),
        FieldRule("supplierClassId", "customerClass.id", value_map=CLASS_MAP, label="supplier class"),
        FieldRule("status", "status"),
        FieldRule("corporateId", "number"),
    ]
    # Test hooks (class attributes so a test can set them before a run builds the stream).
    crash_after_writes: int | None = None
    on_build = None
    writes = 0

    def source_id(self, record):
        return str(record["number"])

    def natural_key(self, mapped):
        return mapped.get("corporateId")

    def reconcile(self, intent):
        """A supplier written from a customer carries the customer's number as its corporateId."""
        found = list(self.destination.iter_records("v1/supplier", {"corporateId": self.natural_key(intent.mapped)}))
        return str(found[0]["number"]) if found else None

    def write(self, mapped, target_id, record):
        type(self).writes += 1
        if self.crash_after_writes is not None and type(self).writes > self.crash_after_writes:
            raise SimulatedCrash("worker died")
        if target_id is None:
            key, _ = self.destination.create("v1/supplier", wrap_values(mapped))
            return key

        def build(current):
            if self.on_build is not None:
                self.on_build(current)
            return wrap_values(mapped)

        self.destination.update_with_retry(f"v1/supplier/{target_id}", build)
        return target_id


def build_streams(ctx):
    return [CustomersToSuppliers(ctx)]
