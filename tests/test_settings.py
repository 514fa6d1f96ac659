"The project's configuration files agree with each other, and nbdev keeps papermill's tags."
import configparser, json, re, shutil, subprocess, sys
from pathlib import Path
import nbformat, yaml

ROOT = Path(__file__).resolve().parents[1]

def settings():
    cfg = configparser.ConfigParser(delimiters=['='])
    cfg.read(ROOT/'settings.ini')
    return cfg['DEFAULT']

def _name(req): return re.split(r'[<>=!~\[ ]', req, maxsplit=1)[0].lower().replace('_', '-')

def test_environment_yml_matches_settings():
    s = settings()
    want = set(s['requirements'].split()) | set(s['dev_requirements'].split())
    env = yaml.safe_load((ROOT/'environment.yml').read_text())
    pip = next(d['pip'] for d in env['dependencies'] if isinstance(d, dict) and 'pip' in d)
    got = {r for r in pip if not r.startswith('-e')}
    assert got == want, f"environment.yml and settings.ini differ: only in env {got - want}, only in settings {want - got}"
    py = next(d for d in env['dependencies'] if isinstance(d, str) and d.startswith('python'))
    assert py.split('=')[-1].startswith('3.1'), py

def test_papermill_tags_survive_nbdev_clean(tmp_path):
    "Without `allowed_cell_metadata_keys = tags`, nbdev_clean strips the `parameters` tag and papermill then injects values above the defaults, which overwrite them."
    assert 'tags' in settings()['allowed_cell_metadata_keys'].split(','), 'settings.ini must allow the `tags` cell metadata'
    shutil.copy(ROOT/'settings.ini', tmp_path/'settings.ini')
    (tmp_path/'nbs').mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1'), nbformat.v4.new_code_cell('print(x)')])
    nb.cells[0].metadata['tags'] = ['parameters']
    nb.metadata['kernelspec'] = dict(name='python3', display_name='python3', language='python')
    nbformat.write(nb, tmp_path/'nbs'/'p.ipynb')
    exe = Path(sys.executable).parent/'nbdev_clean'
    subprocess.run([str(exe), '--fname', 'nbs/p.ipynb'], cwd=tmp_path, check=True, capture_output=True)
    cleaned = nbformat.read(tmp_path/'nbs'/'p.ipynb', as_version=4)
    assert cleaned.cells[0].metadata.get('tags') == ['parameters'], cleaned.cells[0].metadata
    # and papermill then puts its injected cell after the defaults, so the injected value wins
    import papermill as pm
    out = pm.execute_notebook(str(tmp_path/'nbs'/'p.ipynb'), str(tmp_path/'out.ipynb'), parameters=dict(x=5),
                              kernel_name='python3', progress_bar=False)
    assert out.cells[2].outputs[0]['text'].strip() == '5'

def test_requirements_are_pinned_where_verified():
    reqs = {_name(r): r for r in settings()['requirements'].split()}
    assert reqs['nbdev'] == 'nbdev==2.4.14'   # nbdev 3 refuses settings.ini
    assert '<1.13' in reqs['fastcore'] and '<0.2' in reqs['execnb']

def test_console_scripts_exist():
    import importlib
    for spec in settings()['console_scripts'].split():
        name, target = spec.split('=')
        mod, fn = target.split(':')
        assert callable(getattr(importlib.import_module(mod), fn)), spec

def _floor(req: str):
    from packaging.version import Version
    m = re.search(r'>=\s*([\w.]+)', req)
    return Version(m.group(1)) if m else None

