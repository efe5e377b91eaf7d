"""The syncs app's models, one module per concern; every model is imported here, so `from syncs.models import X`
names them all and Django finds them (their app_label is `syncs` from the package).

integrations.py: `Integration`, `ValueMapping`, `FieldMapping` · runs.py: `SyncRun` (and the `ErrorColumns` it
shares), `Cursor`, `IntegrationLock` · records.py: `IdMap`, `WriteIntent`, `PendingRecord`, `JournalApproval` ·
inbound.py: `InboundEvent`.
"""
from syncs.models.inbound import InboundEvent
from syncs.models.integrations import FieldMapping, Integration, ValueMapping, flow_kind_validate
from syncs.models.records import VENDOR_ID_LENGTH, IdMap, JournalApproval, PendingRecord, WriteIntent
from syncs.models.runs import ERROR_COLUMNS, Cursor, ErrorColumns, IntegrationLock, SyncRun

__all__ = [
    "ERROR_COLUMNS", "VENDOR_ID_LENGTH", "Cursor", "ErrorColumns", "FieldMapping", "IdMap", "InboundEvent",
    "Integration", "IntegrationLock", "JournalApproval", "PendingRecord", "SyncRun", "ValueMapping", "WriteIntent",
    "flow_kind_validate",
]
