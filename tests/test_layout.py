"""The notebooks are numbered in dependency order: reading them in numbered order never needs a later one.

Each library module `au_compendium/X.py` is exported by one numbered notebook (`#| default_exp X`). A module may import
(at module level or inside a function) only modules of earlier notebooks; no library module imports the test fixtures
of `testing` (`99_testing`, last). In the notebooks, cells that are not exported (tests, demonstrations) may import
earlier notebooks' modules and `testing`, never a later notebook's module."""
import ast, json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB, NBS = 'au_compendium', ROOT/'nbs'
FIXTURES = 'testing'   # the one module test code may import from any notebook
# Forward imports in test cells that are known and why; each must still occur (so the list cannot go stale).
KNOWN_FORWARD = {
    ('02_align.ipynb', 'c042b', 'synthfacs'): "the `#| slow` survey that chose DETECTOR_MIN_SCORE counts 40 rendered SynthFACS "
        "faces among its known faces; synthfacs draws its landmarks in align's conventions, so it cannot come first",
}

def notebook_of(nbs: Path = NBS) -> dict[str, str]:
    "Module name -> the numbered notebook that exports it."
    out = {}
    for nb in sorted(nbs.glob('[0-9]*.ipynb')):
        for c in json.loads(nb.read_text())['cells']:
            m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(c['source']), re.M)
            if m and c['cell_type'] == 'code': out[m.group(1)] = nb.name
    return out

def imported_modules(code: str, modules: set[str]) -> list[tuple[str, int]]:
    "Library modules `code` imports anywhere (module level, functions, branches), with line numbers."
    out = []
    for n in ast.walk(ast.parse(code)):
        names = []
        if isinstance(n, ast.ImportFrom):
            parts = (n.module or '').split('.')
            if n.level == 1 or (n.level == 0 and parts[0] == LIB):   # `from .x import`, `from au_compendium.x import`
                rest = parts if n.level == 1 else parts[1:]
                names = [rest[0]] if rest and rest[0] else [a.name for a in n.names]   # `from . import x`
        elif isinstance(n, ast.Import):
            names = [a.name.split('.')[1] for a in n.names if a.name.startswith(LIB + '.')]
        elif (isinstance(n, ast.Call) and getattr(n.func, 'attr', getattr(n.func, 'id', None)) == 'import_module'
              and n.args and isinstance(n.args[0], ast.Constant) and str(n.args[0].value).startswith(LIB + '.')):
            names = [n.args[0].value.split('.')[1]]
        out += [(m, n.lineno) for m in names if m in modules]
    return out

def code_of(cell: dict) -> str:
    "A code cell's Python, without IPython's `%` magics and `!` shell lines."
    return '\n'.join(l for l in ''.join(cell['source']).splitlines() if not l.lstrip().startswith(('%', '!')))

def is_exported(cell: dict) -> bool: return bool(re.search(r'^#\|\s*export', ''.join(cell['source']), re.M))

def library_violations(root: Path = ROOT) -> list[str]:
    nb = notebook_of(root/'nbs')
    mods = {p.stem for p in (root/LIB).glob('*.py') if not p.stem.startswith('_')}
    bad = [f"{LIB}/{m}.py has no numbered notebook with `#| default_exp {m}`" for m in sorted(mods - set(nb))]
    for m in sorted(mods & set(nb)):
        for dep, line in imported_modules((root/LIB/f'{m}.py').read_text(), mods):
            if dep == m: continue
            if dep == FIXTURES and m != FIXTURES:
                bad.append(f"{m}.py:{line} imports the test fixtures `{FIXTURES}`: library modules never do")
            elif dep in nb and nb[dep] > nb[m]:
                bad.append(f"{m}.py:{line} ({nb[m]}) imports {dep} ({nb[dep]}), a later notebook")
    return bad

def notebook_violations(root: Path = ROOT) -> list[str]:
    nb = notebook_of(root/'nbs'); bad = []
    for m, name in sorted(nb.items(), key=lambda kv: kv[1]):
        for c in json.loads((root/'nbs'/name).read_text())['cells']:
            if c['cell_type'] != 'code' or is_exported(c): continue   # exported cells are the module, checked above
            for dep, line in imported_modules(code_of(c), set(nb)):
                if dep != FIXTURES and nb[dep] > name and (name, c.get('id'), dep) not in KNOWN_FORWARD:
                    bad.append(f"{name} cell {c.get('id')} line {line} imports {dep} ({nb[dep]}), a later notebook")
    return bad

def test_every_module_has_a_notebook_and_imports_only_earlier_ones():
    bad = library_violations()
    assert not bad, 'the notebooks are not in dependency order:\n' + '\n'.join(bad)

def test_notebook_cells_import_only_earlier_notebooks_or_testing():
    bad = notebook_violations()
    assert not bad, 'test cells reach forward:\n' + '\n'.join(bad)

def test_known_forward_imports_still_occur():
    for (name, cell, dep), why in KNOWN_FORWARD.items():
        c = next((c for c in json.loads((NBS/name).read_text())['cells'] if c.get('id') == cell), None)
        assert c is not None and dep in [m for m, _ in imported_modules(code_of(c), set(notebook_of()))], \
            f"{name} cell {cell} no longer imports {dep}: drop it from KNOWN_FORWARD"

def test_the_check_sees_every_kind_of_import():
    code = ("from .a import x\nfrom au_compendium.b import y\nimport au_compendium.c\nfrom . import d\n"
            "def f():\n    from au_compendium.e import z\n    importlib.import_module('au_compendium.g')\nimport os\nfrom .h import w")
    assert sorted(m for m, _ in imported_modules(code, set('abcdeg'))) == list('abcdeg')   # not os, not h (no such module)
    assert notebook_of()['testing'] == '99_testing.ipynb' and notebook_of()['core'] == '00_core.ipynb'
