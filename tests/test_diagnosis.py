"""Every diagnosis script in reports/diagnosis/ runs (issue #24): one smoke test per script, each in a subprocess from a
temporary working folder (where the scripts write), with one thread, on the tiny SynthFACS of tests/test_train.py and, for
the scripts that read finished runs, two tiny runs trained here (with and without `person_norm`). DIAG_SMOKE
(reports/diagnosis/_smoke.py) carries the tiny configuration into the scripts. Each test checks what its script writes:
the keys, finite numbers in range, and where a script states a property (au-predict reproduces the run's AUC; a lone frame
centred on itself scores AUC 0.5; the patched trunk is the one trained) that property.

The scripts marked `slow` run only with AU_TEST_FLAGS=slow (as the notebooks' `#| slow` cells), to keep the default suite fast."""
import ast, json, math, os, re, subprocess, sys
from pathlib import Path
import pytest
from test_train import TINY, _folds, tiny_synthfacs   # the tiny SynthFACS the training tests use (6 people, 2 x 40 frames, 32 px)

ROOT = Path(__file__).resolve().parents[1]
DIAG = ROOT/'reports'/'diagnosis'
SCRIPTS = sorted(p.stem for p in DIAG.glob('[!_]*.py'))
# Config overrides every script's Config gets under DIAG_SMOKE: the tiny model of test_train, 1 epoch of 3 steps. Not
# val_fraction: several scripts set their own split.
SMOKE = {**{k: v for k, v in TINY.items() if k != 'val_fraction'}, 'dataset': 'manifest', 'epochs': 1}
# Measured on the 2-core development machine (AVX-512, one thread, beside a training grid), CPU seconds per script's
# subprocess: the five run by default 3.6-8.9 s, 36 s together (plus ~2 s for the tiny data); the slow ones train with
# `train()` or read the two tiny runs trained here (which cost two more trainings), 4.3-10.1 s each, 55 s together.
SLOW_SCRIPTS = {'baseline_factors', 'centring_reference', 'identity_offset', 'person_norm', 'predict_person_norm', 'recipe_check', 'seed_spread',
                'seen_unseen', 'track_length', 'valsweep', 's7_controls'}
slow = pytest.mark.skipif('slow' not in os.environ.get('AU_TEST_FLAGS', '').split(), reason='slow: AU_TEST_FLAGS=slow runs it')

def finite(x, lo=-math.inf, hi=math.inf) -> bool: return isinstance(x, (int, float)) and math.isfinite(x) and lo <= x <= hi
def unit(x) -> bool: return finite(x, 0, 1)

@pytest.fixture(scope='module')
def tiny(tiny_synthfacs):
    _folds(tiny_synthfacs)
    return tiny_synthfacs

@pytest.fixture(scope='module')
def runs(tiny, tmp_path_factory):
    "Two finished tiny runs of fold 1, seed 0: {'pn': with person_norm, 'raw': without}."
    from au_compendium.core import Config
    from au_compendium.train import train
    out = tmp_path_factory.mktemp('runs')
    res = {}
    for name, pn in (('pn', True), ('raw', False)):
        cfg = Config.from_dict({**TINY, 'dataset': 'manifest', 'data_root': str(tiny), 'epochs': 1, 'person_norm': pn, 'out_dir': str(out/name)})
        train(cfg, progress=False, log=lambda *a: None)
        res[name] = out/name
    return res

