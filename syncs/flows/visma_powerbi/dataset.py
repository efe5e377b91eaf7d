"""The integration's push dataset: found or created, checked against the declared schema, and how rows and
their lineage are addressed in it. Used by the streams on the run's thread and by the admin's actions."""
from __future__ import annotations

from connections.vendors.errors import VendorConfigurationError
from connections.vendors.powerbi.schema import VISMA_FINANCE
from connections.vendors.powerbi.validation import Difference, normalised_type, schema_validate
from syncs.flows.base import Intent


def rows_pushed(integration) -> dict[str, int]:
    """Rows Power BI confirmed per table of this integration, from the write intents (the lineage)."""
    from django.db.models import Count

    from syncs.models import WriteIntent

    return dict(WriteIntent.objects.filter(integration=integration, state=WriteIntent.State.CONFIRMED)
                .values("stream").annotate(n=Count("pk")).values_list("stream", "n"))


def batch_rows(intents: list[Intent]) -> list[dict]:
    """The rows of a batch as Power BI gets them: a pure function of the intents' mapped rows and their batch
    id, so a replay sends byte-identical rows (docs/flows/visma-powerbi.md)."""
    return [{**i.mapped, "BatchId": i.batch} for i in intents]


def row_addresses(dataset_id: str, batch: str, count: int) -> list[str]:
    """Each row's target id: where it went (dataset, batch, position). Push rows have no id of their own; the
    dataset in it is the lineage's record of which dataset took the batch."""
    return [f"{dataset_id}/{batch}/{n}" for n in range(count)]


# The wizard's choice of dataset, stored as a value mapping ("dataset" → a dataset id, or CREATE_OURS), so the
# setup wizard's value-mapping step offers it without a step of its own (columns.mapping_choices).
DATASET_MAP = "powerbi_dataset"
DATASET_MAP_TITLE = ("Power BI dataset to push to (the customer's own is checked against the schema and the field "
                     "mapping before every run)")
DATASET_KEY = "dataset"
CREATE_OURS = "create"


def dataset_chosen(integration) -> str:
    """The dataset chosen in the wizard: a dataset id, CREATE_OURS, or '' (none chosen)."""
    from syncs.models import ValueMapping

    choice = ValueMapping.objects.filter(integration=integration, map_name=DATASET_MAP,
                                         source_value=DATASET_KEY).values_list("target_value", flat=True).first()
    return choice or ""


def dataset_find(ctx) -> str | None:
    """The integration's dataset: its `dataset_id` option, else the customer's dataset chosen in the wizard,
    else the push dataset of the declared name; None when ours is to be created."""
    dataset_id = ctx.options.get("dataset_id")
    if dataset_id:
        return dataset_id
    chosen = dataset_chosen(ctx.integration) if ctx.integration is not None else ""
    if chosen and chosen != CREATE_OURS:
        return chosen
    name = ctx.options.get("dataset_name") or VISMA_FINANCE.name
    found = [d for d in ctx.destination.list_datasets() if d.get("name") == name and d.get("addRowsAPIEnabled")]
    return found[0]["id"] if found else None


def dataset_drift(ctx, dataset_id: str) -> list[Difference]:
    """What keeps an existing dataset from taking our rows; the customer's own extra columns do no harm (our
    rows leave them empty, or fill them where the wizard maps a Visma field to one), so they are not drift.
    The live columns are kept in the run's options for the rows' checks (columns.live_table)."""
    tables = ctx.destination.list_tables(dataset_id)
    ctx.options["_columns"] = {t["name"]: {c["name"]: normalised_type(c.get("dataType", ""))
                                           for c in t.get("columns", [])} for t in tables}
    return [d for d in schema_validate(tables, VISMA_FINANCE) if d.kind != "extra_column"]


def dataset_ensure(ctx) -> str:
    """The dataset's id: the integration's option, else the dataset of the declared name, else a new one. An
    existing dataset is checked against the declared schema once a run (a customer's own, or ours after the
    schema changed): tables or columns it lacks, or columns of another type, stop the run with the list."""
    if not ctx.options.get("_dataset_checked"):
        dataset_id = dataset_find(ctx)
        if dataset_id:
            drift = dataset_drift(ctx, dataset_id)
            if drift:
                raise VendorConfigurationError(
                    f"Power BI dataset {dataset_id} does not match the schema this integration pushes: "
                    f"{' '.join(map(str, drift))} Apply the declared tables from the admin (the integration's "
                    "Power BI page → Apply the declared schema: PUT table replaces a table's columns and keeps "
                    "your own extra columns); a missing table needs a new dataset, Power BI cannot add one to a "
                    "push dataset.", vendor="Power BI")
        else:
            name = ctx.options.get("dataset_name") or VISMA_FINANCE.name
            dataset_id = ctx.destination.create_dataset({**VISMA_FINANCE.to_power_bi(), "name": name})["id"]
        ctx.options.update(dataset_id=dataset_id, _dataset_checked=True)
    return ctx.options["dataset_id"]
