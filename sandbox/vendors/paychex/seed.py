"""Seeded Paychex data, shaped as the official samples (specs/paychex/samples/) and SPEC examples.

Company WWEMHMFU holds the samples' reference lists and workers (plus a few more so paging has pages);
the organization hierarchy follows the SPEC's COMPANIES_ORG_GET example (parent/child links).
"""
from __future__ import annotations

import copy

DEMO_CREDENTIALS = {"client_id": "mlconnector-sandbox-api-key", "client_secret": "paychex-sandbox-secret"}
# Authenticates, but no company has granted the application access: 403 API-2 on every company resource.
RESTRICTED_CREDENTIALS = {"client_id": "mlconnector-restricted-api-key", "client_secret": "paychex-restricted-secret"}

DEMO_COMPANY_ID = "WWEMHMFU"
SECOND_COMPANY_ID = "RPELHMDU"
INACTIVE_COMPANY_ID = "00H2A1IUJXXCQWJ2GHGH"  # linked, but hasPermission false (no active payroll)
UNLINKED_COMPANY_ID = "99Z5V9BTI8J2FCGESC05"  # a Paychex client that never linked the demo application


def _address(street, city, postal, subdivision, country, **extra):
    return {"type": "STREET_ADDRESS", "usageType": "BUSINESS", "streetLineOne": street, "city": city,
            "postalCode": postal, "countrySubdivisionCode": subdivision, "countryCode": country, **extra}


# Companies as in samples/companies_companies.json and the SPEC's COMPANIES_GET example. The samples'
# legalIdType "INFL" is outside the SPEC enum (SSN, FEIN), so FEIN is used (docs/vendors/paychex.md §4).
SEED_COMPANIES = [
    {"companyId": DEMO_COMPANY_ID, "displayId": "62725201", "legalName": "SAMPLE CLIENT", "hasPermission": True,
     "legalId": {"legalIdType": "FEIN", "legalIdValue": "161234567"},
     "communications": [_address("112 PANORAMA ST.", "KASOL", "175105", "HP", "IN")]},
    {"companyId": SECOND_COMPANY_ID, "displayId": "98771491", "legalName": "SAMPLE CLIENT 2", "hasPermission": True,
     "legalId": {"legalIdType": "FEIN", "legalIdValue": "161234568"},
     "communications": [_address("120 ST. PARKS", "LUDIANA", "385125", "PB", "IN")]},
    {"companyId": INACTIVE_COMPANY_ID, "displayId": "70125533", "legalName": "DORMANT CLIENT LLC",
     "hasPermission": False, "legalId": {"legalIdType": "FEIN", "legalIdValue": "161234569"},
     "communications": [_address("1517 Empire Blvd", "Webster", "14580", "NY", "US")]},
    {"companyId": UNLINKED_COMPANY_ID, "displayId": "09620579", "legalName": "Monsters, Inc", "hasPermission": True,
     "legalId": {"legalIdType": "FEIN", "legalIdValue": "995886885"},
     "communications": [_address("Mike St", "ANAHEIM", "92802", "CA", "US", streetLineTwo="Sulley Ln",
                                 postalCodeExtension="7890")]},
]

