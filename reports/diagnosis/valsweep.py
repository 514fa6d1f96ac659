"""Choose a setting on validation subjects only: fold 1's training subjects split 12 / 6 (val_fraction 0.34); train with
train() itself (fixed schedule, last epoch), then on the 6 validation subjects: mean AUC / F1 and the subject probe from motion
embeddings beside its floor. usage: python valsweep.py NAME STEPS key=value ... (epochs=E splits STEPS into E epochs; default 4)
THREADS (default 1) sets torch's thread count; OUT the folder for run folders and results.

Pinned. Numbers: README.md section 7 (`plain`, `res`) and section 8's `valsweep.py pn 1000 person_norm=true`, quoted by
95f27db and b53012d, measured with this script as committed in 95f27db; sections 9 (`A_s0`, `C_s0`, ...; quoted by 4a3348b)
and 11 (`PN_s0`, `PN_s1`, run at acae1d7 as the README says; quoted by 846dfae), measured with the script as changed in
42b755c (`epochs=E`, THREADS). It imports its names from the modules that define them already. Today's default is
`person_norm=True`, where sections 7-9 ran without it (the field came in a5fe000, False by default until f36f7cf): to rerun
those rows as they ran, add `person_norm=false` (and the other `core.STORED_DEFAULTS` values:
`au_balance=true pos_weight_cap=20`, and `gcn_residual=false` for section 7's `plain`). Smoke test: DIAG_SMOKE (`_smoke.py`)
and a small STEPS, tests/test_diagnosis.py."""
import json, sys, os, time
t0 = time.time()
import numpy as np, torch
from au_compendium.core import Config
from au_compendium.train import train
from au_compendium.runs import load_run_data, predict_frames, eval_loader
from au_compendium.data import FrameDataset
from au_compendium.evidence import leakage_report, load_run
from au_compendium.metrics import au_metrics
from _smoke import smoke_config
torch.set_num_threads(int(os.environ.get('THREADS', 1)))
OUT = os.environ.get('OUT', '/tmp/exp')   # run folders and results
name, steps = sys.argv[1], int(sys.argv[2])
kw = {k: json.loads(v) for k, v in (s.split('=', 1) for s in sys.argv[3:])}
epochs = kw.pop('epochs', 4)
cfg = smoke_config(Config(val_fraction=0.34, epochs=epochs, steps_per_epoch=steps // epochs, out_dir=f'{OUT}/vs_{name}', **kw))
train(cfg, progress=False, log=lambda *a: None)
data = load_run_data(cfg)
_, model = load_run(cfg.out_dir)
ds = FrameDataset(data.df, data.val, data.aus, image_size=cfg.image_size)
p = predict_frames(model, eval_loader(ds, cfg, torch.device('cpu')), torch.device('cpu'), embeddings=True)
m = au_metrics(p['labels'], p['probs'], data.aus)
leak = leakage_report(p['motion'], p['identity'], p['labels'], p['subject'], p['video'], data.aus)
r = dict(name=name, cfg={**kw, 'epochs': epochs, 'steps': steps}, wall_s=round(time.time() - t0, 1), val_subjects=data.val, val_auc=m['mean_auc'], val_f1=m['mean_f1'],
         probe_motion=leak['subject_from_motion'], floor=leak['subject_floor_labels'], chance=leak['subject_chance'])
print(json.dumps(r)); json.dump(r, open(f'{OUT}/vs_{name}.json', 'w'))
