"""The serving load test (``bench/serve_load.py``) runs, bounded, and counts what it sends; timings are
never asserted (docs/benchmarks.md reports them)."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

pytest.importorskip("starlette")
from bench import serve_load


def test_percentiles_are_the_closest_ranks_interpolated():
    assert serve_load.percentiles([]) == (0.0, 0.0, 0.0)
    assert serve_load.percentiles([0.5]) == (0.5, 0.5, 0.5)
    p50, p95, p99 = serve_load.percentiles([float(i) for i in range(1, 101)])
    assert (p50, p95, p99) == pytest.approx((50.5, 95.05, 99.01))


class _Answers(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients use it

    def do_GET(self):
        status = 500 if self.path == "/broken" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_a_phase_counts_answers_and_errors_and_stops_in_time():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        paths = lambda i: ("GET", "/broken" if i % 4 == 3 else "/", None, {})  # noqa: E731
        phase = serve_load.run_phase("mixed", port, paths, clients=3, seconds=0.5)
    finally:
        server.shutdown()
        server.server_close()
    summary = phase.summary()
    assert summary["requests"] == len(phase.latencies) + len(phase.errors) > 0
    assert len(phase.errors) == summary["requests"] // 4  # every fourth request answers 500
    assert phase.errors[0].endswith("/broken: 500")
    assert 0.5 <= phase.seconds < 0.5 + serve_load.REQUEST_TIMEOUT


def test_the_command_serves_the_bundled_data_and_writes_its_record(tmp_path, capsys):
    code = serve_load.main(["--seconds", "0.5", "--clients", "2", "--no-reference", "--out", str(tmp_path)])
    assert code == 0
    (record_file,) = tmp_path.glob("serve-load-*.json")
    record = json.loads(record_file.read_text())
    assert [p["phase"] for p in record["phases"]] == [
        "index",
        "partnership page",
        "organisation page",
        "named query (partners-sharing-alliances)",
    ]
    assert all(p["requests"] > 0 and p["errors"] == 0 for p in record["phases"])
    assert record["peak_mib"]["msp-graph serve"] > 0
    assert "| index |" in capsys.readouterr().out


def test_the_run_is_bounded_to_a_minute():
    with pytest.raises(SystemExit):
        serve_load.main(["--seconds", "16", "--no-reference"])  # 4 phases x 16 s > 60 s


# --- what the load test found: with 8 clients the third concurrent query got 503 at once ---------------


@pytest.fixture(scope="module")
def bundled():
    from msp_graph.loading import load_bundled, open_store

    store = open_store()
    load_bundled(store)
    return store


def _held(client, seconds: float) -> threading.Timer:
    """Take the only query slot now; give it back after ``seconds`` (a query running meanwhile)."""
    slots = client.app.state.site.runner._slots
    assert slots.acquire(blocking=False)
    timer = threading.Timer(seconds, slots.release)
    timer.start()
    return timer


def test_a_query_waits_its_turn_for_a_busy_slot(bundled):
    from starlette.testclient import TestClient

    from msp_graph.serve import Limits, create_app

    client = TestClient(create_app(bundled, limits=Limits(concurrent=1, wait=10)))
    _held(client, 0.3)
    response = client.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 200 and response.json()["boolean"] is True


def test_a_query_gets_503_when_no_slot_comes_free_in_time_or_the_line_is_full(bundled):
    from starlette.testclient import TestClient

    from msp_graph.serve import Limits, create_app

    client = TestClient(create_app(bundled, limits=Limits(concurrent=1, wait=0.2)))
    timer = _held(client, 5)
    try:
        response = client.get("/sparql", params={"query": "ASK {}"})
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
    finally:
        timer.cancel()
        client.app.state.site.runner._slots.release()
    no_line = TestClient(create_app(bundled, limits=Limits(concurrent=1, wait=10, waiting=0)))
    timer = _held(no_line, 5)
    try:
        assert no_line.get("/sparql", params={"query": "ASK {}"}).status_code == 503  # at once: nobody waits
    finally:
        timer.cancel()
        no_line.app.state.site.runner._slots.release()
    assert no_line.get("/sparql", params={"query": "ASK {}"}).status_code == 200
