"""GraphQL resolvers of the monday sandbox, per (type, field); each takes (sandbox, source, info, **args).

Fields not listed read the dict key of the same name. Writes go through `Boards` (`boards.py`), which raises
monday's application errors; webhooks through the sandbox's dispatcher.
"""
from __future__ import annotations

import json

from graphql import GraphQLError

from sandbox.vendors.monday.boards import decode_json
from sandbox.vendors.monday.contract import UNCONFIRMED, Refused, monday_error

# Root fields even a user without API access may ask for.
OPEN_ROOT_FIELDS = {"complexity"}
WEBHOOK_URL_MAX = 255  # [3P] monday-client docs (docs/vendors/monday.md §7)


def user_id(info) -> str:
    return info.context["user"]["id"]


# --- reads ---------------------------------------------------------------------------------------
def visible(board: dict, user: dict) -> bool:
    """A private or shareable board is seen by its subscribers only (UNCONFIRMED["private_boards_subscribers_only"]);
    to anyone else it does not exist: `boards(ids:)` leaves it out, as monday does with a board you cannot access."""
    return board["board_kind"] == "public" or user["id"] in board.get("subscriber_ids", [board["creator_id"]])


def boards(sandbox, source, info, ids=None, limit=25, page=1, state="active", board_kind=None, workspace_ids=None,
           **unsimulated_filters):
    found = [board for board in sandbox.data.boards.values()
             if visible(board, info.context["user"]) and (not ids or board["id"] in ids)
             and (state == "all" or board["state"] == state)
             and (board_kind is None or board["board_kind"] == board_kind)
             and (not workspace_ids or board["workspace_id"] in workspace_ids)]
    # Page-numbered, 1-based (docs/vendors/monday.md §3); a page past the end is an empty list.
    start = (max(page or 1, 1) - 1) * (limit or 25)
    return found[start:start + (limit or 25)]


def items(sandbox, source, info, ids=None, limit=25, page=1, exclude_nonactive=None, **unsimulated):
    found = [item for item_id in ids or [] if (item := sandbox.data.items.get(str(item_id)))
             and item["state"] != "deleted" and not (exclude_nonactive and item["state"] != "active")]
    start = (max(page or 1, 1) - 1) * (limit or 25)
    return found[start:start + (limit or 25)]


def board_columns(sandbox, board, info, ids=None, types=None, **unsimulated):
    return [column for column in board["columns"] if not column["archived"]
            and (ids is None or column["id"] in ids) and (types is None or column["type"] in types)]


def board_groups(sandbox, board, info, ids=None, **unsimulated):
    return [group for group in board["groups"] if ids is None or group["id"] in ids]


def board_items_page(sandbox, board, info, limit=25, cursor=None, query_params=None, **unsimulated):
    return sandbox.data.items_page(board, limit, cursor, query_params)


def group_items_page(sandbox, group, info, limit=25, cursor=None, query_params=None, **unsimulated):
    board = sandbox.data.boards[group["board_id"]]
    return sandbox.data.items_page(board, limit, cursor, query_params, group_id=group["id"])


def next_items_page(sandbox, source, info, cursor, limit=25):
    return sandbox.data.next_items_page(cursor, limit)


def item_column_values(sandbox, item, info, ids=None, types=None, **unsimulated):
    return sandbox.data.column_values(item, ids, types)


def item_group(sandbox, item, info):
    board = sandbox.data.boards[item["board_id"]]
    return next(group for group in board["groups"] if group["id"] == item["group_id"])


def item_url(sandbox, item, info):
    return f"https://northwind-demo.monday.com/boards/{item['board_id']}/pulses/{item['id']}"


def webhooks(sandbox, source, info, board_id, app_webhooks_only=None):
    sandbox.data.board(board_id)
    return sandbox.webhooks.of_board(board_id, bool(app_webhooks_only))


# --- writes --------------------------------------------------------------------------------------
def create_board(sandbox, source, info, board_name, board_kind, description=None, workspace_id=None, **unsimulated):
    allowed, _, reset = sandbox.create_board_limiter.hit(info.context["account_key"])
    if not allowed:
        raise Refused(429, UNCONFIRMED["create_board_limit_message"], "RATE_LIMIT_EXCEEDED", max(1, round(reset)))
    # A new board has its name column and one group, like `empty: true` (default columns are not simulated).
    return sandbox.data.add_board(board_name, description or "", board_kind=board_kind, creator_id=user_id(info))


def create_column(sandbox, source, info, board_id, title, column_type, id=None, description=None, defaults=None,
                  after_column_id=None, **unsimulated):
    return sandbox.data.create_column(board_id, title, column_type, id, description, defaults, after_column_id)


def create_item(sandbox, source, info, board_id, item_name, group_id=None, column_values=None,
                create_labels_if_missing=None, **unsimulated):
    return sandbox.data.create_item(board_id, item_name, group_id=group_id, column_values=column_values,
                                    create_labels=bool(create_labels_if_missing), user_id=user_id(info))


