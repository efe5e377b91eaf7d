"""A flow for the API tests of replays: the engine and the API are real, only the flow's streams are this.

Replaying stored records needs a flow module; the real flows write to vendors, so these streams
write nowhere: a record is "written" unless its payload asks to be refused (permanently) or to
find the destination unavailable (transiently).
"""
from __future__ import annotations

from connections.vendors.errors import VendorRejected, VendorUnavailable
from syncs.flows import FLOWS, FlowSpec, register_flow
from syncs.flows.base import Stream
from syncs.mapping import FieldRule

KIND = "api_replay_check"
SPEC = FlowSpec(KIND, "Replay check (API tests)", "rippling", "visma", ("people", "teams"), 15,
                module=__name__)


class People(Stream):
    name = "people"
    rules = [FieldRule("name", "name"), FieldRule("cost_center", "department", value_map="department_to_cost_center")]

    def fetch(self, cursor):
        return iter(())

    def reconcile(self, intent):
        # Searchable, and nothing a down destination answered with a 503 ever reached it: the engine sends
        # once more, and a destination still down stops the replay (the API's 503), as a real one would.
        return None

    def write(self, mapped, target_id, record):
        if record.get("destination") == "refuses":
            raise VendorRejected("Visma.net answered 400: employee number taken.")
        if record.get("destination") == "down":
            raise VendorUnavailable("Visma.net answered 503.")
        return target_id or f"T-{record['id']}"


class Teams(People):
    name = "teams"
    rules = [FieldRule("name", "name")]


def build_streams(ctx):
    return [People(ctx), Teams(ctx)]


def register() -> None:
    register_flow(SPEC)


def unregister() -> None:
    FLOWS.pop(KIND, None)
