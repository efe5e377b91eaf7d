"""A resource moved to another board after go-live (the integration's settings page, syncs/services.py
`integration_change`): which streams that concerns, and what it means, in the customer's words.

The id map of a moved stream names items on the old board, and its cursor says those documents were written:
kept, the next run would update old items through the new board's id (or write nothing for documents unchanged
since). So the engine clears both for the streams of a moved board, and the next run reads every document again
and creates its item on the new board. The old board is left as it is: its items stay, and get nothing new.

A board is compared as it is used, not as it was typed: the saved layout (options["boards"]) is the board the
items are on now, and a pick left empty resolves as setup would (the supplier invoices' board, or the board of
the default name), so re-picking the same board explicitly moves nothing.
"""
from __future__ import annotations

from syncs.flows.base import FlowContext, OptionMove
from syncs.flows.visma_monday.board import NEW, ROLE, ROLES, BoardRole
from syncs.flows.visma_monday.streams import (CustomerInvoices, Dimensions, GLAccounts, PurchaseOrders,
                                              SupplierInvoices)

BOARD_STREAMS = (GLAccounts, Dimensions, SupplierInvoices, PurchaseOrders, CustomerInvoices)


def _picked(role: BoardRole, options: dict) -> str:
    """The role's pick, an empty pick of a `same_as` role being its board's pick ("" = by name)."""
    picked = str(options.get(role.option) or "")
    if not picked and role.same_as:
        return _picked(ROLE[role.same_as], options)
    return picked


def _by_name(ctx: FlowContext, role: BoardRole) -> dict | None:
    """The board setup takes for an empty pick: the active board of the default name, if there is one."""
    base = ROLE[role.same_as] if role.same_as else role
    return next((b for b in ctx.destination.boards_all() if b.get("name") == base.default_name), None)


def _target(ctx: FlowContext, role: BoardRole, before: dict, after: dict, current: dict) -> tuple[str, str] | None:
    """(board id or NEW, its name) the role's items go to after the change; None when that is where they are."""
    picked, was = _picked(role, after), _picked(role, before)
    if picked == NEW:
        base = ROLE[role.same_as] if role.same_as and not after.get(role.option) else role
        return NEW, f"a new board “{base.default_name}”"
    if not picked:
        if not was:
            return None  # by name before and after: setup finds the board it found then
        board = _by_name(ctx, role)
        if board is None:
            base = ROLE[role.same_as] if role.same_as else role
            return NEW, f"a new board “{base.default_name}”"
        picked = str(board["id"])
    if picked == str(current["id"]):
        return None
    board = ctx.destination.board_get(picked) or {}
    return picked, f"board “{board.get('name') or picked}”"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def options_moves(ctx: FlowContext, before: dict, after: dict) -> list[OptionMove]:
    """One move per new board (the roles that follow the supplier invoices' board move with it, in one
    sentence); none for a role nothing was written for yet (no saved layout: the first run sets its board up)."""
    layouts = before.get("boards") or {}
    grouped: dict[tuple[str, str], list[BoardRole]] = {}
    for role in ROLES:
        current = layouts.get(role.role) or (layouts.get(role.same_as) if role.same_as else None)
        target = _target(ctx, role, before, after, current) if current else None
        if target is not None:
            grouped.setdefault((target[1], current["name"]), []).append(role)
    moves = []
    for (new, old), roles in grouped.items():
        holds = _listed([role.holds for role in roles])
        moves.append(OptionMove(
            roles[0].option, tuple(s.name for s in BOARD_STREAMS if s.role in {role.role for role in roles}),
            f"{holds[0].upper()}{holds[1:]} now go to {new}; the next run fills it; board “{old}” is left "
            "as it is."))
    return moves
