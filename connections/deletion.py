"""Deleting a connection: refused while an integration still reads from or writes to it.

Apart from services.py only so it could be written while that module was being changed;
it belongs there.
"""
from __future__ import annotations

from django.db import transaction

from changelog.services import change_record
from changelog.snapshots import connection_snapshot
from connections.models import Connection


class ConnectionInUse(Exception):
    def __init__(self, integration_names: list[str]):
        self.integration_names = integration_names
        super().__init__(f"The connection is used by {', '.join(integration_names)}; "
                         "delete those integrations or point them at another connection first.")


@transaction.atomic
def connection_delete(*, connection: Connection, actor=None) -> None:
    from syncs.selectors import connection_in_use

    in_use = connection_in_use(connection=connection)
    if in_use:
        raise ConnectionInUse(in_use)
    before, secrets = connection_snapshot(connection)
    change_record(tenant=connection.tenant, actor=actor, obj=connection, object_type="connection",
                  action="deleted", before=before, secrets=secrets)
    connection.delete()
