"""Fuzz: mutated scenario files and bad command lines get one clear line, exit 2, no files.

Each case is derived from a named scenario by a seeded mutation (a value of the wrong type or
range, an unknown key, a broken line, bytes that are not UTF-8, deep nesting, a bad extends...).
Mutations that happen to leave a valid scenario are not cases; at least 500 invalid ones are.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from redloop.scenarios.schema import ScenarioError, load, named
from redloop.sim.cli import main

CASES = 500
WEIRD_VALUES = [
    "-1", "0", "1e309", "-1e309", "nan", "inf", '"text"', "true", "[1, 2]", "{a = 1}",
    "99999999999999999999", '""', "[]", "{}", "1979-05-27", '"../../etc"', "0.5", "-0.0",
]  # fmt: skip


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _set_value(text: str, rng: random.Random) -> bytes:
    lines = _lines(text)
    assignments = [i for i, line in enumerate(lines) if "=" in line and not line.startswith("#")]
    i = rng.choice(assignments)
    key = lines[i].split("=", 1)[0]
    lines[i] = f"{key}= {rng.choice(WEIRD_VALUES)}\n"
    return "".join(lines).encode()


def _unknown_key(text: str, rng: random.Random) -> bytes:
    lines = _lines(text)
    lines.insert(rng.randrange(len(lines) + 1), f"no_such_key_{rng.randrange(99)} = 1\n")
    return "".join(lines).encode()


def _break_line(text: str, rng: random.Random) -> bytes:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    cut = rng.randrange(len(lines[i]) + 1)
    lines[i] = lines[i][:cut] + rng.choice(["[", "= =", '"', "]]", "\\", "= {"]) + "\n"
    return "".join(lines).encode()


def _bad_bytes(text: str, rng: random.Random) -> bytes:
    data = bytearray(text.encode())
    data.insert(rng.randrange(len(data) + 1), rng.choice([0xFF, 0xFE, 0xC3, 0x80]))
    return bytes(data)


def _deep(text: str, rng: random.Random) -> bytes:
    depth = rng.randrange(200, 1200)
    return text.encode() + b"\ndeep = " + b"{a = " * depth + b"1" + b"}" * depth + b"\n"


def _bad_extends(text: str, rng: random.Random) -> bytes:
    target = rng.choice(['"no_such_scenario"', '"missing.toml"', "3", "[]", '"self.toml"'])
    return f"extends = {target}\n".encode() + text.encode()


def _truncate(text: str, rng: random.Random) -> bytes:
    return text.encode()[: rng.randrange(1, len(text))] + b"= ["


MUTATIONS: list[Callable[[str, random.Random], bytes]] = [
    _set_value, _set_value, _set_value, _unknown_key, _break_line, _bad_bytes, _deep,
    _bad_extends, _truncate,
]  # fmt: skip


def _invalid(path: Path) -> bool:
    try:
        load(path)
    except ScenarioError:
        return True
    return False


def _cases(tmp: Path) -> list[Path]:
    rng = random.Random(20261202)
    texts = [p.read_text(encoding="utf-8") for p in named().values()]
    found: list[Path] = []
    attempt = 0
    while len(found) < CASES:
        attempt += 1
        path = tmp / f"case{attempt:04d}.toml"
        path.write_bytes(rng.choice(MUTATIONS)(rng.choice(texts), rng))
        if path.name == "self.toml" or not _invalid(path):
            path.unlink()
            continue
        found.append(path)
    return found


def _expect_usage_error(argv: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, f"{argv}: exit {code}\n{err}"
    assert "Traceback" not in err and err.startswith(("redloop", "usage:")), f"{argv}: {err}"
    assert not out.exists(), f"{argv}: wrote {out}"


def test_mutated_scenario_files_are_usage_errors(tmp_path: Path, capsys) -> None:
    cases = _cases(tmp_path)
    assert len(cases) >= CASES
    for path in cases:
        out = tmp_path / "out"
        _expect_usage_error(["run", str(path), "--out", str(out), "--quiet"], out, capsys)
        err_lines = [line for line in capsys.readouterr().err.splitlines() if line]
        assert not err_lines  # everything was read by the call above


BAD_FLAGS = [
    ["--days", "-3"], ["--days", "x"], ["--users", "5"], ["--users", "1e9"], ["--seed", "s"],
    ["--users", "99999999"], ["--no-such-flag"], ["--days"], ["--out"],
    ["--set", "population.users=60"],  # a sweep key given twice
]  # fmt: skip


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_bad_command_lines_are_usage_errors(tmp_path: Path, capsys, command: str) -> None:
    rng = random.Random(command)
    out = tmp_path / "out"
    head = {
        "run": ["run", "baseline"],
        "compare": ["compare", "baseline", "editors_only", "--seeds", "1"],
        "sweep": ["sweep", "baseline", "--set", "population.users=60"],
    }[command]
    tokens = [token for flags in BAD_FLAGS for token in flags]
    for flags in BAD_FLAGS + [rng.sample(tokens, 3) for _ in range(20)]:
        if command == "sweep" and flags[:1] in (["--days"], ["--users"], ["--seed"]):
            flags = ["--set", f"{flags[0][2:]}={flags[-1]}"]
        _expect_usage_error([*head, *flags, "--out", str(out)], out, capsys)
