"""monday's limits beside the shared minute limiter (docs/vendors/monday.md §6): complexity points per query and
per minute, the daily call count, concurrent requests."""
from __future__ import annotations

import math
import threading
from datetime import datetime, timezone

import graphql
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, value_from_ast

from sandbox.core import Clock
from sandbox.vendors.monday.contract import UNCONFIRMED

# Root mutations that write items or boards carry a fixed cost on top of their selection ([BP]).
COSTLY_MUTATIONS = frozenset({"create_item", "change_multiple_column_values", "change_column_value",
                              "change_simple_column_value", "archive_item", "delete_item", "create_board",
                              "create_column"})


class ComplexityBudget:
    """Per-minute complexity points per account: the window opens at the first call and resets 60 s later; a
    query the budget cannot cover is refused and not charged."""

    def __init__(self, clock: Clock, limit: int, window: float = 60.0):
        self.clock = clock
        self.limit = limit
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _current(self, key: str) -> tuple[float, int]:
        now = self.clock.now()
        start, used = self._windows.get(key, (now, 0))
        return (now, 0) if now - start >= self.window else (start, used)

    def charge(self, key: str, cost: int) -> tuple[bool, int, int, float]:
        """(allowed, points before, points after, seconds until the budget resets)."""
        with self._lock:
            start, used = self._current(key)
            before = self.limit - used
            allowed = cost <= before
            if allowed:
                used += cost
            self._windows[key] = (start, used)
        return allowed, before, self.limit - used, max(0.0, start + self.window - self.clock.now())

    def left(self, key: str) -> tuple[int, float]:
        with self._lock:
            start, used = self._current(key)
        return self.limit - used, max(0.0, start + self.window - self.clock.now())


class DailyCalls:
    """Calls per account per UTC day; a rate-limited or complexity-only call counts 0.1 (§6)."""

    def __init__(self, clock: Clock, limit: int):
        self.clock = clock
        self.limit = limit
        self._days: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _today(self) -> str:
        return datetime.fromtimestamp(self.clock.now(), timezone.utc).date().isoformat()

    def count(self, key: str, weight: float = 1.0) -> bool:
        """Count one call; False once the day's calls are used up (the refused call costs 0.1)."""
        with self._lock:
            day, used = self._days.get(key, (self._today(), 0.0))
            if day != self._today():
                day, used = self._today(), 0.0
            allowed = used + weight <= self.limit
            self._days[key] = (day, used + (weight if allowed else 0.1))
        return allowed

    def seconds_to_midnight(self) -> int:
        now = self.clock.now()
        return max(1, math.ceil(86400 - now % 86400))


class Concurrency:
    """Requests in flight per account (§6)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, key: str) -> bool:
        with self._lock:
            if self._in_flight.get(key, 0) >= self.limit:
                return False
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
            return True

    def leave(self, key: str) -> None:
        with self._lock:
            self._in_flight[key] -= 1

    def left(self, key: str) -> int:
        with self._lock:
            return max(0, self.limit - self._in_flight.get(key, 0))


def query_complexity(schema, document, operation_name, variables) -> int:
    operation = graphql.get_operation_ast(document, operation_name)
    if operation is None:
        return 0  # execution reports the ambiguity itself
    root = schema.get_root_type(operation.operation)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, graphql.FragmentDefinitionNode)}
    cost = _selection_cost(schema, operation.selection_set, root, fragments, variables)
    if operation.operation == graphql.OperationType.MUTATION:
        cost += UNCONFIRMED["mutation_points"] * sum(
            1 for s in operation.selection_set.selections
            if isinstance(s, FieldNode) and s.name.value in COSTLY_MUTATIONS)
    return cost


def _selection_cost(schema, selection_set, parent_type, fragments, variables) -> int:
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            field = getattr(parent_type, "fields", {}).get(selection.name.value)
            if field is None:  # __typename and friends are free
                continue
            total += UNCONFIRMED["complexity_points_per_field"]
            if selection.selection_set:
                inner = _selection_cost(schema, selection.selection_set, graphql.get_named_type(field.type),
                                        fragments, variables)
                total += inner * _limit(field, selection, variables)
        elif isinstance(selection, InlineFragmentNode):
            fragment_type = (schema.get_type(selection.type_condition.name.value)
                             if selection.type_condition else parent_type)
            total += _selection_cost(schema, selection.selection_set, fragment_type, fragments, variables)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            fragment = fragments[selection.name.value]
            total += _selection_cost(schema, fragment.selection_set,
                                     schema.get_type(fragment.type_condition.name.value), fragments, variables)
    return total


def _limit(field, node, variables) -> int:
    if "limit" not in field.args:
        return 1
    argument = field.args["limit"]
    given = next((a.value for a in node.arguments or () if a.name.value == "limit"), None)
    if given is None and argument.ast_node is not None:
        given = argument.ast_node.default_value
    value = value_from_ast(given, argument.type, variables) if given is not None else None
    return max(1, value) if isinstance(value, int) else 1
