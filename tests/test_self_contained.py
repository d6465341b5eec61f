"""The repository stands alone: what the code and README cite ships with them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|CALIBRATION\.md|DESIGN\.md|DESIGN §")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPO / n for n in names if n.endswith((".py", ".md", ".toml", ".cfg", "Makefile"))]


def test_nothing_points_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{i}"
        for path in tracked_text_files()
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line) and path.name != "test_self_contained.py"
    ]
    assert not offenders, offenders


def test_the_calibration_notes_ship_and_cite_every_validated_source() -> None:
    from redloop.sim.validate import FACTS

    notes = (REPO / "docs" / "calibration.md").read_text(encoding="utf-8")
    for name in FACTS:
        if name not in ("funnel", "loop", "switch_2016", "size_invariance"):
            assert f"`{name}`" in notes, f"docs/calibration.md does not source {name}"
