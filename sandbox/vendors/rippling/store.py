"""The Rippling sandbox's data: every collection of the company, and the mutations tests drive.

Rows are plain dicts and are replaced, never changed in place, so a page being served from another
thread sees either the old or the new record. Every mutation stamps `updated_at` from the sandbox
clock, strictly increasing, so an `updated_at` delta always sees it. Each collection and its sorted
indexes is a `Collection` (collection.py).
"""
from __future__ import annotations

import copy
import threading
from datetime import date, datetime, timezone

from sandbox.core import Clock
from sandbox.vendors.rippling.collection import Collection
from sandbox.vendors.rippling.contract import (
    DEPARTMENT_KIND,
    DEPARTMENTS,
    USER_KIND,
    WORKER_KIND,
    object_id,
)
from sandbox.vendors.rippling.query import timestamp_key
from sandbox.vendors.rippling.seed import (
    department_record,
    timestamp_us,
    user_record,
    worker_record,
)

RESOURCES = ("workers", "users", "departments", "work_locations", "employment_types", "companies", "legal_entities",
             "compensations", "teams", "levels")
MALFORMED_KINDS = ("missing_required", "wrong_types", "bad_dates")
# Worker's stored (non-expanded) properties in rest_openapi.json: a helper refuses anything else, so
# a typo in a test fails loudly instead of serving a field Rippling never sends.
WORKER_FIELDS = frozenset((
    "id", "created_at", "updated_at", "user_id", "is_manager", "manager_id", "legal_entity_id", "country",
    "start_date", "end_date", "number", "work_email", "personal_email", "status", "location", "employment_type_id",
    "gender", "date_of_birth", "race", "ethnicity", "citizenship", "compensation_id", "overtime_exemption",
    "department_id", "teams_id", "title", "title_effective_date", "level_id", "termination_details",
    "country_fields", "business_partners_id",
))


def check_worker_fields(fields: dict) -> None:
    unknown = sorted(set(fields) - WORKER_FIELDS)
    if unknown:
        raise TypeError(f"not Worker fields in rest_openapi.json: {', '.join(unknown)}")


