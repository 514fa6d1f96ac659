"""Training end to end on a tiny SynthFACS: the papermill notebook, its parameters, crash-and-resume, bad inputs."""
import json, os, signal, subprocess, sys, time
from dataclasses import fields
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
TRAIN_NB = ROOT/'nbs'/'train.ipynb'
TINY = dict(epochs=2, steps_per_epoch=3, batch_frames=16, image_size=32, gen_downsample=2, embed_dim=16, gcn_hidden=16, heatmap_size=8,
            val_fraction=0.2, device='cpu')

@pytest.fixture(scope='module')
def tiny_synthfacs(tmp_path_factory):
    from au_compendium.synthfacs import generate_synthfacs
    root = tmp_path_factory.mktemp('synthfacs')
    generate_synthfacs(root, **TINY_DATA)
    return root

TINY_DATA = dict(n_subjects=6, videos_per_subject=2, frames_per_video=40, image_size=32, seed=0)

def test_notebook_parameters_are_the_config_fields():
    from au_compendium.core import Config
    from au_compendium.experiments import notebook_parameters
    params = notebook_parameters(TRAIN_NB)
    assert list(params) == [f.name for f in fields(Config)], set(params) ^ {f.name for f in fields(Config)}
    defaults = Config()
    for name, text in params.items():  # the notebook's defaults are the Config's defaults
        assert eval(text) == getattr(defaults, name), (name, text)

def _folds(root):
    "SynthFACS-tiny has 6 subjects; give it its own 3 parts."
    subs = sorted({l.split(',')[1] for l in (root/'manifest.csv').read_text().splitlines()[1:]})
    (root/'folds.json').write_text(json.dumps({'parts': [subs[0::3], subs[1::3], subs[2::3]]}))

def _run(cfg_kw, out):
    "Train in a subprocess (so it can be killed); returns the Popen."
    code = ("import json,sys; from au_compendium.train import train; from au_compendium.core import Config; "
            "train(Config.from_dict(json.loads(sys.argv[1])), progress=False)")
    return subprocess.Popen([sys.executable, '-c', code, json.dumps({**cfg_kw, 'out_dir': str(out)})],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

def test_killed_and_resumed_run_matches_uninterrupted(tiny_synthfacs, tmp_path):
    _folds(tiny_synthfacs)
    kw = dict(TINY, dataset='manifest', data_root=str(tiny_synthfacs), epochs=3)
    p = _run(kw, tmp_path/'straight'); out, _ = p.communicate(timeout=600)
    assert p.returncode == 0, out
    # the same run, killed with SIGKILL once the first epoch's checkpoint exists, then resumed
    p = _run(kw, tmp_path/'killed')
    t = time.time()
    while not (tmp_path/'killed'/'checkpoint.safetensors').exists() and p.poll() is None and time.time() - t < 300: time.sleep(0.05)
    assert p.poll() is None, "the run ended before it could be killed"
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (tmp_path/'killed'/'metrics.json').exists()
    p = _run({**kw, 'resume': True}, tmp_path/'killed'); out, _ = p.communicate(timeout=600)
    assert p.returncode == 0, out
    assert 'resumed from' in out, out
    a = json.loads((tmp_path/'straight'/'metrics.json').read_text())
    b = json.loads((tmp_path/'killed'/'metrics.json').read_text())
    assert a['test']['f1'] == b['test']['f1'] and a['test']['auc'] == b['test']['auc'], (a['test'], b['test'])
    assert [json.loads(l)['loss_total'] for l in (tmp_path/'straight'/'log.jsonl').read_text().splitlines()] == \
           [json.loads(l)['loss_total'] for l in (tmp_path/'killed'/'log.jsonl').read_text().splitlines()]

def test_papermill_train_notebook(tiny_synthfacs, tmp_path):
    import papermill as pm
    _folds(tiny_synthfacs)
    out = tmp_path/'run'
    pm.execute_notebook(str(TRAIN_NB), str(tmp_path/'out.ipynb'), kernel_name='python3', progress_bar=False, cwd=str(ROOT/'nbs'),
                        parameters=dict(TINY, dataset='manifest', data_root=str(tiny_synthfacs), out_dir=str(out), epochs=1))
    m = json.loads((out/'metrics.json').read_text())
    assert 0 <= m['test']['mean_f1'] <= 1 and m['config']['epochs'] == 1   # the injected value won over the default
    for f in ('curves.png', 'detection.safetensors', 'log.jsonl', 'config.json', 'checkpoint.safetensors'): assert (out/f).exists(), f
    assert m['git']['commit'] is None or len(m['git']['commit']) == 40
    assert 'subject_from_motion' in m['leakage']

@pytest.mark.parametrize('params, message', [
    (dict(dataset='disfa', data_root=''), 'au-prepare disfa'),
    (dict(dataset='bp4d', data_root='/nonexistent/bp4d'), 'au-prepare bp4d'),
    (dict(fold=4), '`fold`'),
    (dict(batch_frames=-1), "`batch_frames`"),
])
def test_bad_parameters_stop_with_a_message(tmp_path, params, message):
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(TRAIN_NB), str(tmp_path/'out.ipynb'), kernel_name='python3', progress_bar=False,
                            cwd=str(ROOT/'nbs'), parameters=dict(params, out_dir=str(tmp_path/'run')))
    assert e.value.ename == 'SystemExit' and message in e.value.evalue, (e.value.ename, e.value.evalue)

