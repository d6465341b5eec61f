"""In Jupyter, the last expression ``Page(...)`` of a cell displays the visualiser."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(120)

# An IPython shell in a child process, so its global display hooks stay out of other tests.
CELL = """
import json
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

shell = InteractiveShell.instance()
with capture_output() as cap:
    result = shell.run_cell("from redloop.viz.app import Page\\nPage(users=300)")
print(json.dumps({"ok": result.success, "mimetypes": [sorted(o.data) for o in cap.outputs]}))
"""


def test_displaying_page_in_ipython_shows_a_widget():
    out = subprocess.run(
        [sys.executable, "-c", CELL], capture_output=True, text=True, timeout=100, check=True
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["ok"], out.stderr
    assert any("application/vnd.jupyter.widget-view+json" in m for m in report["mimetypes"])
