"Shared pytest setup: the repository root, and torch kept to the machine's cores."
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture
def root() -> Path: return ROOT