# Reference lists of the demo company (samples/job_titles_job_titles.json, jobs_jobs.json, locations_locations.json,
# labor_assignments_labor_assignments.json; SPEC COMPANIES_ORG_GET, COMPANY_PAYCOMPONENTS_GET, …PAYFREQUENCIES_GET).
JOB_TITLES = [
    {"jobTitleId": "87186920", "title": "Developer", "startDate": "2020-01-01T00:00:00Z"},
    {"jobTitleId": "850038651", "title": "Tester", "startDate": "2020-01-01T00:00:00Z"},
    {"jobTitleId": "850038652", "title": "Team Lead", "startDate": "2020-01-01T00:00:00Z"},
]
JOBS = [
    {"jobId": "970001557916902", "jobName": "My job A", "startDate": "2018-12-20T00:00:00Z",
     "endDate": "2025-12-20T00:00:00Z", "jobNumber": {"segment1": "A1", "segment2": "A2"}},
    {"jobId": "970001557916904", "jobName": "My job B", "startDate": "2018-12-20T00:00:00Z",
     "jobNumber": {"segment1": "B1"}},
]
# `parentId` is the sandbox's own bookkeeping: served as parent/child links, never as a field.
ORGANIZATIONS = [
    {"organizationId": "850001539951646", "name": "Company", "number": "0", "level": "Company", "parentId": None},
    {"organizationId": "850002407928077", "name": "1 North Division", "number": "1", "level": "North Division",
     "parentId": "850001539951646"},
    {"organizationId": "850002407928079", "name": "1 Branch 1 - north", "number": "1", "level": "Branch",
     "parentId": "850002407928077"},
    {"organizationId": "850002407928081", "name": "1 Administration", "number": "1", "level": "Administration",
     "parentId": "850002407928079"},
    {"organizationId": "850002407928090", "name": "2 South Division", "number": "2", "level": "South Division",
     "parentId": "850001539951646"},
    # The sandbox's own: a name that matches a Visma department's (Operations), as real charts often do.
    {"organizationId": "850002407928095", "name": "Operations", "number": "3", "level": "Branch",
     "parentId": "850002407928090"},
]
LOCATIONS = [
    {"locationId": "970000082973090", "name": "Default Location",
     "address": {"streetLineOne": "1517 Empire Blvd", "city": "Webster", "postalCode": "14580",
                 "countrySubdivisionCode": "NY", "countryCode": "US"}},
    {"locationId": "970000106981852", "name": "Location1",
     "address": {"streetLineOne": "675 Basket Rd", "city": "Webster", "postalCode": "14580",
                 "countrySubdivisionCode": "NY", "countryCode": "US"}, "movedIn": "2017-07-25T00:00:00Z"},
    {"locationId": "970001451713467", "name": "Location 2",
     "address": {"streetLineOne": "1891 Ridge Rd", "city": "Webster", "postalCode": "14580",
                 "countrySubdivisionCode": "NY", "countryCode": "US"}, "movedIn": "2017-07-25T00:00:00Z"},
]
LABOR_ASSIGNMENTS = [
    {"laborAssignmentId": "970001701620720", "name": "Assignment 3", "startDate": "2019-01-24T00:00:00Z",
     "endDate": "2029-12-24T00:00:00Z", "organizationId": "850002407928079", "positionId": "970000180782611",
     "locationId": "970000106981852"},
    {"laborAssignmentId": "970001701620607", "name": "Assignement2", "startDate": "2018-12-09T00:00:00Z",
     "locationId": "970001451713467"},
]
PAY_COMPONENTS = [
    {"componentId": "970000076689326", "name": "Old regular pay", "classificationType": "REGULAR",
     "description": "Use for regular pay.", "code": "1", "effectOnPay": "ADDITION", "startDate": "2017-01-01T00:00:00Z",
     "endDate": "2017-12-31T00:00:00Z", "appliesToWorkerTypes": ["EMPLOYEE"]},
    {"componentId": "970000079956947", "name": "Deduction", "classificationType": "DEDUCTION",
     "description": "Use for any normal employee deduction.", "code": "12", "effectOnPay": "REDUCTION",
     "startDate": "2017-03-02T00:00:00Z", "appliesToWorkerTypes": ["INDEPENDENT_CONTRACTOR", "EMPLOYEE"]},
]
PAY_FREQUENCIES = [
    {"payFrequency": "WEEKLY", "payComponentFrequency": {"applied": "BY_PAY_PERIOD", "occurrence": "SEMI_MONTHLY",
                                                         "occurrenceIntervals": {"interval1": "1", "interval2": "4"}}},
    {"payFrequency": "WEEKLY", "payComponentFrequency": {"applied": "BY_PAY_PERIOD", "occurrence": "SEMI_MONTHLY",
                                                         "occurrenceIntervals": {"interval1": "1",
                                                                                 "interval2": "Last"}}},
]

# (given, family, employeeId, jobTitle index, organization index, location index, hire date)
_PEOPLE = [
    ("Manu", "Sharma", "9", 1, 2, 1, "2014-10-13"), ("Amar", "Hari", "3", 0, 2, 1, "2011-08-17"),
    ("Paul", "Walker", "105", 0, 3, 0, "2019-09-03"), ("Harshita", "H", "12", 2, 1, 0, "2016-02-01"),
    ("Grace", "Hopper", "21", 0, 4, 2, "2020-05-11"), ("Alan", "Turing", "22", 1, 4, 2, "2021-01-04"),
    ("Ada", "Lovelace", "23", 2, 3, 0, "2022-03-15"),
]