def change_multiple_column_values(sandbox, source, info, board_id, column_values, item_id=None,
                                  create_labels_if_missing=None):
    return sandbox.data.change_values(board_id, item_id, column_values, create_labels=bool(create_labels_if_missing),
                                      user_id=user_id(info))


def change_column_value(sandbox, source, info, board_id, column_id, value, item_id=None,
                        create_labels_if_missing=None):
    return sandbox.data.change_values(board_id, item_id, {column_id: decode_json(value, column_id)},
                                      create_labels=bool(create_labels_if_missing), user_id=user_id(info))


def change_simple_column_value(sandbox, source, info, board_id, column_id, item_id=None, value=None,
                               create_labels_if_missing=None):
    return sandbox.data.change_values(board_id, item_id, {column_id: value},
                                      create_labels=bool(create_labels_if_missing), user_id=user_id(info))


def archive_item(sandbox, source, info, item_id=None):
    return sandbox.data.set_state(item_id, "archived")


def delete_item(sandbox, source, info, item_id=None):
    return sandbox.data.set_state(item_id, "deleted")


def create_webhook(sandbox, source, info, board_id, url, event, config=None):
    board = sandbox.data.board(board_id)
    config = decode_json(config) if config is not None else None
    if event == "change_specific_column_value":
        column_id = (config or {}).get("columnId")
        sandbox.data.column(board, column_id)  # InvalidColumnIdException for a column the board lacks
    if len(url) > WEBHOOK_URL_MAX or not url.startswith(("http://", "https://")):
        raise monday_error(f"The webhook URL must be an http(s) URL of at most {WEBHOOK_URL_MAX} characters",
                           UNCONFIRMED["challenge_failed_code"], 200)
    # The challenge is part of creating the webhook (docs/vendors/monday.md §7), so it runs inside this request.
    if not sandbox.webhooks.verify_url(url):
        raise monday_error(UNCONFIRMED["challenge_failed_message"], UNCONFIRMED["challenge_failed_code"], 200, url=url)
    return sandbox.webhooks.add(board_id=board["id"], url=url, event=event, config=config,
                                token_kind=info.context["token_kind"], account_id=info.context["user"]["account_id"])


def delete_webhook(sandbox, source, info, id):
    removed = sandbox.webhooks.remove(id)
    if removed is None:
        raise monday_error(f"Webhook {id} not found", "ResourceNotFoundException", 404)
    return removed


def column_settings_str(sandbox, column, info):
    return json.dumps(column["settings"])


def unsupported(sandbox, source, info, **args):
    raise GraphQLError(f"The monday sandbox does not simulate {info.parent_type.name}.{info.field_name} yet.",
                       extensions={"code": "SandboxUnsupportedField"})


RESOLVERS = {
    ("Query", "me"): lambda sandbox, source, info: info.context["user"],
    ("Query", "account"): lambda sandbox, source, info: sandbox.account,
    ("Query", "boards"): boards,
    ("Query", "items"): items,
    ("Query", "next_items_page"): next_items_page,
    ("Query", "webhooks"): webhooks,
    ("Query", "complexity"): lambda sandbox, source, info: info.context["complexity"],
    ("Mutation", "complexity"): lambda sandbox, source, info: info.context["complexity"],
    ("Mutation", "create_board"): create_board,
    ("Mutation", "create_column"): create_column,
    ("Mutation", "create_item"): create_item,
    ("Mutation", "change_multiple_column_values"): change_multiple_column_values,
    ("Mutation", "change_column_value"): change_column_value,
    ("Mutation", "change_simple_column_value"): change_simple_column_value,
    ("Mutation", "archive_item"): archive_item,
    ("Mutation", "delete_item"): delete_item,
    ("Mutation", "create_webhook"): create_webhook,
    ("Mutation", "delete_webhook"): delete_webhook,
    ("User", "account"): lambda sandbox, source, info: sandbox.account,
    ("Board", "columns"): board_columns,
    ("Board", "groups"): board_groups,
    ("Board", "items_page"): board_items_page,
    ("Board", "items_count"): lambda sandbox, board, info: len(sandbox.data.board_items(board)),
    ("Board", "top_group"): lambda sandbox, board, info: board["groups"][0],
    ("Board", "creator"): lambda sandbox, board, info: sandbox.users[board["creator_id"]],
    ("Board", "workspace"): lambda sandbox, board, info: sandbox.workspaces.get(board["workspace_id"]),
    ("Group", "items_page"): group_items_page,
    ("Column", "settings_str"): column_settings_str,
    ("Item", "board"): lambda sandbox, item, info: sandbox.data.boards[item["board_id"]],
    ("Item", "group"): item_group,
    ("Item", "column_values"): item_column_values,
    ("Item", "creator"): lambda sandbox, item, info: sandbox.users.get(item["creator_id"]),
    ("Item", "url"): item_url,
    ("Item", "email"): lambda sandbox, item, info: f"pulse-{item['id']}@northwind-demo.monday.com",
    ("Item", "subitems"): lambda sandbox, item, info: [],
    ("Item", "updates"): unsupported,
}
