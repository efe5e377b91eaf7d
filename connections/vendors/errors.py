"""The project's vendor error taxonomy.

Every failure talking to a vendor becomes one of these, with a message a
customer can act on. ``transient`` decides retrying in exactly one place:
transient errors are retried with backoff (short waits in the client, long ones
as Celery retries); permanent ones never are.
"""


class VendorError(Exception):
    transient = False

    def __init__(self, message: str, *, vendor: str = "", status: int | None = None,
                 vendor_message: str = "", retry_after: float | None = None, hint: str = ""):
        super().__init__(message)
        self.message = message  # the whole sentence, hint included, for logs and exceptions
        self.vendor = vendor
        self.status = status
        self.vendor_message = vendor_message
        self.retry_after = retry_after
        self.hint = hint  # what to do, kept apart so runs can store it as a column

    def __str__(self):
        return self.message


class VendorAuthError(VendorError):
    """Credentials rejected, or a token still refused after one re-authentication."""


class VendorPermissionError(VendorError):
    """Authenticated, but the account lacks a permission or scope."""


class VendorNotFound(VendorError):
    """The resource does not exist (or is not visible to this account)."""


class VendorRejected(VendorError):
    """The vendor refused the request's content (validation, bad parameters)."""


class VendorConfigurationError(VendorError):
    """The connection itself is set up wrong (missing credential field, bad URL)."""


class VendorConflict(VendorError):
    """Optimistic-lock or concurrency conflict (409/412); worth re-reading and retrying."""

    transient = True


class VendorPreconditionFailed(VendorConflict):
    """412: the record changed since we read it. Re-sending the same If-Match can never succeed,
    so it is not retried as is; the caller re-reads and rebuilds (Visma `update_with_retry`)."""

    transient = False


class VendorMalformed(VendorError):
    """A response that can never be parsed (not JSON at all, or JSON this client cannot read even with its
    tolerant number hooks). Re-reading the same page gives the same bytes, so it is permanent."""


class VendorRateLimited(VendorError):
    transient = True


class VendorUnavailable(VendorError):
    """5xx, timeouts, connection failures and garbled responses."""

    transient = True
