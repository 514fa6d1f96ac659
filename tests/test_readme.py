"README.md is generated from nbs/index.ipynb, and CI runs exactly the README's two commands."
from pathlib import Path
from au_compendium.docs import render_readme

ROOT = Path(__file__).resolve().parents[1]

def test_readme_is_up_to_date():
    assert (ROOT/'README.md').read_text() == render_readme(ROOT/'nbs'/'index.ipynb'), \
        "README.md is stale: run `.venv/bin/au-docs readme`"

def _ci_commands():
    lines = (ROOT/'.ci'/'run').read_text().splitlines()
    return [l.split('# README:', 1)[0].strip() for l in lines if '# README:' in l]

def test_ci_runs_the_readme_commands():
    cmds = _ci_commands()
    assert len(cmds) == 2, cmds
    readme = (ROOT/'README.md').read_text().splitlines()
    for c in cmds: assert c in readme, f"CI runs `{c}` but the README does not show it"

def test_package_imports():
    import au_compendium, au_compendium.core
    assert au_compendium.__version__
