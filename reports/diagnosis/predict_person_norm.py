"""au-predict serves person-normalised weights as evaluation reads them: a finished person_norm run's test videos, each given
to `predict` as a stack of its aligned frames (one face track per video), must score the run's own test AUC and F1.
The detection file is written here with the population reference (runs saved before it was stored lack it). One thread.
usage: python predict_person_norm.py RUN_DIR OUT.safetensors

Pinned. Numbers: README.md section 11's "Adopted" paragraph (au-predict reproduces fold 1's test AUC and F1 exactly), measured
with this script as committed in 3c2748e; the README commit that quotes it is 8b1cf01. It imports its names from the modules
that define them today (`models.save_detection_path`, `runs`, `predict.predict` and `predict.read_image`); unchanged but for
this docstring. Smoke test: a tiny finished person_norm run, tests/test_diagnosis.py."""
import sys, time
from pathlib import Path
import numpy as np, torch
from au_compendium.evidence import load_run
from au_compendium.models import save_detection_path
from au_compendium.runs import load_run_data, default_data_root
from au_compendium.predict import predict, read_image
from au_compendium.metrics import auc_per_au, f1_per_au

torch.set_num_threads(1)
run, out = sys.argv[1:3]
cfg, model = load_run(run)
data = load_run_data(cfg)
weights = save_detection_path(out, model, cfg, data.aus)
df = data.df[data.df.subject.isin(data.test)].sort_values(['video', 'frame'])
videos = [g for _, g in df.groupby('video', sort=True)]
root = Path(cfg.data_root) if cfg.data_root else default_data_root(cfg.dataset)
stacks = [np.stack([read_image(root / p) for p in g.path]) for g in videos]
labels = np.concatenate([g[[f'AU{a}' for a in data.aus]].to_numpy(float) for g in videos])
t0 = time.time()
table = predict(stacks, weights, aligned=True, progress=False, device='cpu')
probs = table[[f'AU{a}_prob' for a in data.aus]].to_numpy()
print(dict(run=run, videos=len(stacks), rows=len(table), seconds=round(time.time() - t0, 1),
           mean_auc=round(float(np.nanmean(auc_per_au(labels, probs))), 3), mean_f1=round(float(np.nanmean(f1_per_au(labels, probs))), 3),
           centred_on=table.centred_on.value_counts().to_dict()))
