"""How many frames of a face does person normalisation need, and what should a face seen once be centred on? For a finished
person_norm run, encode every frame of the chosen subjects once (`val`: the run's validation subjects, which choose;
`test`: its unseen test subjects, which only report), then score the head (mean AUC, mean F1 at 0.5) when each frame is
centred on:
  own_n     the mean of its own stretch of n consecutive frames (each video cut into tracks of n frames: what au-predict
            does with a face track of n frames; n = 1 leaves nothing, as a lone photograph would);
  random_k  the mean of k frames drawn at random from its video (5 draws): a few reference frames of the same person;
  set_k     the mean of its own set of k frames drawn from its video (each video shuffled and cut into sets of k, 5 draws):
            k photographs of one person read against their common mean (`au-predict --same-person`);
  population  the training videos' running means averaged (the training people's average face), the same for every frame;
  none      no centring at all.
No training; one thread.
usage: python track_length.py val|test RUN_DIR [RUN_DIR ...]   (prints one JSON line per run)

Pinned. Numbers: README.md section 12 (the rule quoted by 22a88f3, the table and `set_k` by 1e65504), measured with this
script as committed in 1e65504. It imports its names from the modules that define them, and reads the person-normalisation
state where the model keeps it today (`model.video_means`, `model.detection.encode` / `.head`); a run trained without
`person_norm` is refused with a message. Smoke test: a tiny finished person_norm run, tests/test_diagnosis.py."""
import json, sys
import numpy as np, torch
from au_compendium.data import FrameDataset
from au_compendium.evidence import load_run
from au_compendium.metrics import auc_per_au, f1_per_au
from au_compendium.runs import load_run_data, eval_loader

torch.set_num_threads(1)
NS, KS, SETS = (1, 2, 4, 8, 16, 30, 60, 120), (1, 2, 4, 8), (2, 4, 8, 16, 30)

@torch.no_grad()
def score(model, per_au, means, labels):
    "per-AU embeddings [N, C, D] minus each row's reference [N, C, D] -> (mean AUC, mean F1 at 0.5), 3 decimals."
    e = per_au - means
    p = torch.sigmoid(model.detection.head(e, e.sum(1))).numpy()
    return [round(float(np.nanmean(auc_per_au(labels, p))), 3), round(float(np.nanmean(f1_per_au(labels, p))), 3)]

split, runs = sys.argv[1], sys.argv[2:]
for run in runs:
    cfg, model = load_run(run)
    if not model.detection.person_norm: raise SystemExit(f"{run} was trained without person_norm: it has no population reference to centre on")
    data = load_run_data(cfg)
    ds = FrameDataset(data.df, getattr(data, split), data.aus, image_size=cfg.image_size)
    per_au, labels, videos = [], [], []
    with torch.no_grad():
        for b in eval_loader(ds, cfg, torch.device('cpu')):
            per_au.append(model.detection.encode(b['image'])[0])
            labels.append(torch.where(b['mask'] > 0, b['labels'], torch.full_like(b['labels'], float('nan'))))
            videos += list(b['video'])
    per_au, labels, videos = torch.cat(per_au), torch.cat(labels).numpy(), np.array(videos)
    groups = [np.flatnonzero(videos == v) for v in np.unique(videos)]   # rows of each video, in frame order
    out = dict(run=run, split=split, subjects=len(getattr(data, split)), frames=len(videos), videos=len(groups),
               frames_per_video=sorted({len(g) for g in groups}))
    vm = model.video_means
    out['population'] = score(model, per_au, vm.mean[vm.seen].mean(0).expand_as(per_au), labels)
    out['none'] = score(model, per_au, torch.zeros_like(per_au), labels)
    for n in NS:
        m = torch.empty_like(per_au)
        for g in groups:
            for s in range(0, len(g), n): m[g[s:s + n]] = per_au[g[s:s + n]].mean(0)
        out[f'own_{n}'] = score(model, per_au, m, labels)
    rng = np.random.default_rng(0)
    for k in KS:
        drawn = []
        for _ in range(5):
            m = torch.empty_like(per_au)
            for g in groups: m[g] = per_au[rng.choice(g, k, replace=False)].mean(0)
            drawn.append(score(model, per_au, m, labels))
        out[f'random_{k}'] = [round(float(v), 3) for v in np.mean(drawn, 0)]
    for k in SETS:
        drawn = []
        for _ in range(5):
            m = torch.empty_like(per_au)
            for g in groups:
                g = rng.permutation(g)
                for s in range(0, len(g), k): m[g[s:s + k]] = per_au[g[s:s + k]].mean(0)
            drawn.append(score(model, per_au, m, labels))
        out[f'set_{k}'] = [round(float(v), 3) for v in np.mean(drawn, 0)]
    print(json.dumps(out), flush=True)
