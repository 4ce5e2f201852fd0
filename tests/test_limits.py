"""Resource limits: one table, each limit overridable by its variable, bad values refused in one line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from msp_graph.cli import app
from msp_graph.errors import SettingError
from msp_graph.limits import LIMITS, limit


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_every_limit_has_a_positive_default_and_its_own_variable():
    assert len({item.env for item in LIMITS.values()}) == len(LIMITS)
    for name, item in LIMITS.items():
        assert item.name == name and item.env.startswith("MSP_GRAPH_")
        assert limit(name) == item.default > 0


def test_a_variable_overrides_its_limit(monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", "12")
    monkeypatch.setenv("MSP_GRAPH_TIMEOUT", "2.5")
    assert limit("max_rows") == 12 and limit("timeout") == 2.5
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", " ")
    assert limit("max_rows") == LIMITS["max_rows"].default


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "abc", "1e3", "2.5"])
def test_a_bad_whole_number_is_a_setting_error(monkeypatch, value):
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", value)
    with pytest.raises(SettingError, match="MSP_GRAPH_MAX_ROWS"):
        limit("max_rows")


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-3", "soon", "1e300", "1000001"])
def test_a_bad_number_of_seconds_is_a_setting_error(monkeypatch, value):
    monkeypatch.setenv("MSP_GRAPH_TIMEOUT", value)
    with pytest.raises(SettingError, match="MSP_GRAPH_TIMEOUT"):
        limit("timeout")


def test_the_limits_command_shows_the_values_in_force(monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_MAX_ROWS", "7")
    result = run("limits", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) == set(LIMITS)
    assert rows["max_rows"]["value"] == 7 and rows["max_rows"]["set"] is True
    assert rows["timeout"]["value"] == LIMITS["timeout"].default and rows["timeout"]["set"] is False
    table = run("limits").stdout.splitlines()
    assert table[0].split()[:4] == ["name", "value", "unit", "variable"]
    assert any(line.split()[:2] == ["max_rows", "7"] for line in table)


def test_the_limits_command_refuses_a_bad_setting_in_one_line(monkeypatch):
    monkeypatch.setenv("MSP_GRAPH_MAX_SHEET_BYTES", "lots")
    result = run("limits")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "msp-graph: error: MSP_GRAPH_MAX_SHEET_BYTES='lots': not a positive whole number; "
        f"unset it or give e.g. {LIMITS['max_sheet_bytes'].default}"
    ]
