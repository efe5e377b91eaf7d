"""How to point a connection at the local sandbox: base URL, demo credentials, config."""
from __future__ import annotations

from connections.vendors import get_vendor
from sandbox.vendors import SANDBOXES


def sandbox_class(kind: str):
    for cls in SANDBOXES:
        if cls.name == kind:
            return cls
    raise KeyError(f"no sandbox for vendor {kind!r}")


def sandbox_connection_fields(kind: str, sandbox_url: str) -> dict:
    """Keyword arguments for a Connection of `kind` that talks to the sandbox at `sandbox_url`."""
    vendor = get_vendor(kind)
    cls = sandbox_class(kind)
    return {
        "kind": kind,
        "base_url": vendor.sandbox_base_url(sandbox_url),
        "credentials": dict(cls.demo_credentials),
        "config": {**vendor.sandbox_config(sandbox_url), **cls.demo_config},
    }
