"""Records the Rippling sandbox serves: the small default company and a deterministic generator.

Shapes follow rest_openapi.json's schemas (Worker, User, Department, WorkLocation,
CompanyEmploymentType, Company, LegalEntity). Optional fields are left out rather than sent as
null: the spec declares none nullable.
"""
from __future__ import annotations

import gc
import random
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from sandbox.vendors.rippling.contract import (
    COMPANY_ID,
    CONTRACTOR_TYPE_ID,
    DEPARTMENT_KIND,
    DEPARTMENTS,
    EMPLOYEE_TYPE_ID,
    LEGAL_ENTITY_ID,
    LEVELS,
    PART_TIME_TYPE_ID,
    REMOTE_LOCATION_ID,
    TEAMS,
    USER_KIND,
    WORK_LOCATION_ID,
    WORKER_KIND,
    object_id,
)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
REFERENCE_CREATED = "2021-01-04T09:00:00+00:00"


DAY_SECONDS = 86_400


@contextmanager
def paused_gc():
    """Pause the cyclic collector while building many acyclic dicts: with 100,000 workers alive,
    every full collection walks them all, which triples the time a bulk build takes."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@lru_cache(maxsize=8192)
def day_text(day: int) -> str:
    """ISO date of a day number since the epoch (cached: a generated company has a few thousand)."""
    return (EPOCH + timedelta(days=day)).date().isoformat()


def timestamp(seconds: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS+00:00`, the contract's format, without a datetime per call."""
    day, rest = divmod(seconds, DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    return f"{day_text(day)}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00:00"


def timestamp_us(microseconds: int) -> str:
    return (EPOCH + timedelta(microseconds=microseconds)).isoformat(timespec="microseconds")


# --- builders shared by the seed and the mutation helpers -------------------------------------
def user_record(n: int, given: str, family: str, email: str, created: str, *, updated: str | None = None,
                active: bool = True) -> dict:
    return {
        "id": object_id(USER_KIND, n),
        "created_at": created,
        "updated_at": updated or created,
        "active": active,
        "username": email.split("@")[0],
        "name": {"formatted": f"{given} {family}", "given_name": given, "family_name": family,
                 "preferred_given_name": given, "preferred_family_name": family},
        "display_name": f"{given} {family}",
        "emails": [{"value": email, "type": "WORK", "display": email}],
        "preferred_language": "en",
        "locale": "en-US",
        "timezone": "America/New_York",
        "number": str(n),
    }


def worker_record(n: int, *, email: str, status: str, start_date: str, department_id: str, title: str,
                  created: str, updated: str | None = None, user_id: str | None = None,
                  employment_type_id: str = EMPLOYEE_TYPE_ID, remote: bool = False, **extra) -> dict:
    row = {
        "id": object_id(WORKER_KIND, n),
        "created_at": created,
        "updated_at": updated or created,
        "user_id": user_id or object_id(USER_KIND, n),
        "is_manager": False,
        "legal_entity_id": LEGAL_ENTITY_ID,
        "country": "US",
        "start_date": start_date,
        "number": n,
        "work_email": email,
        "status": status,
        # The spec requires work_location_id even for REMOTE: remote workers hang off a
        # remote work location record.
        "location": {"type": "REMOTE", "work_location_id": REMOTE_LOCATION_ID} if remote else
        {"type": "WORK", "work_location_id": WORK_LOCATION_ID},
        "employment_type_id": employment_type_id,
        "overtime_exemption": "EXEMPT",
        "department_id": department_id,
        "teams_id": [],
        "business_partners_id": [],  # the spec says [] when none, not absent
        "title": title,
    }
    row.update({k: v for k, v in extra.items() if v is not None})
    return row


def department_record(n: int, name: str, *, parent: dict | None, created: str, reference_code: str | None = None,
                      department_id: str | None = None) -> dict:
    row_id = department_id or object_id(DEPARTMENT_KIND, 0xd00 + n)
    row = {"id": row_id, "created_at": created, "updated_at": created, "name": name}
    if parent:
        row["parent_id"] = parent["id"]
    row["reference_code"] = reference_code or f"D{n:04d}"
    row["department_hierarchy_id"] = [*(parent["department_hierarchy_id"] if parent else []), row_id]
    return row


def reference_data() -> dict[str, list[dict]]:
    """The company, its legal entity, employment types and work locations."""
    address = {"type": "WORK", "street_address": "55 2nd Street", "locality": "San Francisco", "region": "CA",
               "postal_code": "94105", "country": "US", "formatted": "55 2nd Street, San Francisco, CA 94105, US"}
    legal_entity = {"id": LEGAL_ENTITY_ID, "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED,
                    "legal_name": "Sandbox Analytics, Inc.", "tax_identifier": "12-3456789", "country": {"code": "US"},
                    "entity_level": "PARENT", "registration_date": "2020-11-02", "mailing_address": address,
                    "company_id": COMPANY_ID}
    company = {"id": COMPANY_ID, "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED,
               "parent_legal_entity_id": LEGAL_ENTITY_ID, "legal_entities_id": [LEGAL_ENTITY_ID],
               "legal_entities": [legal_entity], "physical_address": address, "primary_email": "hr@example.com",
               "legal_name": "Sandbox Analytics, Inc.", "doing_business_as_name": "Sandbox Analytics",
               "phone": "+14155550100", "name": "Sandbox Analytics"}

    def employment_type(type_id, label, name, kind, period, amount):
        return {"id": type_id, "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED, "label": label,
                "name": name, "type": kind, "compensation_time_period": period, "amount_worked": amount}

    def work_location(location_id, name, location_address):
        return {"id": location_id, "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED, "name": name,
                "address": location_address}

    return {
        "companies": [company],
        "legal_entities": [legal_entity],
        "employment_types": [
            employment_type(EMPLOYEE_TYPE_ID, "Salaried, full-time", "SALARIED_FT", "EMPLOYEE", "SALARIED",
                            "FULL-TIME"),
            employment_type(CONTRACTOR_TYPE_ID, "Contractor", "CONTRACTOR", "CONTRACTOR", "HOURLY", "TEMPORARY"),
            employment_type(PART_TIME_TYPE_ID, "Hourly, part-time", "HOURLY_PT", "EMPLOYEE", "HOURLY", "PART-TIME"),
        ],
        # Teams and levels (GET /teams/, /levels/): what a worker's teams_id / level_id point at.
        "teams": [{"id": TEAMS["platform"], "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED,
                   "name": "Platform team"},
                  {"id": TEAMS["payroll"], "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED,
                   "name": "Payroll team"}],
        "levels": [{"id": LEVELS["ic2"], "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED,
                    "name": "IC2", "global_level": 2},
                   {"id": LEVELS["manager"], "created_at": REFERENCE_CREATED, "updated_at": REFERENCE_CREATED,
                    "name": "Manager", "global_level": 5}],
        "work_locations": [
            work_location(WORK_LOCATION_ID, "San Francisco HQ", address),
            work_location(REMOTE_LOCATION_ID, "Remote (US)",
                          {"type": "HOME", "country": "US", "formatted": "Remote, US"}),
        ],
    }


# --- the default company ------------------------------------------------------------------------
def default_data() -> dict[str, list[dict]]:
    """Six workers: four active (one manager), one hired but not started, one terminated.

    Three departments: Engineering with Platform below it, and People.
    """
    engineering = department_record(1, "Engineering", parent=None, created=REFERENCE_CREATED, reference_code="ENG",
                                    department_id=DEPARTMENTS["engineering"])
    people = department_record(2, "People", parent=None, created=REFERENCE_CREATED, reference_code="PPL",
                               department_id=DEPARTMENTS["people"])
    platform = department_record(3, "Platform", parent=engineering, created="2023-03-01T09:00:00+00:00",
                                 reference_code="ENG-PLT", department_id=DEPARTMENTS["platform"])
    manager_id = object_id(WORKER_KIND, 1)
    workers, users = [], []

    def add(n, given, family, status, start, *, title, department, created, updated, **extra):
        email = f"{given}.{family}@example.com".lower()
        workers.append(worker_record(
            n, email=email, status=status, start_date=start, department_id=DEPARTMENTS[department], title=title,
            created=created, updated=updated, is_manager=n == 1, manager_id=manager_id if n != 1 else None,
            gender=extra.pop("gender", "UNDETERMINED"), date_of_birth=extra.pop("date_of_birth", "1990-01-01"),
            **extra))
        users.append(user_record(n, given, family, email, created, updated=updated, active=status != "TERMINATED"))

    add(1, "Grace", "Hopper", "ACTIVE", "2021-03-01", title="VP Engineering", department="engineering",
        created="2021-02-10T09:00:00+00:00", updated="2025-11-03T08:15:00+00:00",
        gender="FEMALE", date_of_birth="1978-12-09")
    add(2, "Alan", "Turing", "ACTIVE", "2022-06-13", title="Staff Engineer", department="platform",
        created="2022-05-20T14:30:00+00:00", updated="2025-12-01T10:00:00+00:00",
        gender="MALE", date_of_birth="1985-06-23", personal_email="alan@example.net")
    add(3, "Katherine", "Johnson", "ACTIVE", "2023-01-09", title="People Partner", department="people",
        created="2022-12-15T11:00:00+00:00", updated="2026-01-05T16:45:00+00:00",
        gender="FEMALE", date_of_birth="1988-08-26", remote=True)
    add(4, "Edsger", "Dijkstra", "ACTIVE", "2024-02-01", title="Software Engineer (contract)",
        department="engineering", created="2024-01-22T08:00:00+00:00", updated="2026-01-20T12:00:00+00:00",
        employment_type_id=CONTRACTOR_TYPE_ID, overtime_exemption="NON_EXEMPT")
    add(5, "Barbara", "Liskov", "HIRED", "2026-09-01", title="Principal Engineer", department="engineering",
        created="2026-02-02T13:20:00+00:00", updated="2026-02-02T13:20:00+00:00",
        gender="FEMALE", date_of_birth="1979-11-07")
    add(6, "John", "Backus", "TERMINATED", "2021-07-19", title="Data Engineer", department="engineering",
        created="2021-07-01T10:00:00+00:00", updated="2025-10-31T17:00:00+00:00", end_date="2025-10-31",
        gender="MALE", date_of_birth="1983-12-03", termination_details={"type": "VOLUNTARY", "reason": "Relocation"})
    return {**reference_data(), "departments": [engineering, people, platform], "workers": workers, "users": users}


# --- the generator --------------------------------------------------------------------------------
GIVEN_NAMES = ("Ada", "Alan", "Barbara", "Claude", "Dorothy", "Edsger", "Frances", "Grace", "Hedy", "Ivan", "Joan",
               "Ken", "Leslie", "Margaret", "Niklaus", "Ole-Johan", "Radia", "Sophie", "Tim", "Ursula", "Vint", "Wendy",
               "Xiaoyun", "Yukihiro", "Zhores", "Kari", "Ingrid", "Lars", "Astrid", "Mikkel")
FAMILY_NAMES = ("Lovelace", "Kay", "Liskov", "Shannon", "Vaughan", "Dijkstra", "Allen", "Hopper", "Lamarr",
                "Sutherland", "Clarke", "Thompson", "Lamport", "Hamilton", "Wirth", "Dahl", "Perlman", "Wilson",
                "Berners-Lee", "Martin", "Cerf", "Hall", "Wang", "Matsumoto", "Alferov", "Nygaard", "Holm", "Berg",
                "Lindgren", "Olsen")
DEPARTMENT_NAMES = ("Engineering", "Sales", "Marketing", "Finance", "People", "Operations", "Support", "Legal",
                    "Product", "Design", "Data", "Security", "Facilities", "Procurement", "Research")
TITLES = ("Software Engineer", "Senior Software Engineer", "Account Executive", "Controller", "People Partner",
          "Operations Manager", "Support Specialist", "Counsel", "Product Manager", "Designer", "Data Analyst",
          "Security Engineer", "Office Manager", "Buyer", "Research Scientist")
TERMINATION_TYPES = ("VOLUNTARY", "VOLUNTARY", "VOLUNTARY", "INVOLUNTARY", "RETIREMENT")
TERMINATION_REASONS = ("Relocation", "New opportunity", "Performance", "Restructuring", "Retirement")
GENDERS = ("FEMALE", "MALE", "NONBINARY", "PREFER_NOT_TO_SAY")
GENERATED_SINCE = int(datetime(2015, 1, 1, tzinfo=timezone.utc).timestamp())
GENERATED_UNTIL = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
BORN_SINCE_DAY = (date(1955, 1, 1) - date(1970, 1, 1)).days
BORN_SPAN_DAYS = (date(2004, 12, 31) - date(1955, 1, 1)).days


def generated_data(*, workers: int, departments: int, seed: int) -> dict[str, list[dict]]:
    """A deterministic company of `workers` workers (each with a user) in a department tree.

    Plain dicts in one pass with a seeded RNG (`random()` indexing, cheaper than choice/randrange)
    and the cyclic garbage collector paused while the lists grow: 100,000 workers in about two seconds.
    """
    rng = random.Random(seed)
    draw = rng.random

    def pick(options):
        return options[int(draw() * len(options))]

    department_rows: list[dict] = []
    roots = max(1, min(departments, 3 + departments // 10))
    for n in range(1, departments + 1):
        base = DEPARTMENT_NAMES[(n - 1) % len(DEPARTMENT_NAMES)]
        name = base if n <= len(DEPARTMENT_NAMES) else f"{base} {(n - 1) // len(DEPARTMENT_NAMES) + 1}"
        parent = None if n <= roots else department_rows[int(draw() * (n - 1))]
        department_rows.append(department_record(n, name, parent=parent, created=REFERENCE_CREATED))
    department_ids = [row["id"] for row in department_rows]

    worker_rows, user_rows = [], []
    managers = max(1, workers // 8)
    span = GENERATED_UNTIL - GENERATED_SINCE
    with paused_gc():
        for n in range(1, workers + 1):
            given, family = pick(GIVEN_NAMES), pick(FAMILY_NAMES)
            email = f"{given}.{family}.{n}@example.com".lower()
            created_s = GENERATED_SINCE + int(draw() * span)
            updated_s = created_s + int(draw() * (GENERATED_UNTIL - created_s))
            created, updated = timestamp(created_s), timestamp(updated_s)
            start_day = (created_s // DAY_SECONDS) + 7 + int(draw() * 53)
            roll = draw()
            status = ("ACTIVE" if roll < 0.80 else "TERMINATED" if roll < 0.90 else "HIRED" if roll < 0.95
                      else "ACCEPTED" if roll < 0.98 else "INIT")
            extra: dict = {}
            if status == "TERMINATED":
                end_day = max(start_day, min(start_day + 30 + int(draw() * 2970), updated_s // DAY_SECONDS))
                extra["end_date"] = day_text(end_day)
                extra["termination_details"] = {"type": pick(TERMINATION_TYPES), "reason": pick(TERMINATION_REASONS)}
            kind = draw()
            manager = 1 + int(draw() * managers)
            worker_rows.append(worker_record(
                n, email=email, status=status, start_date=day_text(start_day), department_id=pick(department_ids),
                title=pick(TITLES), created=created, updated=updated,
                employment_type_id=EMPLOYEE_TYPE_ID if kind < 0.85 else CONTRACTOR_TYPE_ID if kind < 0.95
                else PART_TIME_TYPE_ID,
                remote=draw() < 0.25, is_manager=n <= managers,
                manager_id=None if n == 1 else object_id(WORKER_KIND, manager if manager != n else 1),
                gender=pick(GENDERS), date_of_birth=day_text(BORN_SINCE_DAY + int(draw() * BORN_SPAN_DAYS)), **extra))
            user_rows.append(user_record(n, given, family, email, created, updated=updated,
                                         active=status != "TERMINATED"))
    return {**reference_data(), "departments": department_rows, "workers": worker_rows, "users": user_rows}
