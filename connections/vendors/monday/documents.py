"""Every GraphQL document the monday.com client sends, by name (docs/vendors/monday.md §3–§7).

Values always travel as variables, never inside the text. The only generated document is the batched item
update, whose text depends on nothing but the number of changes (aliases `u0…`, variables `$item0…`), so it is
built here too. tests/connections/test_monday_documents.py validates every document against the official SDL.
Reads and writes ask for `complexity` so the client learns each document's cost and the budget left (§6).
"""
from __future__ import annotations

import functools

COMPLEXITY = "complexity { query after reset_in_x_seconds }"
ITEM_FIELDS = """
fragment ItemFields on Item {
  id name state created_at updated_at
  board { id }
  group { id }
  column_values { id type text value }
}"""
BOARD_FIELDS = """
fragment BoardFields on Board {
  id name state board_kind items_count
  columns { id title type settings }
  groups { id title }
}"""

# The connection check: one cheap read that proves the token, its user and the account.
CHECK = "query Check { me { id name account { id name } } }"

BOARDS = f"""query Boards($ids: [ID!], $limit: Int, $page: Int) {{
  {COMPLEXITY}
  boards(ids: $ids, limit: $limit, page: $page) {{ ...BoardFields }}
}}{BOARD_FIELDS}"""

# The board picker: every active board the token's user can see, with its workspace; no columns (cheap per page).
BOARD_CHOICES = f"""query BoardChoices($limit: Int!, $page: Int!) {{
  {COMPLEXITY}
  boards(limit: $limit, page: $page, state: active) {{ id name board_kind workspace {{ id name }} }}
}}"""

BOARD_CREATE = f"""mutation BoardCreate($name: String!, $kind: BoardKind!, $description: String, $workspace: ID) {{
  {COMPLEXITY}
  create_board(board_name: $name, board_kind: $kind, description: $description, workspace_id: $workspace,
               empty: true) {{ ...BoardFields }}
}}{BOARD_FIELDS}"""

COLUMN_CREATE = f"""mutation ColumnCreate($board: ID!, $title: String!, $type: ColumnType!, $id: String,
                    $description: String, $defaults: JSON) {{
  {COMPLEXITY}
  create_column(board_id: $board, title: $title, column_type: $type, id: $id, description: $description,
                defaults: $defaults) {{ id title type settings }}
}}"""

# `query_params` carries the rules, e.g. the lookup of an item by its key column (§5).
ITEMS_PAGE = f"""query ItemsPage($board: ID!, $limit: Int!, $query: ItemsQuery) {{
  {COMPLEXITY}
  boards(ids: [$board], limit: 1) {{
    items_page(limit: $limit, query_params: $query) {{ cursor items {{ ...ItemFields }} }}
  }}
}}{ITEM_FIELDS}"""

NEXT_ITEMS_PAGE = f"""query NextItemsPage($cursor: String!, $limit: Int!) {{
  {COMPLEXITY}
  next_items_page(cursor: $cursor, limit: $limit) {{ cursor items {{ ...ItemFields }} }}
}}{ITEM_FIELDS}"""

ITEMS = f"""query Items($ids: [ID!], $limit: Int) {{
  {COMPLEXITY}
  items(ids: $ids, limit: $limit) {{ ...ItemFields }}
}}{ITEM_FIELDS}"""

ITEM_CREATE = f"""mutation ItemCreate($board: ID!, $name: String!, $group: String, $values: JSON,
                  $createLabels: Boolean) {{
  {COMPLEXITY}
  create_item(board_id: $board, item_name: $name, group_id: $group, column_values: $values,
              create_labels_if_missing: $createLabels) {{ ...ItemFields }}
}}{ITEM_FIELDS}"""

ITEM_UPDATE = f"""mutation ItemUpdate($board: ID!, $item: ID!, $values: JSON!, $createLabels: Boolean) {{
  {COMPLEXITY}
  change_multiple_column_values(board_id: $board, item_id: $item, column_values: $values,
                                create_labels_if_missing: $createLabels) {{ ...ItemFields }}
}}{ITEM_FIELDS}"""

COLUMN_VALUE_CHANGE = f"""mutation ColumnValueChange($board: ID!, $item: ID!, $column: String!, $value: JSON!) {{
  {COMPLEXITY}
  change_column_value(board_id: $board, item_id: $item, column_id: $column, value: $value) {{ id }}
}}"""

ITEM_ARCHIVE = f"""mutation ItemArchive($item: ID!) {{
  {COMPLEXITY}
  archive_item(item_id: $item) {{ id state }}
}}"""

ITEM_DELETE = f"""mutation ItemDelete($item: ID!) {{
  {COMPLEXITY}
  delete_item(item_id: $item) {{ id state }}
}}"""

WEBHOOK_CREATE = f"""mutation WebhookCreate($board: ID!, $url: String!, $event: WebhookEventType!, $config: JSON) {{
  {COMPLEXITY}
  create_webhook(board_id: $board, url: $url, event: $event, config: $config) {{ id board_id event config }}
}}"""

WEBHOOK_DELETE = f"""mutation WebhookDelete($id: ID!) {{
  {COMPLEXITY}
  delete_webhook(id: $id) {{ id board_id }}
}}"""

WEBHOOKS = f"""query Webhooks($board: ID!) {{
  {COMPLEXITY}
  webhooks(board_id: $board) {{ id board_id event config }}
}}"""

# How many item changes one request carries. Each costs about 10,000 points ([BP]); 25 keep a request far
# below the 5,000,000 points a single query may cost and small enough to retry (§6).
MAX_BATCH = 25


@functools.cache
def items_update_batch(count: int) -> str:
    """One mutation with `count` aliased change_multiple_column_values (`u0`…), all on the board `$board`."""
    if not 1 <= count <= MAX_BATCH:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} changes")
    variables = ", ".join(f"$item{n}: ID!, $values{n}: JSON!" for n in range(count))
    changes = "\n  ".join(
        f"u{n}: change_multiple_column_values(board_id: $board, item_id: $item{n}, column_values: $values{n}) "
        "{ id }" for n in range(count))
    return f"mutation ItemsUpdate($board: ID!, {variables}) {{\n  {COMPLEXITY}\n  {changes}\n}}"


NAMED = {"Check": CHECK, "Boards": BOARDS, "BoardChoices": BOARD_CHOICES, "BoardCreate": BOARD_CREATE,
         "ColumnCreate": COLUMN_CREATE,
         "ItemsPage": ITEMS_PAGE, "NextItemsPage": NEXT_ITEMS_PAGE, "Items": ITEMS, "ItemCreate": ITEM_CREATE,
         "ItemUpdate": ITEM_UPDATE, "ColumnValueChange": COLUMN_VALUE_CHANGE, "ItemArchive": ITEM_ARCHIVE,
         "ItemDelete": ITEM_DELETE, "WebhookCreate": WEBHOOK_CREATE, "WebhookDelete": WEBHOOK_DELETE,
         "Webhooks": WEBHOOKS}