class RipplingData:
    """Every collection of the sandbox company, and the mutation helpers (hire, terminate, ...)."""

    def __init__(self, clock: Clock, data: dict[str, list[dict]]):
        self.clock = clock
        self.lock = threading.RLock()
        self.collections = {name: Collection(data.get(name, [])) for name in RESOURCES}
        self._last_stamp: int | None = None  # found on the first mutation: a 100,000-worker seed needs none
        self._next_worker = 1 + max((row.get("number", 0) for row in data.get("workers", [])
                                     if isinstance(row.get("number"), int)), default=0)
        self._next_department = 1 + len(data.get("departments", []))

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    # --- time --------------------------------------------------------------------------------
    def stamp(self) -> str:
        """Now by the sandbox clock, strictly after every updated_at already served."""
        if self._last_stamp is None:
            self._last_stamp = max((timestamp_key(row.get("updated_at")) or 0
                                    for collection in self.collections.values() for row in collection.rows.values()),
                                   default=0)
        self._last_stamp = max(int(self.clock.now() * 1_000_000), self._last_stamp + 1)
        return timestamp_us(self._last_stamp)

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock.now(), timezone.utc).date()

    # --- reads -----------------------------------------------------------------------------
    def worker(self, worker_id: str) -> dict:
        row = self["workers"].get(worker_id)
        if row is None:
            raise KeyError(f"no worker {worker_id}")
        return copy.deepcopy(row)

    # --- workers -----------------------------------------------------------------------------
    def new_number(self) -> int:
        """The next worker number whose worker and user ids are both free."""
        n = self._next_worker
        while self["workers"].get(object_id(WORKER_KIND, n)) or self["users"].get(object_id(USER_KIND, n)):
            n += 1
        self._next_worker = n + 1
        return n

    def hire(self, *, given_name: str = "New", family_name: str = "Hire", **fields) -> dict:
        """A new worker and its user. Status ACTIVE from the start date on, HIRED before it."""
        check_worker_fields(fields)
        with self.lock:
            n = self.new_number()
            now = self.stamp()
            start = as_date_text(fields.pop("start_date", None) or self.today())
            email = fields.pop("work_email", None) or f"{given_name}.{family_name}.{n}@example.com".lower()
            status = fields.pop("status", None) or ("HIRED" if start > self.today().isoformat() else "ACTIVE")
            user = user_record(n, given_name, family_name, email, now, active=True)
            worker = worker_record(
                n, email=email, status=status, start_date=start,
                department_id=fields.pop("department_id", None) or self.default_department(),
                title=fields.pop("title", None) or "Employee", created=now, user_id=user["id"], **fields)
            self["users"].put(user)
            self["workers"].put(worker)
            return copy.deepcopy(worker)

    def update_worker(self, worker_id: str, *, user: dict | None = None, **changes) -> dict:
        """Change worker fields (None removes one); `user={...}` changes the worker's user too."""
        check_worker_fields(changes)
        with self.lock:
            worker = self.worker(worker_id)
            now = self.stamp()
            if user:
                self.update_user(worker["user_id"], stamp=now, **user)
            apply_changes(worker, changes)
            worker["updated_at"] = now
            self["workers"].put(worker)
            return copy.deepcopy(worker)

    def update_user(self, user_id: str, *, stamp: str | None = None, **changes) -> dict:
        with self.lock:
            row = self["users"].get(user_id)
            if row is None:
                raise KeyError(f"no user {user_id}")
            row = copy.deepcopy(row)
            if isinstance(changes.get("name"), dict):
                changes["name"] = {**row.get("name", {}), **changes["name"]}
                names = changes["name"]
                full_name = f"{names.get('given_name', '')} {names.get('family_name', '')}".strip()
                changes.setdefault("display_name", full_name)
                names["formatted"] = changes["display_name"]
            apply_changes(row, changes)
            row["updated_at"] = stamp or self.stamp()
            self["users"].put(row)
            return copy.deepcopy(row)

    def terminate(self, worker_id: str, date: str | date, reason: str = "", *,
                  termination_type: str = "VOLUNTARY") -> dict:
        """TERMINATED at once with end_date and termination_details; the user loses access."""
        with self.lock:
            worker = self.worker(worker_id)
            now = self.stamp()
            worker.update(status="TERMINATED", end_date=as_date_text(date), updated_at=now,
                          termination_details={"type": termination_type, **({"reason": reason} if reason else {})})
            if worker.get("user_id") and self["users"].get(worker["user_id"]):
                self.update_user(worker["user_id"], stamp=now, active=False)
            self["workers"].put(worker)
            return copy.deepcopy(worker)

    def rehire(self, worker_id: str, start_date: str | date, *, new_worker: bool = False) -> dict:
        """Back to ACTIVE (HIRED before the start date) with a new start date, same user.

        Which record Rippling uses is UNCONFIRMED: by default the same worker id is reactivated;
        `new_worker=True` gives a new worker id for the same user and leaves the old one TERMINATED.
        """
        with self.lock:
            worker = self.worker(worker_id)
            start = as_date_text(start_date)
            status = "HIRED" if start > self.today().isoformat() else "ACTIVE"
            now = self.stamp()
            if worker.get("user_id") and self["users"].get(worker["user_id"]):
                self.update_user(worker["user_id"], stamp=now, active=True)
            if new_worker:
                n = self.new_number()
                worker = {**worker, "id": object_id(WORKER_KIND, n), "number": n, "created_at": now}
            for field in ("end_date", "termination_details"):
                worker.pop(field, None)
            worker.update(status=status, start_date=start, updated_at=now)
            self["workers"].put(worker)
            return copy.deepcopy(worker)

    def set_compensation(self, worker_id: str, *, payment_type: str, annual_salary: float | None = None,
                         currency: str = "USD", effective_date: str | date | None = None) -> dict:
        """Give the worker a new compensation (Compensation in rest_openapi.json); the worker's
        `compensation_id` points at it and its updated_at moves (UNCONFIRMED compensation_change_bumps_worker)."""
        with self.lock:
            worker = self.worker(worker_id)
            now = self.stamp()
            existing = self["compensations"].get(worker.get("compensation_id") or "")
            row = dict(existing) if existing else {"id": f"65a0c0{len(self['compensations']) + 1:018x}",
                                                   "created_at": now, "worker_id": worker_id}
            row.update(updated_at=now, payment_type=payment_type,
                       salary_effective_date=as_date_text(effective_date or self.today()))
            if annual_salary is not None:
                row["annual_compensation"] = {"currency_type": currency, "value": annual_salary}
            self["compensations"].put(row)
            worker.update(compensation_id=row["id"], updated_at=now)
            self["workers"].put(worker)
            return copy.deepcopy(row)

    def inject_malformed_worker(self, kind: str = "missing_required") -> dict:
        """A worker record that breaks the schema, served like any other (for quarantine tests).

        `missing_required`: no created_at (required by the spec), user_id, status or start_date;
        `wrong_types`: number, start_date, department_id, is_manager and location of the wrong
        type and a status outside the enum; `bad_dates`: start/end dates that are not ISO dates.
        updated_at is always valid, so an updated_at delta delivers it.
        """
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"unknown malformed kind {kind!r}; one of {', '.join(MALFORMED_KINDS)}")
        with self.lock:
            worker = self.hire(given_name="Malformed", family_name=kind.replace("_", " ").title().replace(" ", ""))
            worker["updated_at"] = self.stamp()
            if kind == "missing_required":
                for field in ("created_at", "user_id", "status", "start_date"):
                    worker.pop(field, None)
            elif kind == "wrong_types":
                worker.update(number="seven", start_date=20240101, department_id=4711, is_manager="no",
                              location="Main office", status="EMPLOYED")
            else:
                worker.update(start_date="31/12/2024", end_date="someday")
            self["workers"].put(worker)
            return copy.deepcopy(worker)

    # --- departments -------------------------------------------------------------------------
    def default_department(self) -> str:
        if self["departments"].get(DEPARTMENTS["engineering"]):
            return DEPARTMENTS["engineering"]
        return self["departments"].index("id")[0][1]

    def add_department(self, name: str, *, parent_id: str | None = None, reference_code: str | None = None) -> dict:
        with self.lock:
            parent = self["departments"].get(parent_id) if parent_id else None
            if parent_id and parent is None:
                raise KeyError(f"no department {parent_id}")
            n = self._next_department
            self._next_department += 1
            row_id = object_id(DEPARTMENT_KIND, 0xd00 + n)
            while self["departments"].get(row_id):
                n, self._next_department = self._next_department, self._next_department + 1
                row_id = object_id(DEPARTMENT_KIND, 0xd00 + n)
            row = department_record(n, name, parent=parent, created=self.stamp(), reference_code=reference_code,
                                    department_id=row_id)
            self["departments"].put(row)
            return copy.deepcopy(row)

    def update_department(self, department_id: str, **changes) -> dict:
        """Rename, recode or move a department; moving one re-stamps every department below it."""
        with self.lock:
            row = copy.deepcopy(self["departments"].get(department_id) or {})
            if not row:
                raise KeyError(f"no department {department_id}")
            new_parent = changes.get("parent_id")
            if new_parent and department_id in (self["departments"].get(new_parent) or {}).get(
                    "department_hierarchy_id", [department_id]):
                raise ValueError(f"department {new_parent} does not exist or lies below {department_id}")
            now = self.stamp()
            apply_changes(row, changes)
            row["updated_at"] = now
            self["departments"].put(row)
            if "parent_id" in changes:
                for other in sorted(self["departments"].rows.values(), key=lambda d: len(d["department_hierarchy_id"])):
                    if department_id in other["department_hierarchy_id"]:
                        parent = self["departments"].get(other.get("parent_id", ""))
                        moved = {**other, "updated_at": now, "department_hierarchy_id": [
                            *(parent["department_hierarchy_id"] if parent else []), other["id"]]}
                        self["departments"].put(moved)
            return copy.deepcopy(self["departments"].get(department_id))


def apply_changes(row: dict, changes: dict) -> None:
    for field, value in changes.items():
        if value is None:
            row.pop(field, None)
        else:
            row[field] = as_date_text(value) if isinstance(value, date) else value


def as_date_text(value: str | date) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)

