"""A small stand-in for the EU passport registry, for development and tests (standard library).

    python -m passports.registry.local_server --port 8765 --token dev-token

POST /registrations    an upload (JSON, `Authorization: Bearer <token>`, `Idempotency-Key`):
                       201 with a new registration_id, 200 with the same one for a key it has
                       seen with the same body, 409 for a seen key with another body.
GET  /registrations/ID one registration; GET /_inspect: everything received, and the counters.
POST /_control         misbehave on purpose: {"fail_next": 3} answers 503 three times;
                       {"mode": "down"} answers 503 until {"mode": "up"};
                       {"mode": "lose_answers"} (or {"lose_next": n}) registers, then drops the
                       connection without answering, as a network failure after the fact would;
                       {"reset": true} forgets everything.

It registers per idempotency key and does not deduplicate by passport, so a client that sent
one product twice under two keys shows up as two registrations: tests can count them.
Nothing here imports Django, so it runs on its own.
"""

import argparse
import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MODES = ("up", "down", "lose_answers")
MAX_BODY = 1024 * 1024
REQUIRED = {
    "passport_identifier": str,
    "unique_product_identifier": dict,
    "economic_operator": dict,
}


class RegistryState:
    """What the local registry holds and how it is told to behave; guarded by one lock."""

    def __init__(self, token: str = "", store: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.token = token
        self.store = store
        self.registrations: list[dict] = []
        self.by_key: dict[str, dict] = {}
        self.uploads = 0  # every authorised POST /registrations, answered or not
        self.mode = "up"
        self.fail_next = 0
        self.lose_next = 0
        if store is not None and store.exists():
            for record in json.loads(store.read_text())["registrations"]:
                self._keep(record)

    def _keep(self, record: dict) -> None:
        self.registrations.append(record)
        self.by_key[record["idempotency_key"]] = record

    def summary(self) -> dict:
        return {
            "registrations": list(self.registrations),
            "uploads": self.uploads,
            "mode": self.mode,
            "fail_next": self.fail_next,
            "lose_next": self.lose_next,
        }

    def control(self, body: dict) -> str | None:
        """Applies a /_control body; returns the first problem, or None."""
        mode = body.get("mode")
        if mode is not None and mode not in MODES:
            return "mode: one of " + ", ".join(MODES)
        for name in ("fail_next", "lose_next"):
            value = body.get(name)
            if value is not None and (not isinstance(value, int) or value < 0):
                return f"{name}: a whole number, 0 or more"
        if body.get("reset"):
            self.registrations, self.by_key, self.uploads = [], {}, 0
            self.mode, self.fail_next, self.lose_next = "up", 0, 0
            self._save()
        if mode is not None:
            self.mode = mode
        for name in ("fail_next", "lose_next"):
            if body.get(name) is not None:
                setattr(self, name, body[name])
        return None

    def register(self, key: str, payload: dict) -> tuple[int, dict]:
        """(status, record) for an upload: a new registration, a replay, or a key conflict."""
        earlier = self.by_key.get(key)
        if earlier is not None:
            if earlier["payload"] != payload:
                return 409, {"error": "Idempotency-Key was used with a different body."}
            return 200, earlier
        record = {
            "registration_id": "EU-DPP-" + uuid.uuid4().hex[:20].upper(),
            "idempotency_key": key,
            "payload": payload,
            "received_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        self._keep(record)
        self._save()
        return 201, record

    def _save(self) -> None:
        if self.store is not None:
            self.store.write_text(json.dumps({"registrations": self.registrations}, indent=1))


class RegistryHandler(BaseHTTPRequestHandler):
    """Answers the registry's few addresses from the server's RegistryState."""

    server: "LocalRegistryServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        state = self.server.state
        with state.lock:
            if self.path == "/_inspect":
                return self._answer(200, state.summary())
            if self.path.startswith("/registrations/"):
                wanted = self.path.removeprefix("/registrations/")
                for record in state.registrations:
                    if record["registration_id"] == wanted:
                        return self._answer(200, record)
        return self._answer(404, {"error": "Not found."})

    def do_POST(self) -> None:
        body = self._body()
        state = self.server.state
        if self.path == "/_control":
            if not isinstance(body, dict):
                return self._answer(400, {"error": "A JSON object is expected."})
            with state.lock:
                problem = state.control(body)
                summary = state.summary()
            if problem:
                return self._answer(400, {"error": problem})
            return self._answer(200, summary)
        if self.path != "/registrations":
            return self._answer(404, {"error": "Not found."})
        if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
            return self._answer(401, {"error": "A valid bearer token is required."})
        with state.lock:
            state.uploads += 1
            if state.mode == "down" or state.fail_next:
                state.fail_next = max(0, state.fail_next - 1)
                return self._answer(503, {"error": "The registry is unavailable (simulated)."})
            problem = _problem(self.headers.get("Idempotency-Key", ""), body)
            if problem:
                return self._answer(problem[0], {"error": problem[1]})
            status, record = state.register(self.headers["Idempotency-Key"], body)
            lose = state.mode == "lose_answers" or state.lose_next
            state.lose_next = max(0, state.lose_next - 1)
        if lose:
            self.close_connection = True  # registered, but the client never hears of it
            return None
        if status == 409:
            return self._answer(409, record)
        return self._answer(status, {"registration_id": record["registration_id"]})

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            return None

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _problem(key: str, body) -> tuple[int, str] | None:
    if not key.strip():
        return 400, "The Idempotency-Key header is required."
    if not isinstance(body, dict):
        return 400, "The body must be a JSON object."
    for name, kind in REQUIRED.items():
        if not isinstance(body.get(name), kind) or not body[name]:
            return 422, f"{name} is missing or not a {kind.__name__}."
    return None


class LocalRegistryServer(ThreadingHTTPServer):
    """The HTTP server, holding the registry's state; `serve_in_thread` for tests."""

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, token: str = "",
                 store: Path | None = None, verbose: bool = False) -> None:  # fmt: skip
        super().__init__((host, port), RegistryHandler)
        self.state = RegistryState(token=token, store=store)
        self.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def serve_in_thread(self) -> "LocalRegistryServer":
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_until_interrupted(self) -> None:
        """Serves in this thread until Ctrl-C, then releases the port."""
        try:
            self.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.server_close()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local stand-in for the EU passport registry.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="", help="bearer token uploads must carry")
    parser.add_argument("--store", type=Path, help="JSON file that keeps registrations")
    args = parser.parse_args(argv)
    server = LocalRegistryServer(
        args.host, args.port, token=args.token, store=args.store, verbose=True
    )
    print(f"local registry at {server.url}/registrations", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