def run_script(name, *args, cwd, data_root):
    "Run reports/diagnosis/NAME.py ARGS from `cwd` with one thread and DIAG_SMOKE; returns its stdout (fails with its stderr)."
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep),
               OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', THREADS='1', OUT=str(cwd/'out'),
               DIAG_SMOKE=json.dumps({**SMOKE, 'data_root': str(data_root)}))
    r = subprocess.run([sys.executable, str(DIAG/f'{name}.py'), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{name}.py {' '.join(map(str, args))} failed:\n{r.stderr[-4000:]}"
    return r.stdout

def json_lines(text): return [json.loads(l) for l in text.splitlines() if l.startswith('{')]
def run_metrics(run): return json.loads((Path(run)/'metrics.json').read_text())['test']

# ---- one check per script: (name) -> test body

def check_baseline_factors(tmp_path, tiny, runs):
    run_script('baseline_factors', 'reference_like', 1, 0, cwd=tmp_path, data_root=tiny)   # all four patches at once
    (r,) = [json.loads(l) for l in (tmp_path/'out'/'results.jsonl').read_text().splitlines()]
    assert r['variant'] == 'reference_like' and unit(r['auc']) and unit(r['f1']), r
    run = tmp_path/'out'/'reference_like-f1-s0'
    cfg = json.loads((run/'config.json').read_text())
    assert cfg['batch_frames'] == 2 * SMOKE['batch_frames'] and cfg['au_balance'] and cfg['pos_weight_cap'] == 20, cfg   # batch64, PRESENT
    from safetensors import safe_open
    with safe_open(str(run/'best.safetensors'), 'pt') as f:   # the reference's trunk replaced 'tiny' in the trained model
        assert any('detection.backbone.body.' in k for k in f.keys())

def check_batch_composition(tmp_path, tiny, runs):
    out = run_script('batch_composition', cwd=tmp_path, data_root=tiny)
    for s in ('random', 'hard'):
        m = re.search(rf'^{s} distinct subjects per {SMOKE["batch_frames"]}-frame batch ([0-9.]+) neutral share ([0-9.]+)$', out, re.M)
        assert m and 1 <= float(m[1]) <= 4 and unit(float(m[2])), out   # 4 training subjects in the tiny fold 1
    rows = {l.split('  ')[0].strip(): l for l in out.splitlines()}
    assert {'all training frames', 'random sampler, all 4 slots', 'hard sampler, all 4 slots', 'hard: pos'} <= set(rows), out

def check_factors(tmp_path, tiny, runs):
    run_script('factors', 'fx', 64, 32, 'model=det', 'aug=lib+chan', 'loss=both', 'bs=16', cwd=tmp_path, data_root=tiny)
    r = json.loads((tmp_path/'fx.json').read_text())
    assert r['opts']['model'] == 'det' and [x['frames'] for x in r['rows']] == [32, 64], r
    assert all(unit(v) for x in r['rows'] for v in x['unseen']), r

def check_gradient_norms(tmp_path, tiny, runs):
    out = run_script('gradient_norms', 2, cwd=tmp_path, data_root=tiny)
    phases = dict(re.findall(r'^after (\d+) steps: (\{.*\})$', out, re.M))
    assert set(phases) == {'0', '2'}, out
    losses = {'au', 'au_con', 'id_con', 'gan', 'consistency', 'cycle', 'recon', 'id_adv', 'geo_adv', 'landmark', 'subject_adv', 'orth'}  # README section 5's columns
    for p in phases.values():
        d = ast.literal_eval(p)
        assert set(d) == losses and all(finite(v, 0) for v in d.values()) and d['au'] > 0, d

def check_identity_offset(tmp_path, tiny, runs):
    (r,) = json_lines(run_script('identity_offset', runs['raw'], cwd=tmp_path, data_root=tiny))
    keys = ('chance', 'motion', 'motion_video_mean_centred', 'motion_video_median_centred', 'floor_labels', 'floor_labels_centred',
            'ceiling_identity', 'au_probe_motion', 'au_probe_motion_centred')
    assert r['frames'] > 0 and all(unit(r[k]) for k in keys), r

def check_learning_curves(tmp_path, tiny, runs):   # today's default, person_norm=True, on which it used to fail
    run_script('learning_curves', 'lc', 4, 2, 'val_fraction=0.25', cwd=tmp_path, data_root=tiny)
    r = json.loads((tmp_path/'lc.json').read_text())
    assert [x['step'] for x in r['rows']] == [2, 4], r
    for x in r['rows']:
        assert finite(x['loss_au'], 0) and all(unit(v) for k in ('unseen', 'seen', 'val') for v in x[k]), x

def check_person_norm(tmp_path, tiny, runs):
    (r,) = json_lines(run_script('person_norm', runs['raw'], '--on', 'val', cwd=tmp_path, data_root=tiny))
    assert r['on'] == 'val' and r['subjects'] >= 1, r
    for k in ('raw', 'video_mean', 'video_median'):
        assert set(r[k]) == {'mean_auc', 'mean_f1', 'subject_from_motion'} and all(unit(v) for v in r[k].values()), r

def check_predict_person_norm(tmp_path, tiny, runs):   # au-predict must score the run's own test AUC and F1
    out = run_script('predict_person_norm', runs['pn'], tmp_path/'w.safetensors', cwd=tmp_path, data_root=tiny)
    r = ast.literal_eval(out.strip().splitlines()[-1])
    t = run_metrics(runs['pn'])
    assert (tmp_path/'w.safetensors').exists() and r['centred_on'] == {'track': r['rows']}, r
    assert abs(r['mean_auc'] - t['mean_auc']) < 1.5e-3 and abs(r['mean_f1'] - t['mean_f1']) < 1.5e-3, (r, t)   # printed to 3 decimals

def check_recipe_check(tmp_path, tiny, runs):
    run_script('recipe_check', 'mixed', 'candidate', 1, 0, 'augment="colour"', cwd=tmp_path, data_root=tiny)
    (r,) = [json.loads(l) for l in (tmp_path/'out'/'results.jsonl').read_text().splitlines()]
    assert r['arm'] == 'candidate' and r['over'] == {'augment': 'colour'} and unit(r['auc']) and unit(r['f1']), r
    cfg = json.loads((tmp_path/'out'/'mixed-augment=colour-f1-s0'/'config.json').read_text())
    assert cfg['augment'] == 'colour' and not cfg['person_norm'], cfg

def check_seed_spread(tmp_path, tiny, runs):   # recomputes each run's test AUC from its weights: must match metrics.json
    *per_run, summary = json_lines(run_script('seed_spread', runs['raw'], runs['pn'], cwd=tmp_path, data_root=tiny))
    for r, run in zip(per_run, (runs['raw'], runs['pn'])):
        lo, hi = r['auc_subject_bootstrap_95']
        assert abs(r['mean_auc'] - run_metrics(run)['mean_auc']) < 1e-3 and 0 <= lo <= hi <= 1, r   # 4 decimals; the order of summation differs
    assert summary['test_subjects'] == 2 and set(summary['difference_95']) == {'0-1'} and unit(summary['ensemble_mean_auc']), summary

def check_seen_unseen(tmp_path, tiny, runs):
    (r,) = json_lines(run_script('seen_unseen', runs['raw'], cwd=tmp_path, data_root=tiny))
    for k in ('seen_auc', 'unseen_auc'):
        v = list(r[k].values())
        assert len(v) == 8 and all(unit(x) or math.isnan(x) for x in v) and sum(map(unit, v)) >= 4, r   # NaN: one class in the tiny set
    assert r['unseen_frames'] == 160, r   # 2 test people x 2 videos x 40 frames

def check_step_cost(tmp_path, tiny, runs):
    out = run_script('step_cost', cwd=tmp_path, data_root=tiny)
    rows = {m[0]: (float(m[1]), float(m[2])) for m in re.findall(r'^(\S+)\s+([0-9.]+) ms\s+([0-9.]+)x$', out, re.M)}
    assert set(rows) == {'baseline', 'au_con', 'id_con', 'swap_gan', 'adversaries', 'landmarks', 'gcn', 'orth', 'full'}, out
    assert rows['baseline'][1] == 1.0 and all(ms > 0 for ms, _ in rows.values()), rows

def check_track_length(tmp_path, tiny, runs):
    (r,) = json_lines(run_script('track_length', 'val', runs['pn'], cwd=tmp_path, data_root=tiny))
    keys = ['population', 'none'] + [f'own_{n}' for n in (1, 2, 4, 8, 16, 30, 60, 120)] + [f'random_{k}' for k in (1, 2, 4, 8)] + [f'set_{k}' for k in (2, 4, 8, 16, 30)]
    assert all(len(r[k]) == 2 and all(unit(v) for v in r[k]) for k in keys), r
    assert r['own_1'][0] == 0.5, r   # a lone frame centred on itself leaves nothing: every score ties

def check_centring_reference(tmp_path, tiny, runs):
    (r,) = json_lines(run_script('centring_reference', 'test', runs['pn'], cwd=tmp_path, data_root=tiny))
    keys = ['video', 'subject', 'low25_video', 'low25_subject', 'neutral_oracle', 'none']
    assert all(len(r[k]) == 2 and all(unit(v) for v in r[k]) for k in keys), r
    assert r['videos'] == 2 * r['subjects'] and r['frames'] == 40 * r['videos'], r   # the tiny set: 2 videos of 40 frames a person

def check_valsweep(tmp_path, tiny, runs):
    run_script('valsweep', 'vs', 6, 'epochs=2', cwd=tmp_path, data_root=tiny)
    r = json.loads((tmp_path/'out'/'vs_vs.json').read_text())
    assert r['name'] == 'vs' and len(r['val_subjects']) >= 1 and unit(r['val_auc']) and unit(r['val_f1']), r
    assert all(unit(r[k]) for k in ('probe_motion', 'floor', 'chance')), r

def check_s7_controls(tmp_path, tiny, runs):   # the grid driver: two tiny runs through run_grid, summarised
    run_script('s7_controls', cwd=tmp_path, data_root=tiny)
    import pandas as pd
    df = pd.read_csv(tmp_path/'out'/'controls-s7.csv')
    assert sorted(df['config']) == ['baseline + person normalisation', 'default (patent + person normalisation)'], df
    assert df['mean_auc'].between(0, 1).all() and 'paired' in (tmp_path/'out'/'controls-s7.md').read_text()

CHECKS = {n[len('check_'):]: f for n, f in dict(globals()).items() if n.startswith('check_')}
NEEDS_RUNS = {'centring_reference', 'identity_offset', 'person_norm', 'predict_person_norm', 'seed_spread', 'seen_unseen', 'track_length'}

def test_every_script_has_a_smoke_test():
    assert sorted(CHECKS) == SCRIPTS, set(CHECKS) ^ set(SCRIPTS)

@pytest.mark.parametrize('name', [pytest.param(n, marks=[slow] if n in SLOW_SCRIPTS else []) for n in SCRIPTS])
def test_diagnosis_script(name, tmp_path, tiny, request):
    CHECKS[name](tmp_path, tiny, request.getfixturevalue('runs') if name in NEEDS_RUNS else None)
