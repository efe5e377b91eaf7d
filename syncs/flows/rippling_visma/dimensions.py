"""Accounting dimensions: Rippling values → the Visma employee's cost allocation (SUBACCOUNT segment values).

A company says which Rippling field feeds which SUBACCOUNT segment in the integration's options,
`subaccount_segments = {"1": "department", "2": "compensation"}`. Each segment has its own value mapping,
`subaccount_segment_<n>` (Rippling value → segment value), offered in the wizard with both sides' values,
and held/released like departments. Compensation (docs/vendors/rippling.md §3 compensations) goes in by its
`payment_type`, so a change of a worker's pay moves the employee to the cost allocation of the new one.
"""
from __future__ import annotations

from dataclasses import dataclass

from syncs.mapping import InvalidRecord, MappingSet, MissingMapping, get_path


@dataclass(frozen=True)
class DimensionSource:
    label: str
    path: str  # where the value is in an (expanded) worker
    expand: str = ""  # the worker expansion it needs


SOURCES = {
    "department": DimensionSource("department", "department_id"),
    "team": DimensionSource("team", "teams_id.0"),
    "level": DimensionSource("level", "level_id"),
    "compensation": DimensionSource("compensation", "compensation.payment_type", expand="compensation"),
}


def segment_map(segment_id: int) -> str:
    return f"subaccount_segment_{segment_id}"


def segment_maps(segments: dict[int, DimensionSource]) -> dict[str, str]:
    """{map name: what customers read} of the configured SUBACCOUNT segments."""
    return {segment_map(segment_id): f"Rippling {source.label} → Visma SUBACCOUNT segment {segment_id}"
            for segment_id, source in sorted(segments.items())}


def configured_segments(options: dict) -> dict[int, DimensionSource]:
    """{segment id: source} from the options; an unknown source or segment is a configuration error, loudly."""
    configured = {}
    for segment, source in (options.get("subaccount_segments") or {}).items():
        if source not in SOURCES or not str(segment).isdigit():
            raise InvalidRecord(f"subaccount_segments: '{segment}: {source}' is not a segment number and one of "
                                f"{', '.join(SOURCES)}; fix the integration's options.")
        configured[int(segment)] = SOURCES[source]
    return configured


def cost_allocation(record: dict, segments: dict[int, DimensionSource], mappings: MappingSet,
                    names: dict[str, str]) -> list[dict]:
    """The worker's SUBACCOUNT segment values; a Rippling value with no mapping holds the worker.

    A worker without the value (no compensation yet, no team) leaves that segment as Visma has it."""
    allocation = []
    for segment_id, source in sorted(segments.items()):
        value = get_path(record, source.path, None)
        if value in (None, ""):
            continue
        map_name = segment_map(segment_id)
        try:
            allocation.append({"segmentId": segment_id, "segmentValue": mappings.translate(map_name, value)})
        except MissingMapping:
            shown = names.get(str(value)) or str(value)
            raise MissingMapping(map_name, value, f"SUBACCOUNT segment {segment_id}",
                                 f"{source.label} '{shown}'") from None
    return allocation


def value_missing_in_visma(*, destination, intent, segments: dict[int, DimensionSource], location_map: str,
                           known: dict) -> str | None:
    """After Visma refused a write: which mapped value Visma does not have, checked against Visma's own value
    lists (its refusal is a sentence, never parsed back), as `map_name:source_value` so the worker is held
    and released when that mapping changes. `known` caches the lists for the run."""
    mapped, record = intent.mapped, intent.record if isinstance(intent.record, dict) else {}

    def values(dimension: str, segment_id: int) -> set[str]:
        if (dimension, segment_id) not in known:
            listed = (destination.list_locations() if dimension == "LOCATION"
                      else destination.list_cost_centers(dimension, segment_id))
            known[dimension, segment_id] = {str(v.get("valueId")) for v in listed}
        return known[dimension, segment_id]

    for item in mapped.get("subaccount") or []:
        segment_id = int(item["segmentId"])
        source = segments.get(segment_id)
        if source and str(item["segmentValue"]) not in values("SUBACCOUNT", segment_id):
            return f"{segment_map(segment_id)}:{get_path(record, source.path, '')}"
    location = mapped.get("location")
    if location and str(location) not in values("LOCATION", 1):
        return f"{location_map}:{(record.get('location') or {}).get('work_location_id', '')}"
    return None
