"""The seeded demo account of the monday sandbox: Northwind's account, three users, three boards."""
from __future__ import annotations

from sandbox.vendors.monday import columns
from sandbox.vendors.monday.contract import ACCOUNT_ID, ADMIN_USER_ID, DEMO_PLAN, GUEST_USER_ID, MEMBER_USER_ID


def account() -> dict:
    return {
        "id": ACCOUNT_ID, "name": "Northwind Demo", "slug": "northwind-demo", "tier": DEMO_PLAN,
        "country_code": "SE", "first_day_of_the_week": "monday", "show_timeline_weekends": False,
        "active_members_count": 3, "is_during_trial": False, "is_trial_expired": False,
        "created_at": "2023-02-01", "sign_up_product_kind": "core",
        "plan": {"max_users": 25, "period": "yearly", "tier": DEMO_PLAN, "version": 9},
    }


def workspaces() -> dict:
    """The account's workspaces; every seeded board is in the main one (`workspace_id` 4100001)."""
    return {w["id"]: w for w in [
        {"id": "4100001", "name": "Main workspace", "kind": "open", "description": "", "is_default_workspace": True,
         "state": "active", "created_at": "2023-02-01T08:00:00Z"},
        {"id": "4100002", "name": "Finance", "kind": "closed", "description": "Accounts payable and receivable",
         "is_default_workspace": False, "state": "active", "created_at": "2024-05-02T08:00:00Z"},
    ]}


def _user(user_id, name, email, title, kind, api_access=True) -> dict:
    return {
        "id": user_id, "name": name, "email": email, "title": title, "kind": kind, "api_access": api_access,
        "account_id": ACCOUNT_ID, "created_at": "2023-02-01T08:00:00Z", "status": "ACTIVE",
        "invitation_method": "USER", "is_deleted": False, "is_email_confirmed": True,
        "url": f"https://northwind-demo.monday.com/users/{user_id}", "time_zone_identifier": "Europe/Stockholm",
        "utc_hours_diff": 1.0, "country_code": "SE", "bb_visitor_id": f"bb-{user_id}",
    }


def users() -> dict:
    return {user["id"]: user for user in [
        _user(ADMIN_USER_ID, "Ada Admin", "ada@northwind.example", "People Ops lead", "admin"),
        _user(MEMBER_USER_ID, "Max Member", "max@northwind.example", "Recruiter", "member"),
        _user(GUEST_USER_ID, "Gil Guest", "gil@partner.example", "Contractor", "guest", api_access=False),
    ]}


def boards(store) -> None:
    store.add_board("Employees", "Everyone employed by Northwind", [
        ("text_title", "Job title", "text", {}),
        ("email_1", "Work email", "email", {}),
        ("phone_1", "Phone", "phone", {}),
        ("status", "Employment status", "status", {"labels": {"0": "Onboarding", "1": "Active", "2": "Leaver"}}),
        ("date4", "Start date", "date", {}),
        ("numbers", "FTE", "numbers", {}),
    ], board_id="1800000001")
    store.add_board("Onboarding", "New-hire checklist", [
        ("name", "Task", "name", {}),
        ("person", "Owner", "people", {}),
        ("status", "Status", "status", {"labels": {"0": "Working on it", "1": "Done", "2": "Stuck"}}),
        ("timeline", "Timeline", "timeline", {}),
    ], board_id="1800000002")
    store.add_board("Hires 2023", "Archived intake board", [], board_id="1800000003", state="archived")
    for name, title, email, status, start in [
        ("Ada Lovelace", "Analyst", "ada.l@northwind.example", "Active", "2021-03-01"),
        ("Grace Hopper", "Engineer", "grace@northwind.example", "Active", "2022-09-12"),
        ("Alan Turing", "Researcher", "alan@northwind.example", "Onboarding", "2026-12-07"),
    ]:
        store.create_item("1800000001", name, column_values={
            "text_title": title, "email_1": {"email": email, "text": name}, "status": {"label": status},
            "date4": {"date": start}, "numbers": "1"})
    for task, status in [("Laptop", "Done"), ("Badge", "Working on it"), ("Accounts", "Stuck")]:
        store.create_item("1800000002", task, column_values={
            "person": {"personsAndTeams": [{"id": int(MEMBER_USER_ID), "kind": "person"}]}, "status": {"label": status}})


def event_value(column: dict, raw: dict | None, users: dict) -> dict | None:
    """A value as webhook deliveries carry it (docs/vendors/monday.md §7 captures; style keys UNCONFIRMED)."""
    if raw is None:
        return None
    if column["type"] == "status":
        label = columns.text_of(column, raw, users)
        return {"label": {"index": raw["index"], "text": label, "style": {"color": "#00c875", "border": "#00b461"},
                          "is_done": label == "Done"}, "post_id": None}
    if column["type"] in ("text", "phone", "long_text"):
        return {"value": raw["text"]}
    return dict(raw)
