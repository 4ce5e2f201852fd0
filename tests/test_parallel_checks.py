"""The compiled checks shared with a forked child (``validation/sparql/parallel.py``): the same results as in
one process, every check run once, and nothing lost when the child fails."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from msp_graph.loading import load_bundled, open_store
from msp_graph.reasoning import reason
from msp_graph.validation import load_shapes
from msp_graph.validation.sparql import parallel
from msp_graph.validation.sparql import run as engine
from msp_graph.validation.sparql.compile import compile_shapes
from msp_graph.validation.sparql.lookups import Subclasses


@pytest.fixture(scope="module")
def checks():
    """The bundled data reasoned, the bundled shapes compiled, and a runner for them."""
    store = open_store()
    load_bundled(store)
    reason(store)
    shapes, _ = load_shapes()
    plan = compile_shapes(shapes)
    runner = engine._Runner(store, shapes, Subclasses(store), engine._IllFormed(store))
    return runner, plan.checks


def _keys(results: list[list]) -> list[list[tuple]]:
    return [[(id(r.check), r.focus, r.value, r.path, r.bound) for r in found] for found in results]


class _Logged:
    """A runner that writes "pid number" for each check it runs to a file both processes append to."""

    def __init__(self, runner, checks, log, fail=None):
        self.runner, self.log, self.fail = runner, log, fail
        self.numbers = {id(c): i for i, c in enumerate(checks)}
        self.parent = os.getpid()

    def __call__(self, check):
        with open(self.log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {self.numbers[id(check)]}\n")
        if self.fail is not None and os.getpid() != self.parent:
            self.fail()
        if os.getpid() == self.parent:
            time.sleep(0.02)  # the child gets its share even when it is scheduled late
        return self.runner(check)

    def runs(self) -> list[tuple[int, int]]:
        with open(self.log, encoding="utf-8") as lines:
            return [tuple(map(int, line.split())) for line in lines]


def test_two_processes_give_the_results_of_one_and_run_each_check_once(checks, tmp_path):
    runner, compiled = checks
    alone = parallel.results_of(runner, compiled, split=False)
    assert sum(map(len, alone)) > 0  # the bundled data has violations: the comparison below means something
    logged = _Logged(runner, compiled, tmp_path / "runs")
    shared = parallel.results_of(logged, compiled, split=True)
    assert _keys(shared) == _keys(alone)
    runs = logged.runs()
    assert sorted(i for _, i in runs) == list(range(len(compiled)))  # each check once, by one process
    assert len({pid for pid, _ in runs}) == 2  # the child took some


@pytest.mark.parametrize(
    "fail",
    [
        pytest.param(lambda: os._exit(3), id="child exits with an error"),
        pytest.param(lambda: os.kill(os.getpid(), signal.SIGKILL), id="child killed"),
        pytest.param(lambda: 1 / 0, id="child raises"),
    ],
)
def test_checks_a_failed_child_took_are_run_by_the_parent(checks, tmp_path, fail):
    runner, compiled = checks
    alone = parallel.results_of(runner, compiled, split=False)
    logged = _Logged(runner, compiled, tmp_path / "runs", fail=fail)
    shared = parallel.results_of(logged, compiled, split=True)
    assert _keys(shared) == _keys(alone)
    parent = os.getpid()
    assert sorted(i for pid, i in logged.runs() if pid == parent) == list(range(len(compiled)))


def test_splitting_only_where_it_is_safe_and_pays(monkeypatch):
    monkeypatch.delenv("MSP_GRAPH_PROCESSES", raising=False)
    big = parallel.SPLIT_FROM
    if not hasattr(os, "fork") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs fork and two CPUs")
    monkeypatch.setattr(parallel, "_threads", lambda: 1)  # the test run itself may have threads
    assert parallel.worth_splitting(big)
    assert not parallel.worth_splitting(big - 1)
    monkeypatch.setenv("MSP_GRAPH_PROCESSES", "1")
    assert not parallel.worth_splitting(big)
    monkeypatch.delenv("MSP_GRAPH_PROCESSES")
    monkeypatch.setattr(parallel, "_threads", lambda: 2)
    assert not parallel.worth_splitting(big)  # a threaded process is never forked


def test_threads_are_counted():
    before = parallel._threads()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert parallel._threads() == before + 1
    finally:
        stop.set()
        other.join()


def test_a_bad_processes_setting_is_one_error(monkeypatch):
    from msp_graph.errors import SettingError

    monkeypatch.setenv("MSP_GRAPH_PROCESSES", "two")
    with pytest.raises(SettingError, match="MSP_GRAPH_PROCESSES='two'"):
        parallel.worth_splitting(parallel.SPLIT_FROM)


def test_validate_splits_a_big_store_with_the_same_report(monkeypatch):
    """``validate_store`` through the fork, on the bundled data (the threshold lowered), gives the report
    of one process."""
    from msp_graph.validation import validate

    store = open_store()
    load_bundled(store)
    reason(store)
    monkeypatch.setenv("MSP_GRAPH_PROCESSES", "1")
    one = validate(store).render("turtle")
    monkeypatch.setenv("MSP_GRAPH_PROCESSES", "2")
    calls = []
    real = parallel.results_of
    monkeypatch.setattr(parallel, "SPLIT_FROM", 1)
    monkeypatch.setattr(parallel, "_threads", lambda: 1)  # the test run itself may have threads
    monkeypatch.setattr(engine, "results_of", lambda *a, **k: calls.append(k["split"]) or real(*a, **k))
    assert validate(store).render("turtle") == one
    assert calls == [True]


def test_no_process_to_fork_runs_every_check_here(checks, monkeypatch):
    runner, compiled = checks
    alone = parallel.results_of(runner, compiled, split=False)

    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    assert _keys(parallel.results_of(runner, compiled, split=True)) == _keys(alone)


def test_more_checks_than_the_queue_holds_run_in_one_process(checks, monkeypatch):
    runner, compiled = checks
    forked = []
    monkeypatch.setattr(parallel, "_MOST_QUEUED", len(compiled) - 1)
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or 1 / 0)
    assert _keys(parallel.results_of(runner, compiled, split=True)) == _keys(
        parallel.results_of(runner, compiled, split=False)
    )
    assert forked == []
