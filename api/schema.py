"""The API docs in words: what each endpoint does, the reader's own tenant slugs, and the guide by URL.

A drf-spectacular postprocessing hook, so the views keep their code and the words live in one place. Who may
call what is said once, in the introduction, not repeated as every endpoint's description.
"""
from __future__ import annotations

from django.urls import reverse

from connections.selectors import tenants_for_user

ACCESS = ("**Who may do what.** Every path under `/tenants/{tenant_slug}/` belongs to one company: its members "
          "read, its owners and admins also change things (a viewer gets 403), and for anyone else the company "
          "does not exist (404).")

DESCRIPTIONS = {
    "connections_list": "Lists the company's vendor connections with their last test result. Credentials are "
                        "never returned.",
    "connections_create": "Creates a connection to one vendor account (its kind, server address, credentials and "
                          "settings). It is untested until you test it.",
    "connections_retrieve": "One connection: its vendor, settings, status and the error of its last test.",
    "integrations_list": "Lists the company's integrations (source → destination, schedule, on or off).",
    "integrations_create": "Creates an integration between two of the company's connections; it starts turned "
                           "off unless `enabled` is true.",
    "integrations_retrieve": "One integration: its flow, connections, streams, schedule and options.",
    "value_mappings_list": "Lists an integration's translations of source values (e.g. a department) into "
                           "destination values (e.g. a cost center).",
    "value_mappings_read": "One translation: its source and target value, and the translation's title.",
    "value_mappings_destroy": "Deletes one translation; records that need it are held again at the next run.",
    "field_mappings_list": "Lists an integration's overrides of its flow's default field mapping. An empty list "
                           "means the defaults apply.",
    "field_mappings_read": "One override of a field: its source field, translation and default.",
    "field_mappings_destroy": "Deletes one override; the flow's default for that field applies again.",
    "runs_list": "Lists the company's runs, newest first, with their counts (read, created, updated, unchanged, "
                 "held, failed) and error. `number` counts the runs of each integration.",
    "runs_retrieve": "One run with its counts, error and the number of audit rows per outcome.",
    "audit_records_list": "Lists what happened to each record (read, written, held, failed), newest first.",
    "audit_records_retrieve": "One audit row: the record, what was done, the outcome, why, and the mapping used.",
    "pending_records_list": "Lists records that are not written yet: held for a missing mapping, refused by the "
                            "destination, or quarantined as bad input, each with the reason and what to do.",
    "memberships_list": "Lists the company's members and their roles.",
    "memberships_update": "Changes a member's role (owner, admin or viewer).",
    "memberships_destroy": "Removes a member from the company.",
}


def schema_words(result, generator, request, public):
    guide = request.build_absolute_uri(reverse("docs-page", args=["api.md"])) if request else "/docs/api.md"
    slugs = []
    if request is not None and getattr(request.user, "is_authenticated", False):
        slugs = list(tenants_for_user(user=request.user).order_by("name").values_list("slug", "name"))
    yours = ("Your companies' slugs: " + ", ".join(f"`{slug}` ({name})" for slug, name in slugs) + "."
             if slugs else "`GET /api/v1/tenants` lists the slugs of your companies.")
    result["info"]["description"] = (
        "Connections, integrations, runs, the audit trail and replays of your company. "
        f"{yours}\n\n{ACCESS}\n\nThe guide: [{guide}]({guide}).")
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            described = DESCRIPTIONS.get(operation.get("operationId"))
            if described:
                operation["description"] = described
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "tenant_slug" and parameter.get("in") == "path":
                    parameter["description"] = "Your company's slug, as in the admin's address and GET /tenants."
                    if slugs:
                        parameter["example"] = slugs[0][0]
    return result
