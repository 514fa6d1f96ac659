"""What the random and the hard sampler put in a batch: AU rates per slot against the training frames, subjects per batch.
usage: python batch_composition.py   (fold 1, all 18 training subjects, 200 batches per sampler; prints)

Pinned. Numbers: README.md section 4 ("What the samplers put in a batch"), measured with this script as committed in 08b6521
(the README commit that quotes them). Changed since: `load_run_data` is imported from `runs`, which defines it, not through
`train`'s re-export; the batch size is the configuration's (`batch_frames`, 32 by default as then) instead of a literal 32.
Nothing it computes depends on `person_norm`. Smoke test: DIAG_SMOKE (`_smoke.py`: a tiny data set, 5 batches),
tests/test_diagnosis.py."""
import numpy as np, pandas as pd, torch
from au_compendium.core import Config
from au_compendium.runs import load_run_data
from au_compendium.data import FrameDataset
from au_compendium.sampler import sampler_from_config
from _smoke import smoke, smoke_config
cfg = smoke_config(Config(val_fraction=0)); data = load_run_data(cfg)
B = cfg.batch_frames
ds = FrameDataset(data.df, data.train, data.aus)
codes = [f'AU{a}' for a in data.aus]
Y = ds.df[codes].to_numpy()
rows = {'all training frames': np.nanmean(Y, 0)}
for s in ('random', 'hard'):
    smp = sampler_from_config(ds.df, cfg.replace(sampler=s, aus=data.aus))
    idx = np.concatenate([np.array(b) for _, b in zip(range(smoke(200, 5)), smp)])
    rows[f'{s} sampler, all 4 slots'] = np.nanmean(Y[idx], 0)
    u = idx.reshape(-1, 4)
    for k, nm in enumerate(['anchor', 'neg(a)', 'pos', 'neg(pos)']):
        if s == 'hard': rows[f'hard: {nm}'] = np.nanmean(Y[u[:, k]], 0)
    subj = ds.df['subject'].to_numpy()[idx].reshape(-1, B)
    print(s, f'distinct subjects per {B}-frame batch', np.mean([len(set(r)) for r in subj]), 'neutral share', np.mean(np.nansum(Y[idx], 1) == 0))
print('neutral share, data', np.mean(np.nansum(Y, 1) == 0))
pd.set_option("display.width", 200); print(pd.DataFrame(rows, index=codes).T.round(3).to_string())
