"""The sync engine every flow shares: read pages and cursors, plan (map, hold, skip → intents), write
intents (reconcile, send, settle, bounded concurrency), and the run's lease and outcome.

See docs/engine.md for the intent lifecycle and what happens at each crash point.
"""
from syncs.engine.read import flow_context, flow_streams, mapping_set_load
from syncs.engine.run import (RunState, pending_process, records_process, run_finish, sync_run_create,
                              sync_run_execute, sync_run_work)

__all__ = ["sync_run_create", "sync_run_execute", "sync_run_work", "records_process", "pending_process",
           "run_finish", "RunState", "flow_context", "flow_streams", "mapping_set_load"]
