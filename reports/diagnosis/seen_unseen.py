"""Per-AU AUC of finished runs on their training people (every 6th frame) and on their unseen test people: which AUs are
learnt for the people seen and do not carry to new ones. No training; one thread.
usage: python seen_unseen.py RUN_DIR [RUN_DIR ...]   (prints one JSON line per run)

Pinned. Numbers: README.md section 10 (AU9 seen 0.992 / unseen 0.39, seed-1 run), measured with this script as committed in
de26396 (which quotes them). It imports its names from the modules that define them; unchanged but for this docstring. An AU
with one class among a subject set's frames scores NaN. Smoke test: a tiny finished run, tests/test_diagnosis.py."""
import json, sys
import numpy as np, torch
from au_compendium.data import FrameDataset
from au_compendium.evidence import load_run
from au_compendium.metrics import auc_per_au
from au_compendium.runs import load_run_data, predict_frames, eval_loader

torch.set_num_threads(1)
for run in sys.argv[1:]:
    cfg, model = load_run(run)
    data = load_run_data(cfg)
    out = dict(run=run)
    for name, subjects, every in (('seen', data.train, 6), ('unseen', data.test, 1)):
        ds = FrameDataset(data.df.iloc[::every], subjects, data.aus, image_size=cfg.image_size)
        p = predict_frames(model, eval_loader(ds, cfg, torch.device('cpu')), torch.device('cpu'))
        out[f'{name}_frames'] = len(p['probs'])
        out[f'{name}_auc'] = {f'AU{a}': round(float(v), 3) for a, v in zip(data.aus, auc_per_au(p['labels'], p['probs']))}
    print(json.dumps(out), flush=True)
