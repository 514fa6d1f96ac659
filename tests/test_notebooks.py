"""Every numbered notebook in nbs/ (and index.ipynb) runs as a test, the way `nbdev_test` runs it.

Cells flagged `#| slow` are skipped unless AU_TEST_FLAGS=slow. The papermill notebooks (train, report) are
not run here: tests/test_papermill.py runs them through papermill with small parameters."""
import os
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_nb

ROOT = Path(__file__).resolve().parents[1]
PAPERMILL_NBS = {'train.ipynb', 'report.ipynb'}
NBS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if p.name not in PAPERMILL_NBS)

def test_there_are_notebooks():
    assert any(p.name.startswith('00_') for p in NBS), NBS

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.stem)
def test_notebook(nb, monkeypatch):
    monkeypatch.chdir(nb.parent)  # nbdev_test runs each notebook from its own folder
    flags = os.environ.get('AU_TEST_FLAGS', '').split()
    ok, secs = run_nb(nb, force_flags=flags, do_print=False)
    assert ok, f"{nb.name} failed (see the traceback above)"
