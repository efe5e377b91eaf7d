"""What the change log compares for each kind of object: flat {field: value} snapshots.

Connection credentials are listed per key and marked secret, so the log shows that a secret changed
without ever holding it."""
from __future__ import annotations

from changelog.services import Snapshot


def connection_snapshot(connection) -> tuple[Snapshot, frozenset[str]]:
    snapshot: Snapshot = {"name": connection.name, "base_url": connection.base_url}
    snapshot.update({f"config.{k}": v for k, v in (connection.config or {}).items()})
    credentials = connection.credentials or {}
    snapshot.update({f"credentials.{k}": v for k, v in credentials.items()})
    return snapshot, frozenset(f"credentials.{k}" for k in credentials)


def integration_snapshot(integration) -> Snapshot:
    return {
        "name": integration.name, "flow_kind": integration.flow_kind, "enabled": integration.enabled,
        "streams": list(integration.streams or []), "every_minutes": integration.every_minutes,
        "cron": integration.cron, "options": dict(integration.options or {}),
        "source": str(integration.source) if integration.source_id else None,
        "destination": str(integration.destination) if integration.destination_id else None,
    }


def value_mapping_snapshot(mapping) -> Snapshot:
    return {"integration": str(mapping.integration), "map_name": mapping.map_name,
            "source_value": mapping.source_value, "target_value": mapping.target_value}


def field_mapping_snapshot(mapping) -> Snapshot:
    return {"integration": str(mapping.integration), "stream": mapping.stream, "target_field": mapping.target_field,
            "source_field": mapping.source_field, "value_map": mapping.value_map, "default": mapping.default}
