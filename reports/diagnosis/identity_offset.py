"""Where the identity in the motion embedding lives: in each video's offset, or in how the embedding moves?
OpenFace's person-specific normalisation subtracts a per-person statistic from its features before the AU models; this
measures what that would leave, post hoc, on a finished run's unseen test subjects (no retraining).
The subject probe (`evidence.probe_accuracy`: logistic regression, whole videos held out) on
  - the motion embeddings as trained, and after subtracting each video's mean (and median) embedding,
  - its floor, the ground-truth AU labels, also centred per video (the honest floor for centred features),
  - the identity embeddings (the ceiling),
plus the AU probe on the centred motion embeddings (does centring keep the AU information?).
usage: python identity_offset.py RUN_DIR [RUN_DIR ...]   (prints one JSON line per run)

Pinned. Numbers: README.md section 8, first table: the full method and baseline rows measured with this script as committed
in 95f27db (which quotes them), the residual-GCN row quoted by 07663a3 (the script unchanged). Changed since: names are
imported from the modules that define them (`runs`; `LEAKAGE_FRAMES` from `train`), not through `train`'s re-exports. The
runs it read predate `person_norm`; on a `person_norm` run, `motion` is what its head reads, already centred per video, so
`motion` and `motion_video_mean_centred` agree. Smoke test: a tiny finished run, tests/test_diagnosis.py."""
import json, sys
import numpy as np, pandas as pd, torch
from au_compendium.data import FrameDataset
from au_compendium.evidence import load_run, probe_accuracy, au_probe, even_subset
from au_compendium.runs import load_run_data, predict_frames, eval_loader
from au_compendium.train import LEAKAGE_FRAMES

torch.set_num_threads(1)
def centred(X, videos, stat=np.mean):
    X = np.asarray(X, np.float64).copy()
    for v in np.unique(videos): X[videos == v] -= stat(X[videos == v], axis=0)
    return X

for run in sys.argv[1:]:
    cfg, model = load_run(run)
    data = load_run_data(cfg)
    ds = FrameDataset(data.df, data.test, data.aus, image_size=cfg.image_size)
    p = predict_frames(model, eval_loader(ds, cfg, torch.device('cpu')), torch.device('cpu'), embeddings=True)
    k = even_subset(len(p['probs']), LEAKAGE_FRAMES)   # the same frames train() probes
    M, I, L, S, V = (np.asarray(p[n])[k] for n in ('motion', 'identity', 'labels', 'subject', 'video'))
    lab = np.nan_to_num(np.asarray(L, np.float64))
    acc = lambda X: probe_accuracy(X, S, V)['accuracy']
    r = dict(run=run, frames=len(k), chance=probe_accuracy(lab, S, V)['chance'],
             motion=acc(M), motion_video_mean_centred=acc(centred(M, V)), motion_video_median_centred=acc(centred(M, V, np.median)),
             floor_labels=acc(lab), floor_labels_centred=acc(centred(lab, V)), ceiling_identity=acc(I),
             au_probe_motion=au_probe(M, L, V, data.aus)['mean_balanced_accuracy'],
             au_probe_motion_centred=au_probe(centred(M, V), L, V, data.aus)['mean_balanced_accuracy'])
    print(json.dumps({k_: (round(v, 4) if isinstance(v, float) else v) for k_, v in r.items()}), flush=True)
