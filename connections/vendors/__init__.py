"""The vendor registry: the only place that knows which vendors exist.

Each vendor is a package ``connections/vendors/<kind>/`` whose ``__init__`` defines
``VENDOR``; a ``webhooks`` module beside it (vendors/events.py) makes the vendor able to send us events, and a
``registration`` module lets us register our intake URL at the vendor through its API. Everything else (engine, admin, API, sandbox wiring) asks here by kind.
"""
import dataclasses
import importlib
import importlib.util
import pkgutil

from connections.vendors.base import Vendor
from connections.vendors.errors import VendorConfigurationError

_VENDORS: dict[str, Vendor] = {}


def register(vendor: Vendor) -> Vendor:
    if vendor.kind in _VENDORS:
        raise ValueError(f"vendor {vendor.kind!r} registered twice")
    _VENDORS[vendor.kind] = vendor
    return vendor


def get_vendor(kind: str) -> Vendor:
    try:
        return _VENDORS[kind]
    except KeyError:
        raise VendorConfigurationError(f"Unknown vendor kind {kind!r}; known: {', '.join(sorted(_VENDORS))}.") from None


def all_vendors() -> list[Vendor]:
    return sorted(_VENDORS.values(), key=lambda v: v.label)


def vendor_choices() -> list[tuple[str, str]]:
    return [(v.kind, v.label) for v in all_vendors()]


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            module = importlib.import_module(f"{__name__}.{info.name}")
            vendor = module.VENDOR
            for part in ("webhooks", "registration"):
                if importlib.util.find_spec(f"{module.__name__}.{part}"):
                    vendor = dataclasses.replace(vendor, **{part: importlib.import_module(f"{module.__name__}.{part}")})
            register(vendor)


_discover()
