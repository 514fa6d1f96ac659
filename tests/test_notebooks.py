"""Every numbered notebook in nbs/ (and index.ipynb) runs as a test, the way `nbdev_test` runs it.

Cells flagged `#| slow` are skipped unless AU_TEST_FLAGS=slow. The papermill notebooks (train, report) are
not run here: tests/test_train.py runs them through papermill with small parameters (test_papermill_train_notebook,
test_report_notebook_on_a_run) and with bad ones, which must stop them before any data is touched."""
import os
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_nb
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parents[1]
PAPERMILL_NBS = {'train.ipynb', 'report.ipynb'}
NBS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if p.name not in PAPERMILL_NBS)

def test_there_are_notebooks():
    assert any(p.name.startswith('00_') for p in NBS), NBS

@pytest.mark.parametrize('nb', NBS, ids=lambda p: p.stem)
def test_notebook(nb, monkeypatch):
    monkeypatch.chdir(nb.parent)  # nbdev_test runs each notebook from its own folder
    force = os.environ.get('AU_TEST_FLAGS', '').split()
    skip = [f for f in get_config().tst_flags.split() if f not in force]   # as nbdev_test: `slow` cells skipped unless forced
    ok, secs = run_nb(nb, skip_flags=skip, force_flags=force, do_print=False)
    assert ok, f"{nb.name} failed (see the traceback above)"
