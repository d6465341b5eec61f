"""``run_scenario`` from Python: a Scenario or a scenario's name/file, a folder as a string
or a Path, the same run either way; a bad ``log_format`` is refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from redloop.scenarios.schema import load
from redloop.sim.runner import run_scenario

TINY = 'extends = "baseline"\ndays = 2\n[population]\nusers = 60\n'


def test_a_file_name_and_a_string_folder_make_the_run_a_scenario_and_a_path_make(
    tmp_path: Path,
) -> None:
    file = tmp_path / "tiny.toml"
    file.write_text(TINY, encoding="utf-8")
    by_name = run_scenario(str(file), str(tmp_path / "a"), progress=False)
    by_object = run_scenario(load(file), tmp_path / "b", progress=False)
    assert by_name.out == tmp_path / "a" and (by_name.out / "summary.json").exists()
    assert by_name.metrics.equals(by_object.metrics) and len(by_name.metrics) == 2


def test_an_unknown_log_format_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="log_format must be one of sqlite, parquet; got 'csv'"):
        run_scenario(load("baseline"), tmp_path / "out", log_format="csv")
    assert not (tmp_path / "out").exists()
