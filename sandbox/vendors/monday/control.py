"""What tests and the demo do "as a user on the board" in the monday sandbox, and the webhooks a change fires.

`ControlMixin` is mixed into `MondaySandbox` (api.py), which provides `data` (boards.py), `users` and `webhooks`
(webhooks.py). `POST /monday/_control/user_sets_status` is sandbox control, not a monday API: the demo drives
the board from another process through it. `publish_change` is the callback boards.py calls after every change.
"""
from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.monday import seed
from sandbox.vendors.monday.contract import MEMBER_USER_ID


class ControlMixin:
    def control(self, request: Request, action: str) -> Response:
        """`POST /monday/_control/user_sets_status {item_id, column_id, label}`: a board user's change, webhooks and all."""
        arguments = self.body_json(request)
        if action != "user_sets_status" or not isinstance(arguments, dict):
            return json_response({"message": "Known control actions: user_sets_status {item_id, column_id, label}."},
                                 404)
        try:
            item = self.user_sets_status(str(arguments["item_id"]), str(arguments["column_id"]), str(arguments["label"]))
        except (KeyError, TypeError) as error:
            return json_response({"message": f"missing or bad argument: {error}"}, 400)
        except Exception as error:  # monday's own refusals (unknown item, label) as the API would word them
            return json_response({"message": str(error)}, 400)
        return json_response({"id": item["id"], "values": item["values"]})

    def user_sets_status(self, item_id: str, column_id: str, label: str, *, user_id: str = MEMBER_USER_ID) -> dict:
        """A board user picks a status label in monday's UI: the value changes and webhooks fire."""
        item = self.data.item(item_id)
        return self.data.change_values(item["board_id"], item_id, {column_id: {"label": label}}, user_id=user_id)

    def items_limit_set(self, limit: int, board_id: str | None = None) -> None:
        """monday's per-board item cap (10,000, §4) for one board, or for every board (and those made later)."""
        with self.data._lock:
            if board_id is None:
                self.data.items_per_board = limit
            for board in self.data.boards.values():
                if board_id is None or board["id"] == str(board_id):
                    board["items_limit"] = limit

    def lock_board(self, board_id: str, locked: bool = True) -> None:
        """Simulate another update in progress: mutations on the board answer 423 until unlocked."""
        (self.data.locked.add if locked else self.data.locked.discard)(str(board_id))

    def flush_webhooks(self, timeout: float = 5.0) -> bool:
        return self.webhooks.flush(timeout)

    def publish_change(self, board, item, column, previous, raw, user_id) -> None:
        group = next(g for g in board["groups"] if g["id"] == item["group_id"])
        event = {"app": "monday", "triggerTime": self.data.now_iso(), "userId": int(user_id),
                 "boardId": int(board["id"]), "pulseId": int(item["id"]), "pulseName": item["name"],
                 "groupId": group["id"], "groupName": group["title"], "groupColor": group["color"],
                 "isTopGroup": group is board["groups"][0]}
        if column is None:
            self.webhooks.publish(board["id"], lambda w: w["event"] == "create_item",
                                  {**event, "type": "create_pulse", "columnValues": {}})
            return
        event.update(type="update_column_value", columnId=column["id"], columnType=column["type"],
                     columnTitle=column["title"], value=seed.event_value(column, raw, self.users),
                     previousValue=seed.event_value(column, previous, self.users), changedAt=self.clock.now())

        def wants(webhook):
            config = json.loads(webhook["config"]) if webhook["config"] else {}
            return (webhook["event"] == "change_column_value"
                    or (webhook["event"] == "change_status_column_value" and column["type"] == "status")
                    or (webhook["event"] == "change_specific_column_value" and config.get("columnId") == column["id"]))

        self.webhooks.publish(board["id"], wants, event)