# The first release of each compiled package built for NumPy 2 (numpy/numpy#26191 and the projects' release notes); an older one
# installed beside NumPy 2 fails to import ("numpy.dtype size changed", "compiled using NumPy 1.x"). Checked on Python 3.11:
# these floors import and work beside numpy 2.0.0; pandas 2.1.4, scipy 1.12, scikit-learn 1.4.1, matplotlib 3.8.3 and
# opencv-python-headless 4.9 do not.
NUMPY2_BUILDS = {'torch': '2.3', 'pandas': '2.2.2', 'scipy': '1.13', 'scikit-learn': '1.4.2', 'matplotlib': '3.8.4',
                 'opencv-python-headless': '4.10.0.84', 'seaborn': '0.13.2', 'scikit-image': '0.24', 'onnx': '1.17', 'onnxruntime': '1.19'}
NUMPY2_ONLY = ('np.bitwise_count', 'np.strings.', 'np.unstack(', 'np.cumulative_sum(', 'np.cumulative_prod(', 'np.permute_dims(',
               'np.matrix_transpose(')

def test_numpy_floor_matches_the_code():
    "NumPy-2-only functions in the library (the sampler's `np.bitwise_count`) need numpy>=2, and then every compiled package needs a NumPy 2 build."
    from packaging.version import Version
    s = settings()
    reqs = {_name(r): r for r in (s['requirements'] + ' ' + s['dev_requirements']).split()}
    used = sorted({f for f in NUMPY2_ONLY for p in (ROOT/'au_compendium').glob('*.py') if f in p.read_text()})
    if used: assert _floor(reqs['numpy']) >= Version('2.0'), f"the library uses {used} (NumPy 2 only) but allows {reqs['numpy']}"
    if _floor(reqs['numpy']) >= Version('2.0'):
        for name, v in NUMPY2_BUILDS.items():
            assert _floor(reqs[name]) >= Version(v), f"{reqs[name]} allows releases built for NumPy 1, which fail to import beside NumPy 2 (need >={v})"

# import name -> distribution, where importlib.metadata cannot tell (dlib-bin ships a bare extension module)
DIST_OF = {'dlib': 'dlib-bin'}
# imported only by test fixtures or an optional engine, so a development requirement is enough
DEV_ONLY = {'skimage': 'the astronaut portrait of the test fixtures (au_compendium.testing)',
            'onnxruntime': "au-predict --engine onnx, optional; its error says how to install it"}

def test_library_imports_are_declared():
    "Every third-party package the library imports is in settings.ini's requirements (the few in DEV_ONLY: in its dev requirements)."
    import ast
    from importlib.metadata import packages_distributions
    dists = packages_distributions()
    s = settings()
    reqs, dev = {_name(r) for r in s['requirements'].split()}, {_name(r) for r in s['dev_requirements'].split()}
    found = {}
    for p in sorted((ROOT/'au_compendium').glob('*.py')):
        for node in ast.walk(ast.parse(p.read_text())):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                   [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for m in mods:
                top = m.split('.')[0]
                if top not in sys.stdlib_module_names and top != 'au_compendium': found.setdefault(top, set()).add(p.name)
    assert {'numpy', 'torch', 'bs4', 'nh3'} <= set(found), sorted(found)   # the walk sees the imports
    for mod, files in sorted(found.items()):
        names = {_name(d) for d in dists.get(mod, [])} or {DIST_OF.get(mod, mod)}
        allowed = reqs | dev if mod in DEV_ONLY else reqs
        assert names & allowed, f"{sorted(files)} import {mod} (from {sorted(names)}), which settings.ini does not require"

def test_named_test_files_exist():
    "Every `tests/test_*.py` that the tests, the notebooks or the documentation name exists."
    texts = [*(ROOT/'tests').glob('*.py'), *(ROOT/'nbs').glob('*.ipynb'), ROOT/'README.md', ROOT/'CONTRIBUTING.md']
    named = {(p.relative_to(ROOT).as_posix(), m) for p in texts for m in re.findall(r'\btests/test_\w+\.py\b', p.read_text())}
    assert ('README.md', 'tests/test_notebooks.py') in named, 'the scan finds nothing'
    missing = sorted((p, m) for p, m in named if not (ROOT/m).exists())
    assert not missing, f'named but missing: {missing}'
