import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.server import serve_forever
from sandbox.vendors import SANDBOXES


class Command(BaseCommand):
    help = "Serve every vendor sandbox on 127.0.0.1, each under its own prefix."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--state", default=str(Path(settings.VAR_DIR) / "sandbox-state.json"),
                            help="File the sandboxes' data is kept in across restarts ('' to keep nothing).")
        parser.add_argument("--reset", action="store_true", help="Start from the seeded data (drop the state file).")
        parser.add_argument("--latency-ms", type=float, default=0.0,
                            help="Every vendor API call waits this long before it is answered (not the token endpoints).")
        parser.add_argument("--faults", default="",
                            help='More faults as JSON, {vendor or "*": settings}, e.g. \'{"visma": {"error_ratio": 0.05}}\'; '
                                 "also settable while running: POST /_sandbox/faults.")

    def handle(self, *args, host, port, state, reset, latency_ms, faults, **options):
        state_path = Path(state) if state else None
        try:
            fault_specs = json.loads(faults) if faults else {}
        except ValueError as error:
            raise CommandError(f"--faults is not JSON: {error}") from None
        if latency_ms:
            fault_specs.setdefault("*", {})["latency_ms"] = latency_ms
        if reset and state_path is not None:
            state_path.unlink(missing_ok=True)
        for cls in SANDBOXES:
            self.stdout.write(f"  {cls.name:<10} http://{host}:{port}{cls.prefix}")
        kept = f"; state kept in {state_path}" if state_path else ""
        if fault_specs:
            self.stdout.write(f"Faults: {json.dumps(fault_specs)}")
        self.stdout.write(f"Sandboxes listening on http://{host}:{port} (Ctrl-C to stop){kept}")
        try:
            serve_forever(host, port, state_path, faults=fault_specs)
        except KeyboardInterrupt:
            pass
