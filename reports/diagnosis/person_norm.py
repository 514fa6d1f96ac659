"""Person-specific normalisation at inference, post hoc on a finished run (no retraining): each video's per-AU embeddings
e_c are re-anchored, e_c - stat_video(e_c) + mean_train(e_c) (stat: mean or median over the video's frames, as OpenFace
subtracts a person's median from its features), the motion embedding is their sum as always, and the trained head reads them.
Reports detection (mean AUC, F1 at 0.5) and the subject probe from the motion embedding, raw vs normalised, on the run's
validation subjects (`--on val`, where a choice may be made) or its unseen test subjects (`--on test`, to report).
usage: python person_norm.py RUN_DIR [--on val|test]

Pinned. Numbers: README.md section 8, second table (and the median's 0.637-0.711), measured with this script as committed in
95f27db (which quotes them); its last change, 058c8e0, only took `video_centred` from `models` (one group-mean helper), so the
numbers predate it. Changed since: names are imported from the modules that define them (`runs`; `LEAKAGE_FRAMES` from
`train`; `video_centred` from `person_norm`, where it is defined today; it was `models`' until #24 moved person
normalisation into its own module, the same centring, now in float64), not through `train`'s re-exports; a run trained with
`person_norm` is refused with a message (its head reads centred embeddings already, so "raw" would not be what it was trained
on; this measures post-hoc centring of a run trained without). Smoke test: a tiny finished run, tests/test_diagnosis.py."""
import argparse, json
import numpy as np, torch
from au_compendium.data import FrameDataset
from au_compendium.evidence import load_run, probe_accuracy, even_subset
from au_compendium.metrics import au_metrics
from au_compendium.person_norm import video_centred
from au_compendium.runs import load_run_data, eval_loader
from au_compendium.train import LEAKAGE_FRAMES

torch.set_num_threads(1)
ap = argparse.ArgumentParser(); ap.add_argument('run'); ap.add_argument('--on', default='test', choices=('val', 'test'))
a = ap.parse_args()
cfg, model = load_run(a.run); model.eval(); data = load_run_data(cfg); dev = torch.device('cpu')
if model.detection.person_norm: raise SystemExit(f"{a.run} was trained with person_norm=True: its head already reads video-centred embeddings; "
                                                 "this script centres a run trained without it (person_norm=False)")

@torch.no_grad()
def embed(subjects, every=1):
    ds = FrameDataset(data.df, subjects, data.aus, image_size=cfg.image_size)
    E, L, S, V = [], [], [], []
    for b in eval_loader(ds, cfg, dev):
        E.append(model.detection.encode(b['image'])[0])            # per-AU embeddings [B, C, D]
        L.append(torch.where(b['mask'] > 0, b['labels'], torch.nan)); S.append(b['subject']); V += list(b['video'])
    E, L, S, V = torch.cat(E)[::every], torch.cat(L)[::every].numpy(), torch.cat(S)[::every].numpy(), np.array(V)[::every]
    return E, L, S, V

@torch.no_grad()
def evaluate(E, L, S, V):
    P = torch.sigmoid(model.detection.head(E, E.sum(1))).numpy()
    m = au_metrics(L, P, data.aus); k = even_subset(len(E), LEAKAGE_FRAMES)
    return dict(mean_auc=round(m['mean_auc'], 4), mean_f1=round(m['mean_f1'], 4),
                subject_from_motion=round(probe_accuracy(E.sum(1).numpy()[k], S[k], V[k])['accuracy'], 4))

Etr = embed(data.train, every=6)[0]; mu = Etr.mean(0)                    # [C, D], the training population's anchor
E, L, S, V = embed(data.val if a.on == 'val' else data.test)
out = dict(run=a.run, on=a.on, subjects=len(np.unique(S)), raw=evaluate(E, L, S, V))
out['video_mean'] = evaluate(video_centred(E, V) + mu, L, S, V)     # what `person_norm` does, re-anchored on the training mean
N = E.clone()                                                          # OpenFace's statistic, the median, for comparison
for v in np.unique(V): idx = torch.from_numpy(np.flatnonzero(V == v)); N[idx] = E[idx] - E[idx].median(0).values + mu
out['video_median'] = evaluate(N, L, S, V)
print(json.dumps(out), flush=True)