def worker_id(company_id: str, n: int) -> str:
    return f"00{company_id[:4]}W{n:06d}"


def seed_worker(company_id: str, n: int, given: str, family: str, employee_id: str, job_title: dict,
                organization: dict, location: dict, hire_date: str) -> dict:
    """One worker in the default profile (docs/vendors/paychex.md §4 worker record), with its sub-resources
    (`_status`, `_communications`, `_payrates`, `_paycomponents`: the sandbox's own, never served as fields)."""
    wid = worker_id(company_id, n)
    hired = f"{hire_date}T00:00:00Z"
    status = {"workerStatusId": f"{wid}S1", "statusType": "ACTIVE", "statusReason": "HIRED", "effectiveDate": hired}
    return {
        "workerId": wid, "employeeId": employee_id, "workerType": "EMPLOYEE",
        "employmentType": "FULL_TIME" if n % 3 else "PART_TIME", "exemptionType": "NON_EXEMPT", "workState": "NY",
        "birthDate": f"19{80 + n}-0{1 + n % 9}-1{n % 10}T00:00:00Z", "sex": "NOT_SPECIFIED",
        "ethnicityCode": "WHITE_NOT_OF_HISPANIC_ORIGIN", "hireDate": hired, "clockId": employee_id,
        "name": {"familyName": family, "givenName": given}, "legalId": {"legalIdType": "SSN",
                                                                       "legalIdValue": f"88888{n:04d}"},
        "laborAssignmentId": LABOR_ASSIGNMENTS[n % 2]["laborAssignmentId"], "locationId": location["locationId"],
        "jobId": JOBS[n % 2]["jobId"], "job": {"title": job_title["title"], "jobTitleId": job_title["jobTitleId"]},
        "organization": {"organizationId": organization["organizationId"], "name": organization["name"],
                         "number": organization["number"]},
        "currentStatus": dict(status),
        "_company": company_id,
        "_status": [{**status, "order": 0}],
        "_communications": [{"communicationId": f"{wid}C1", "type": "EMAIL", "usageType": "BUSINESS",
                             "uri": f"{given.lower()}.{family.lower()}@example.com"}],
        "_payrates": [{"rateId": f"{wid}R1", "startDate": hired, "rateNumber": "RATE_1", "rateType": "HOURLY_RATE",
                       "description": "Regular", "amount": f"{20 + n}.50", "standardHours": "40.00",
                       "default": True}],
        "_paycomponents": [{"workerComponentId": f"{wid}P1", "componentId": PAY_COMPONENTS[1]["componentId"],
                            "name": "Deduction - 1", "calculationType": "FLAT_DOLLAR_AMOUNT", "value": 25.75,
                            "startDate": hired, "effectOnPay": "REDUCTION"}],
    }


def seed_company_data(company_id: str, people: int | None = None) -> dict:
    """Reference lists and workers of one company; the other linked companies get the same lists."""
    chosen = _PEOPLE if people is None else _PEOPLE[:people]
    data = {"jobtitles": copy.deepcopy(JOB_TITLES), "jobs": copy.deepcopy(JOBS),
            "organizations": copy.deepcopy(ORGANIZATIONS), "locations": copy.deepcopy(LOCATIONS),
            "laborassignments": copy.deepcopy(LABOR_ASSIGNMENTS), "paycomponents": copy.deepcopy(PAY_COMPONENTS),
            "payfrequencies": copy.deepcopy(PAY_FREQUENCIES)}
    workers = {}
    for n, (given, family, employee_id, title, org, loc, hired) in enumerate(chosen, start=1):
        worker = seed_worker(company_id, n, given, family, employee_id, JOB_TITLES[title], ORGANIZATIONS[org],
                             LOCATIONS[loc], hired)
        workers[worker["workerId"]] = worker
    # Everyone has a supervisor, as every sample worker does: Harshita (the fourth) where she exists.
    people = list(workers.values())
    for i, worker in enumerate(people):
        boss = 3 if len(people) > 3 and i != 3 else (1 if i == 0 else 0)
        if len(people) > 1:
            worker["supervisor"] = {"workerId": people[boss]["workerId"], "name": dict(people[boss]["name"])}
    return {"reference": data, "workers": workers}
