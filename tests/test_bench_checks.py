"""The benchmarks' own checks: a run whose server answers errors stops instead
of publishing a rate of errors (`bench.common.hey`), so `make bench-quick`
fails on a broken route."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bench.common import hey


class Answers(BaseHTTPRequestHandler):
    """`/ok` answers 200, `/broken` 500, `/busy` 503."""

    def do_GET(self) -> None:
        status = {"/ok": 200, "/broken": 500, "/busy": 503}[self.path]
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=10)


def test_a_route_that_answers_500_stops_the_benchmark(base: str) -> None:
    with pytest.raises(SystemExit, match=r"/broken: unexpected answers \{'500': \d+\}"):
        hey(base + "/broken", 0.5, 1, cpu=None)


def test_an_allowed_status_does_not(base: str) -> None:
    rows = hey(base + "/busy", 0.5, 1, cpu=None, allowed={"503"})
    assert {row["status-code"] for row in rows} == {"503"}


def test_a_healthy_route_passes(base: str) -> None:
    assert {row["status-code"] for row in hey(base + "/ok", 0.5, 1, cpu=None)} == {"200"}
