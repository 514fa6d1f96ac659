"""Shared pytest setup: the repository root, and torch kept to the machine's cores.

The suite runs on every core with pytest-xdist (`-n auto` in pytest.ini: notebooks and test files spread over one worker
per core). Each worker then keeps torch, OpenMP and BLAS to one thread, set here before any test imports torch, so the
workers do not fight over the cores; a run without xdist (`-n 0`, or `-p no:xdist`) keeps the default threads."""
import os
from pathlib import Path
import pytest

if os.environ.get('PYTEST_XDIST_WORKER'):
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'): os.environ.setdefault(var, '1')

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture
def root() -> Path: return ROOT
