"""Board setup: pick an existing board (by id or name) or create one, and make sure it has every column the flow
writes, the key column included; the result is the board's *layout*, saved in the integration's options.

    options["boards"] = {"documents": {"id": "18…", "name": "Visma documents",
                                       "columns": {"amount": {"id": "numbers_1", "type": "numbers", "title": "Amount"},
                                                   "visma_key": {…}, …}},
                         "reference": {…}}

A flow column is matched to a board column by an explicit table (`columns={key: column id}`, the wizard's
mapping), else by title (case and spacing ignored), else by position (`by_position=True`: the board's columns
after the item name, in the flow's order); what is still missing is created with the flow's id, title and type.
The key column is always ours: a text column holding the Visma document key, which reconciliation searches, so
monday's API cannot hide it (a board view can), and its description says so.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from connections.vendors.errors import VendorConfigurationError
from syncs.flows.visma_monday.columns import DOCUMENT_COLUMNS, KEY, REFERENCE_COLUMNS, Column

NEW = "new"  # an option value: create a new board with the flow's columns (then the option holds its id)


@dataclass(frozen=True)
class BoardRole:
    """One board the flow writes to: what it holds, the option that picks it, and its columns."""

    role: str  # the key of its layout in options["boards"]
    holds: str  # in the customer's words, for the wizard's picker ("purchase orders")
    default_name: str  # the board found by this name, or created with it
    columns: tuple[Column, ...]
    option: str  # Integration.options key: a board id, NEW, or "" (by name; or `same_as`'s board)
    same_as: str = ""  # "": found by name or created; else the board of that role unless one is picked


ROLES = (
    BoardRole("documents", "supplier invoices", "Visma documents", DOCUMENT_COLUMNS, "board_id"),
    BoardRole("purchase_orders", "purchase orders", "Visma purchase orders", DOCUMENT_COLUMNS,
              "purchase_orders_board_id", same_as="documents"),
    BoardRole("customer_invoices", "customer invoices", "Visma customer invoices", DOCUMENT_COLUMNS,
              "customer_invoices_board_id", same_as="documents"),
    BoardRole("reference", "GL accounts and dimensions (reference data)", "Visma reference data", REFERENCE_COLUMNS,
              "reference_board_id"),
)
ROLE = {r.role: r for r in ROLES}
BOARDS = {r.role: (r.default_name, r.columns) for r in ROLES}
# Roles whose items carry an approval that flows back to Visma (statuses.py): the status webhook's boards.
APPROVAL_ROLES = ("documents", "purchase_orders")
# Column types a value can be written to, per flow column type (the transforms in columns.py).
COMPATIBLE = {"text": {"text", "long_text"}, "numbers": {"numbers", "text", "long_text"},
              "date": {"date", "text"}, "status": {"status", "text", "dropdown"}, "link": {"link", "text"}}


def _norm(title: str) -> str:
    return " ".join(str(title or "").lower().split())


def layout_match(board: dict, wanted: tuple[Column, ...], *, columns: dict[str, str] | None = None,
                 by_position: bool = False) -> tuple[dict[str, dict], list[Column], list[str]]:
    """(layout of the flow columns found on the board, flow columns missing, problems) — pure."""
    on_board = [c for c in board.get("columns") or [] if c["type"] != "name"]
    by_id = {c["id"]: c for c in on_board}
    by_title = {_norm(c["title"]): c for c in on_board}
    layout, missing, problems, taken = {}, [], [], set()
    for n, column in enumerate(wanted):
        found = None
        if columns and column.key in columns:
            found = by_id.get(columns[column.key])
            if found is None:
                problems.append(f"{column.title}: the board has no column {columns[column.key]!r}.")
                continue
        elif column.key in by_id:
            found = by_id[column.key]
        elif column.key != KEY and by_position:
            free = [c for c in on_board if c["id"] not in taken and c["id"] != KEY]
            found = free[0] if free else None
        elif _norm(column.title) in by_title:
            found = by_title[_norm(column.title)]
        if found is not None and found["type"] not in COMPATIBLE.get(column.type, {column.type}):
            problems.append(f"{column.title}: column {found['title']!r} is a {found['type']} column; "
                            f"it needs one of {', '.join(sorted(COMPATIBLE.get(column.type, {column.type})))}.")
            continue
        if found is None or found["id"] in taken:
            missing.append(column)
            continue
        taken.add(found["id"])
        layout[column.key] = {"id": found["id"], "type": found["type"], "title": found["title"]}
    return layout, missing, problems


def board_layout_ensure(client, *, role: str, board_id: str | None = None, name: str | None = None,
                        columns: dict[str, str] | None = None, by_position: bool = False, create: bool = False) -> dict:
    """The board of `role` (ROLES) with every flow column, creating what is missing (`create`: a new board)."""
    default_name, wanted = BOARDS[role]
    name = name or default_name
    board = None if create else client.board_get(board_id) if board_id else next(
        (b for b in _boards(client) if b.get("name") == name and b.get("state") == "active"), None)
    if board_id and board is None:
        raise VendorConfigurationError(f"monday.com has no board {board_id} that the token's user can see; pick "
                                       "another board in the integration's setup, or let it create one.",
                                       vendor="monday.com")
    if board is None:
        board = client.board_create(name=name, description="Kept in sync with Visma.net by ml-connector.")
    layout, missing, problems = layout_match(board, wanted, columns=columns, by_position=by_position)
    if problems:
        raise VendorConfigurationError(f"Board {board['name']!r} cannot take the flow's values: {' '.join(problems)}",
                                       vendor="monday.com")
    taken = {c["id"] for c in board.get("columns") or []}
    for column in missing:
        made = client.column_create(board["id"], title=column.title, column_type=column.type,
                                    column_id=None if column.key in taken else column.key,
                                    defaults=column.defaults(), description=column.description or None)
        layout[column.key] = {"id": made["id"], "type": made["type"], "title": made["title"]}
    # Every column of the board by id too: the wizard's explicit field rules may name any of them.
    everything = {c["id"]: {"id": c["id"], "type": c["type"], "title": c["title"]}
                  for c in board.get("columns") or [] if c["type"] != "name"}
    everything.update({c["id"]: c for c in layout.values()})
    return {"id": str(board["id"]), "name": board["name"], "columns": layout, "board_columns": everything}


def _boards(client) -> list[dict]:
    found, page = [], 1
    while True:
        boards = client.boards_with_columns(limit=100, page=page)
        found += boards
        if len(boards) < 100:
            return found
        page += 1


def board_setup(*, integration, client, documents_board: str | None = None,
                reference_board: str | None = None, name: str | None = None, columns: dict[str, str] | None = None,
                by_position: bool = False) -> dict:
    """Pick or create every board (ROLES) and save their layouts in the integration's options; returns the
    layouts. The boards are those the options pick (the wizard's board picker), `documents_board` and
    `reference_board` overriding; a board made for NEW is written back as the option's id, so setup run again
    finds it instead of making another."""
    from connections.services import connection_config_remember
    from syncs.models import Integration  # the flow registry is imported by the models: not at discovery time
    from syncs.services import integration_update

    # Whose writes are ours: the monday webhook intake ignores deliveries this user caused (own-user guard).
    client.me_id()
    connection_config_remember(connection=integration.destination, values=client.discovered_config)
    chosen = {r.option: str((integration.options or {}).get(r.option) or "") for r in ROLES}
    chosen.update({option: str(given) for option, given in (("board_id", documents_board),
                                                            ("reference_board_id", reference_board)) if given})
    boards: dict[str, dict] = {}
    for role in ROLES:
        picked = chosen[role.option]
        if role.same_as and not picked:
            boards[role.role] = boards[role.same_as]
            continue
        ours = role.role == "documents"  # the explicit column table and name are the documents board's
        boards[role.role] = board_layout_ensure(
            client, role=role.role, board_id=None if picked in ("", NEW) else picked, create=picked == NEW,
            name=name if ours else None, columns=columns if ours else None, by_position=by_position and ours)
        if picked == NEW:
            chosen[role.option] = boards[role.role]["id"]
    with transaction.atomic():
        row = Integration.objects.select_for_update().get(pk=integration.pk)
        picks = {option: value for option, value in chosen.items() if value}
        integration_update(integration=row, options={**(row.options or {}), **picks, "boards": boards})
    integration.options = row.options
    return boards


def boards_ensure(ctx) -> dict:
    """The boards' layouts (options["boards"]); on the first run, picked or created by board setup."""
    boards = ctx.options.get("boards") or {}
    if not {"documents", "reference"} <= set(boards) and ctx.dry_run:
        # A preview (the wizard's dry run) creates nothing: the boards as setup would leave them.
        from syncs.flows.visma_monday.wizard import planned_board

        boards = {role.role: boards.get(role.role) or planned_board(ctx, role.role) for role in ROLES}
        ctx.options["boards"] = boards
    elif not {"documents", "reference"} <= set(boards):
        boards = board_setup(integration=ctx.integration, client=ctx.destination,
                             documents_board=ctx.options.get("board_id"),
                             reference_board=ctx.options.get("reference_board_id"))
        ctx.options["boards"] = boards
        # Set up by a run: the first one, or the first after a board was moved on the settings page
        # (moves.py). The wizard registered the approval webhooks of the boards it set up; a moved board's
        # statuses would otherwise stay on it. The run reports what it did once (BoardItems.notes).
        ctx.setup_notes.append(approval_webhooks_ensure(ctx, boards))
    return boards


def board_webhook_ensure(*, client, board_id: str, url: str, column_id: str) -> dict:
    """monday calls `url` when the approval column of the board changes (its challenge is answered by our intake)."""
    for hook in client.webhooks(board_id):
        if hook.get("event") == "change_specific_column_value" and column_id in str(hook.get("config") or ""):
            return hook
    return client.webhook_create(board_id, url=url, event="change_specific_column_value",
                                 config={"columnId": column_id})


def destination_setup(ctx) -> list[str]:
    """The wizard's last step (before the integration is turned on): both boards set up, and monday told to call
    our intake when the approval column changes. A webhook monday cannot verify (our SITE_URL is not reachable
    from monday) is reported, not fatal: the board's statuses then do not flow back until it is registered."""
    boards = board_setup(integration=ctx.integration, client=ctx.destination,
                         documents_board=ctx.options.get("board_id"),
                         reference_board=ctx.options.get("reference_board_id"))
    documents = boards["documents"]
    said = [(f"monday.com board '{documents['name']}' ({documents['id']}) has the {len(documents['columns'])} columns "
             f"the flow writes, the key column '{documents['columns']['visma_key']['title']}' included; reference "
             f"data goes to '{boards['reference']['name']}'.")]
    said += [f"{ROLE[role].holds.capitalize()} go to monday.com board '{layout['name']}' ({layout['id']})."
             for role, layout in boards.items() if ROLE[role].same_as and layout["id"] != documents["id"]]
    return said + [approval_webhooks_ensure(ctx, boards)]


def approval_webhooks_ensure(ctx, boards: dict) -> str:
    """monday told to call our intake when the approval column of each board with approvals changes (once per
    board: an existing webhook is kept); what happened, in a sentence. A webhook monday cannot verify (our
    SITE_URL is not reachable from monday) is reported, not fatal: statuses then stay on the board."""
    from connections.selectors import connection_webhook_url
    from connections.vendors.errors import VendorError

    approval_boards = {boards[role]["id"]: boards[role] for role in APPROVAL_ROLES}.values()
    try:
        for board in approval_boards:
            board_webhook_ensure(client=ctx.destination, board_id=board["id"],
                                 url=connection_webhook_url(connection=ctx.integration.destination),
                                 column_id=board["columns"]["approval"]["id"])
    except VendorError as error:
        return (f"monday.com could not be told to send approval changes ({error.vendor_message or error}); "
                "check that SITE_URL is reachable from monday.com; until the webhook is registered "
                "(docs/flows/visma-monday.md), statuses set on the board stay there.")
    names = ", ".join(f"“{board['name']}”" for board in approval_boards)
    return f"Approval changes on board {names} are sent back to Visma."
