"""examples/researcher.ipynb runs from top to bottom (nbclient, a kernel on this interpreter,
in an empty folder), and is stored executed but small."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "researcher.ipynb"
STORED_LIMIT = 200_000  # bytes: outputs are tables and chart specs, never a whole frame


def _kernel(folder: Path) -> str:
    """A kernelspec that starts ipykernel on this very interpreter (the venv's), found
    through JUPYTER_PATH, so no kernel installed elsewhere on the machine is used."""
    spec = folder / "kernels" / "skillsim-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "skillsim test", "language": "python"}))
    return spec.name


def test_the_researcher_notebook_runs_without_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    kernel = _kernel(tmp_path / "jupyter")
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name=kernel, resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs for c in code[1:]), "a code cell shows nothing"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert (work / "beijing-uplift-30.toml").is_file()  # it ran in the folder given, not in the repository


def test_the_stored_notebook_is_executed_without_errors_and_small() -> None:
    assert NOTEBOOK.stat().st_size < STORED_LIMIT
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "stored without running every cell"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run out of order"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    warned = [o.text for o in outputs if o.get("name") == "stderr"]
    assert all("DefaultedColumns" in w for w in warned), warned  # only the defaults read_claims names
