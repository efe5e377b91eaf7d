"""Why a run ended, as data: error class, vendor, HTTP status, the vendor's own words, and what to do.

The engine stores these columns (`run_outcome_save`); people read a sentence built from them
(`error_said`, `error_sentence`), and notifications pick their advice by class and vendor. Nothing
ever parses the sentence back.
"""
from __future__ import annotations

from django.utils import timezone

from connections.vendors.errors import VendorConflict, VendorError, VendorRateLimited, VendorUnavailable

INTERNAL_HINT = ("This is a fault in ml-connector, not in your data or credentials. The next run tries again; "
                 "if it keeps failing, contact support and quote the run number.")
# Failures the engine retries (client backoff, then Celery): when one ends a run, retrying is over.
RETRIED_CLASSES = frozenset(cls.__name__ for cls in (VendorUnavailable, VendorRateLimited, VendorConflict))


class RunError(Exception):
    """An outcome of the engine itself (not a vendor's answer, not a bug), told to people as it is."""


class RunSkipped(RunError):
    """Another run of the integration holds the lease."""


class RunAbandoned(RunError):
    """The worker running the sync died too many times."""


def _people_facing_classes() -> set[str]:
    found, todo = set(), [VendorError, RunError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def error_fields(exc: BaseException | None) -> dict:
    """The SyncRun (or pending record) columns describing `exc`; all empty for None."""
    if exc is None:
        return dict(error_class="", error_vendor="", error_status=None, error_message="", error_hint="")
    if isinstance(exc, VendorError):
        # With an HTTP status the message is the vendor's own words; without one (timeouts, garbled
        # bodies) our description of what happened is all there is.
        message = exc.vendor_message if exc.status is not None else exc.message.removesuffix(exc.hint).strip()
        return dict(error_class=type(exc).__name__, error_vendor=exc.vendor or "", error_status=exc.status,
                    error_message=message[:2000], error_hint=exc.hint or "")
    hint = "" if isinstance(exc, RunError) else INTERNAL_HINT
    return dict(error_class=type(exc).__name__, error_vendor="", error_status=None, error_message=str(exc)[:2000],
                error_hint=hint)


def error_is_internal(error_class: str) -> bool:
    return bool(error_class) and error_class not in _people_facing_classes()


def error_said(*, error_class: str, error_vendor: str, error_status: int | None, error_message: str, **_) -> str:
    """What happened, in one sentence: "Visma answered 400: Department 'X' does not exist." """
    if not error_class:
        return ""
    if error_is_internal(error_class):
        return f"Internal error: {error_class}: {error_message}"
    if error_status is not None and error_vendor:
        said = f": {error_message.rstrip('. ')}" if error_message else ""
        return f"{error_vendor} answered {error_status}{said}."
    return error_message


def error_sentence(fields: dict) -> str:
    """What happened and what to do, for the run page, the API and the wizard."""
    return " ".join(filter(None, [error_said(**fields), fields.get("error_hint", "")]))


def run_outcome_save(*, run_id: int, status: str, error: BaseException | None = None, **columns) -> dict:
    """The one write that ends a run (or records why it stopped): status, finish time and the error columns."""
    from syncs.models import SyncRun

    fields = error_fields(error)
    columns.setdefault("finished_at", timezone.now())
    SyncRun.objects.filter(pk=run_id).update(status=status, **fields, **columns)
    return fields
