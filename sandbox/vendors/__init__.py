"""Every vendor sandbox the server mounts: each module here defines ``SANDBOX``."""
import importlib
import pkgutil


def _discover():
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "SANDBOX"):
            found.append(module.SANDBOX)
    return found


SANDBOXES = _discover()
