"""The wizard's board picker (the streams step): one dropdown per board role (board.ROLES) listing the account's
real boards, read live (`boards(state: active)`, page by page, with their workspace: archived and deleted boards
are not offered), or "Create a new board with the right columns".

`option_choices(ctx)` is the wizard's hook for live options; `options_check(ctx, options)` runs when the step is
saved: every picked board is read again with the token, and one it cannot see is refused with what monday.com
answers, before anything is stored. A board picked anew drops the saved layouts, so setup matches its columns
and the mapping step shows them.
"""
from __future__ import annotations

from connections.vendors.errors import VendorNotFound
from syncs.flows.base import FlowContext, OptionChoice
from syncs.flows.visma_monday.board import NEW, ROLE, ROLES

CREATE = "Create a new board with the right columns"


def board_label(board: dict) -> str:
    workspace = (board.get("workspace") or {}).get("name") or "Main workspace"
    private = " (private)" if board.get("board_kind") == "private" else ""
    return f"{board['name']}{private} — workspace {workspace}"


def option_choices(ctx: FlowContext) -> list[OptionChoice]:
    """One dropdown per board role; the first choice is what setup would do with nothing picked."""
    boards = sorted(ctx.destination.boards_all(), key=lambda b: ((b.get("workspace") or {}).get("name") or "",
                                                                 b["name"].lower()))
    listed = tuple((str(b["id"]), board_label(b)) for b in boards)
    picks = []
    for role in ROLES:
        if role.same_as:
            first = (("", f"The same board as {ROLE[role.same_as].holds}"), (NEW, CREATE))
        else:
            # Nothing picked: setup takes the board of the default name, else creates it.
            named = next((choice for b, choice in zip(boards, listed) if b["name"] == role.default_name), None)
            first = (named, (NEW, CREATE)) if named else (("", f"{CREATE} (“{role.default_name}”)"),)
        listed_rest = tuple(choice for choice in listed if choice not in first)
        picks.append(OptionChoice(role.option, f"monday.com board for {role.holds}", (*first, *listed_rest),
                                  dropdown=True))
    return picks


def options_check(ctx: FlowContext, options: dict) -> dict:
    """The options to store: every picked board read again with the token (VendorNotFound for one it cannot
    see, with monday's words where it gives any); saved layouts dropped when a board changed."""
    picked = {role.role: str(options.get(role.option) or "") for role in ROLES}
    for role, board_id in picked.items():
        if board_id in ("", NEW):
            continue
        board = ctx.destination.board_get(board_id)  # a monday refusal (a malformed id) raises with its message
        if board is None or board.get("state") not in (None, "active"):
            raise VendorNotFound(
                f"{ROLE[role].holds.capitalize()}: monday.com returns no active board {board_id} to this connection's "
                "user (it was deleted or archived, or it is a private board the user is not subscribed to). Pick "
                "another board, or subscribe the user to it in monday.com.", vendor="monday.com", status=404)
    saved = options.get("boards") or {}
    if any(saved.get(role, {}).get("id") != board_id for role, board_id in picked.items() if board_id):
        options = {key: value for key, value in options.items() if key != "boards"}
    return options
