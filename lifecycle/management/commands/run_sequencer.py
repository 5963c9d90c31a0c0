"""python manage.py run_sequencer: integrate the log continuously, as one long-running process."""

import signal

from django.core.management.base import BaseCommand, CommandError

from lifecycle.services.sequencer import sequencer_run, sequencer_step


class Command(BaseCommand):
    help = (
        "Integrates pending events into the transparency log in batches, every --interval "
        "seconds or as soon as a write notifies (PostgreSQL), and signs checkpoints when due, "
        "each after writing its tlog tiles. Stops cleanly on SIGTERM or SIGINT."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0.1, help="Seconds between polls (default 0.1)."
        )
        parser.add_argument(
            "--once", action="store_true", help="Run one round and exit (for tests and cron)."
        )

    def handle(self, *args, interval: float, once: bool, **options):
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        if once:
            added = sequencer_step(catch_up=True)
            self.stdout.write(f"integrated {added} events")
            return
        stop = {"requested": False}

        def request_stop(signum, frame):
            stop["requested"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"sequencer running, polling every {interval} s")
        sequencer_run(interval=interval, stopping=lambda: stop["requested"])
        self.stdout.write("sequencer stopped")