PAPERMILL = Path(sys.executable).parent/'papermill'

@pytest.mark.parametrize('args, message', [
    (['-p', 'epoch', '1'], 'unknown parameter `epoch`; did you mean `epochs`?'),
    (['-p', 'use_gcn', 'false'], "`use_gcn`: must be True or False (got the text 'false'); with papermill write `-p use_gcn False`"),
    (['-p', 'pretrained', 'True'], "`pretrained`: backbone 'tiny' has no ImageNet weights"),
    (['-y', 'use_gcn: false', '-p', 'fold', '4'], '`fold`: must be 1, 2 or 3'),   # the -y spelling the message suggests is a boolean
], ids=['typo', 'text-boolean', 'pretrained-tiny', 'yaml-boolean'])
def test_papermill_command_line_stops_before_any_data(tmp_path, args, message):
    "The commands of issue 14, typed as a user would: each stops in the validation cell, before SynthFACS is generated or a run folder made."
    data, run = tmp_path/'synthfacs', tmp_path/'run'
    r = subprocess.run([str(PAPERMILL), str(TRAIN_NB), str(tmp_path/'out.ipynb'), '--cwd', str(ROOT/'nbs'), '-k', 'python3', '--no-progress-bar',
                        *args, '-p', 'data_root', str(data), '-p', 'out_dir', str(run)], capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode != 0 and 'SystemExit: stopped before training: ' in out and message in out, out[-3000:]
    assert not data.exists() and not run.exists(), 'the notebook went on past its validation cell'

REPORT_NB = ROOT/'nbs'/'report.ipynb'

def test_report_checks_every_parameter_of_its_parameters_cell():
    "The report's RULES cover exactly the names of its `parameters` cell, so a new parameter cannot go unchecked."
    import ast, nbformat
    from au_compendium.experiments import notebook_parameters
    src = next(c.source for c in nbformat.read(REPORT_NB, as_version=4).cells if c.cell_type == 'code' and 'RULES = {' in c.source)
    rules = next(n.value for n in ast.parse(src).body if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', '') == 'RULES')
    assert [k.value for k in rules.keys] == list(notebook_parameters(REPORT_NB))

@pytest.mark.parametrize('params, message', [
    (dict(run_dri='x'), 'unknown report parameter `run_dri`; did you mean `run_dir`?'),
    (dict(run_dir='x', max_frames=0), 'report parameter `max_frames` must be a positive integer (got 0)'),
    (dict(run_dir=''), 'report parameter `run_dir` must be a run folder'),
])
def test_report_bad_parameters_stop_with_a_message(tmp_path, params, message):
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(REPORT_NB), str(tmp_path/'out.ipynb'), kernel_name='python3', progress_bar=False,
                            cwd=str(ROOT/'nbs'), parameters=params)
    assert e.value.ename == 'SystemExit' and message in e.value.evalue, (e.value.ename, e.value.evalue)

def test_report_notebook_on_a_run(tiny_synthfacs, tmp_path):
    "report.ipynb turns a run folder into UMAP maps with the leakage numbers beside them."
    import papermill as pm
    from au_compendium.train import train
    from au_compendium.core import Config
    _folds(tiny_synthfacs)
    run = tmp_path/'run'
    train(Config.from_dict(dict(TINY, dataset='manifest', data_root=str(tiny_synthfacs), out_dir=str(run), epochs=1)), progress=False)
    pm.execute_notebook(str(ROOT/'nbs'/'report.ipynb'), str(tmp_path/'report.ipynb'), kernel_name='python3', progress_bar=False,
                        cwd=str(ROOT/'nbs'), parameters=dict(run_dir=str(run), max_frames=200))
    rep = json.loads((run/'report'/'report.json').read_text())
    assert (run/'report'/'umap.png').stat().st_size > 10_000
    for k in ('subject_from_motion', 'subject_from_identity', 'au_from_identity', 'motion_by_subject'): assert k in rep['leakage'], k
    assert 0 <= rep['leakage']['subject_from_motion'] <= 1 and rep['n_frames'] <= 200

def test_non_finite_loss_stops_with_message_and_keeps_last_checkpoint(tiny_synthfacs, tmp_path, monkeypatch):
    import au_compendium.train as T
    from au_compendium.core import Config
    from au_compendium.checkpoint import load_state
    from au_compendium.step import NonFiniteLossError
    _folds(tiny_synthfacs)
    real, calls = T.train_step, {'n': 0}
    def flaky(*a, **k):  # the 5th step (second epoch, 3 steps per epoch) blows up
        calls['n'] += 1
        if calls['n'] == 5: raise NonFiniteLossError("non-finite main loss(es) {'au': nan}")
        return real(*a, **k)
    monkeypatch.setattr(T, 'train_step', flaky)
    out = tmp_path/'run'
    with pytest.raises(T.TrainingDiverged, match='epoch 2: non-finite main loss') as e:
        T.train(Config.from_dict(dict(TINY, dataset='manifest', data_root=str(tiny_synthfacs), out_dir=str(out))), progress=False)
    assert 'keeps the checkpoint of the last good epoch' in str(e.value)
    assert load_state(out/'checkpoint.safetensors')['epoch'] == 0   # epoch 1's state, intact
    assert not (out/'metrics.json').exists()

def test_ablate_cli_library_engine_parallel_then_copied_and_summarised(tiny_synthfacs, tmp_path):
    "`au-ablate` end to end: two runs at a time without Jupyter, the summary files, then the folders moved and summarised again."
    import shutil
    from au_compendium.experiments import ablate_cli
    sets = [f'--set={k}={json.dumps(v)}' for k, v in {**TINY, 'epochs': 1, 'data_root': str(tiny_synthfacs)}.items()]
    ablate_cli(['smoke', '--engine', 'library', '--jobs', '2', '--runs', str(tmp_path/'runs'), '--summary-dir', str(tmp_path), *sets])
    md = (tmp_path/'smoke.md').read_text()
    assert '| baseline | 1 |' in md and '| default | 1 |' in md and 'Per-AU F1' in md and 'device: cpu' in md, md
    assert all((tmp_path/'runs'/c/'fold1-seed0'/'run.log').exists() for c in ('baseline', 'default'))
    first = (tmp_path/'smoke.csv').read_text()
    shutil.move(tmp_path/'runs', tmp_path/'copied')          # e.g. run folders fetched from a GPU machine
    ablate_cli(['smoke', '--finished-only', '--runs', str(tmp_path/'copied'), '--summary-dir', str(tmp_path), *sets])
    assert (tmp_path/'smoke.csv').read_text() == first
    with pytest.raises(FileNotFoundError, match='no finished run'):
        ablate_cli(['smoke', '--finished-only', '--runs', str(tmp_path/'empty'), '--summary-dir', str(tmp_path), *sets])

def test_person_norm_run_trains_evaluates_and_reloads(tiny_synthfacs, tmp_path):
    "The person-normalisation rung end to end: training keeps running means of its videos, evaluation centres whole videos."
    import numpy as np, torch
    from au_compendium.core import Config
    from au_compendium.data import FrameDataset
    from au_compendium.evidence import load_run
    from au_compendium.train import train, load_run_data, predict_frames, eval_loader
    _folds(tiny_synthfacs)
    cfg = Config.from_dict({**TINY, 'dataset': 'manifest', 'data_root': str(tiny_synthfacs), 'epochs': 1, 'person_norm': True,
                            'out_dir': str(tmp_path/'pn')})
    m = train(cfg, progress=False, log=lambda *a: None)
    assert m['test']['mean_auc'] is None or 0 <= m['test']['mean_auc'] <= 1
    assert 'subject_from_motion' in m['leakage'] or 'error' in m['leakage'], m['leakage']
    cfg2, model = load_run(tmp_path/'pn')
    assert model.detection.person_norm and model.video_means.seen.any()
    data = load_run_data(cfg2)
    ds = FrameDataset(data.df, data.test, data.aus, image_size=cfg.image_size)
    p = predict_frames(model, eval_loader(ds, cfg, torch.device('cpu')), torch.device('cpu'), embeddings=True)
    for v in np.unique(p['video']):   # what the head read, and what the probes read: each video's motion centred on zero
        assert np.allclose(p['motion'][p['video'] == v].mean(0), 0, atol=1e-4), v
    # au-predict reads the shipped weights as evaluation does: each test video, given as a stack of its frames, is one face track
    from au_compendium.predict import Predictor, predict, read_image
    from au_compendium.person_norm import MIN_TRACK_FRAMES
    pred = Predictor.load(tmp_path/'pn', device='cpu')
    assert pred.person_norm and pred.reference is not None
    frames = data.df[data.df.subject.isin(data.test)]
    videos = [g.sort_values('frame') for _, g in frames.groupby('video', sort=True)]
    assert min(map(len, videos)) >= MIN_TRACK_FRAMES
    table = predict([np.stack([read_image(tiny_synthfacs/f) for f in g.path]) for g in videos], pred, aligned=True, progress=False)
    assert set(table.centred_on) == {'track'}
    order = np.concatenate([np.flatnonzero((p['video'] == v)) for v in sorted(np.unique(p['video']))])
    assert np.allclose(table[[f'AU{a}_prob' for a in data.aus]].to_numpy(), p['probs'][order], atol=1e-4)

def test_resume_refuses_changed_data_naming_what_changed(tiny_synthfacs, tmp_path):
    "#25 kind 9: a checkpoint remembers its data and settings; resuming on relabelled data or without a subject says so, not a traceback."
    import shutil
    import pandas as pd
    from au_compendium.core import Config
    from au_compendium.train import train, ResumeMismatch
    data = tmp_path/'data'; shutil.copytree(tiny_synthfacs, data); _folds(data)
    kw = dict(TINY, dataset='manifest', data_root=str(data), out_dir=str(tmp_path/'run'), epochs=2)
    assert train(Config(**kw), progress=False, log=lambda *a: None, stop_after_epoch=1) == dict(stopped_after_epoch=1)
    m = pd.read_csv(data/'manifest.csv', dtype=str, keep_default_na=False)
    first = sorted(m.subject.unique())[0]
    m.loc[m.subject == first, 'AU12'] = '1'                                   # a subject relabelled
    m.to_csv(data/'manifest.csv', index=False)
    with pytest.raises(ResumeMismatch, match=f"subject {first}: frames, labels or landmarks changed"):
        train(Config(**kw, resume=True), progress=False, log=lambda *a: None)
    with pytest.raises(ResumeMismatch, match="config field `lr`: 0.001 -> 0.002"):
        train(Config(**{**kw, 'lr': 0.002}, resume=True), progress=False, log=lambda *a: None)
    done = train(Config(**kw, resume=True, resume_changed=True), progress=False, log=lambda *a: None)   # the user says: go on
    assert done['resumed'][0]['after_epoch'] == 1 and any(first in c for c in done['resumed'][0]['changes']), done['resumed']
    on_disk = json.loads((tmp_path/'run'/'metrics.json').read_text())
    assert on_disk['resumed'] == done['resumed']
    # a training subject removed: named, never PyTorch's size-mismatch traceback
    assert train(Config(**{**kw, 'out_dir': str(tmp_path/'run2')}), progress=False, log=lambda *a: None, stop_after_epoch=1)
    folds = json.loads((data/'folds.json').read_text()); gone = folds['parts'][0].pop()
    (data/'folds.json').write_text(json.dumps(folds)); m[m.subject != gone].to_csv(data/'manifest.csv', index=False)
    with pytest.raises(ResumeMismatch, match=f"subjects removed: {gone}"):
        train(Config(**{**kw, 'out_dir': str(tmp_path/'run2')}, resume=True), progress=False, log=lambda *a: None)
