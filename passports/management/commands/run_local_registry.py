"""manage.py run_local_registry: the local stand-in for the EU registry, for development."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from passports.registry.local_server import LocalRegistryServer


class Command(BaseCommand):
    help = (
        "Runs a local EU passport registry (POST /registrations, GET /_inspect, POST /_control). "
        "Point REGISTRY_URL at the address it prints."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--token", help="bearer token uploads must carry (default: REGISTRY_TOKEN)"
        )
        parser.add_argument("--store", type=Path, help="JSON file that keeps registrations")

    def handle(self, *args, **options) -> None:
        token = options["token"] if options["token"] is not None else settings.REGISTRY_TOKEN
        server = LocalRegistryServer(
            options["host"], options["port"], token=token, store=options["store"], verbose=True
        )
        self.stdout.write(f"Local registry at {server.url}/registrations (Ctrl-C stops it)")
        server.serve_until_interrupted()
