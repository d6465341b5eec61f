"""docs/notebooks/first_run.ipynb runs top to bottom in a fresh kernel, so it cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="install the test extra")
nbclient = pytest.importorskip("nbclient", reason="install the test extra")
pytest.importorskip("ipykernel", reason="install the test extra")

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "first_run.ipynb"


@pytest.mark.slow
def test_first_run_notebook_builds_runs_plots_and_shows_the_page(tmp_path: Path) -> None:
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name=NATIVE_KERNEL_NAME,  # ipykernel's built-in spec runs sys.executable
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on failure
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    kinds = {kind for out in outputs for kind in out.get("data", {})}
    assert "text/html" in kinds  # the metrics table
    assert "image/png" in kinds  # the plot
    assert "application/vnd.jupyter.widget-view+json" in kinds  # the visualiser's Page
