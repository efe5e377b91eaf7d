from django.core.management.base import BaseCommand

from sandbox.server import serve_forever
from sandbox.vendors import SANDBOXES


class Command(BaseCommand):
    help = "Serve every vendor sandbox on 127.0.0.1, each under its own prefix."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)

    def handle(self, *args, host, port, **options):
        for cls in SANDBOXES:
            self.stdout.write(f"  {cls.name:<10} http://{host}:{port}{cls.prefix}")
        self.stdout.write(f"Sandboxes listening on http://{host}:{port} (Ctrl-C to stop)")
        try:
            serve_forever(host, port)
        except KeyboardInterrupt:
            pass
