"""What should person normalisation centre a frame on when one expression fills most of a video (#27 item 4)? For a
finished person_norm run, encode every frame of the chosen subjects once (`train`: the run's training subjects, which
choose; `test`: its unseen test subjects, which only report), then score the head (mean AUC, mean F1 at 0.5) when each
frame is centred on:
  video        the mean of its video's frames (what training, evaluation and au-predict do today);
  subject      the mean of all its person's frames, over every video of that person (BP4D-like data: eight tasks a person);
  low25_video  the mean of the quarter of its video's frames with the least predicted activity (sum of AU probabilities
               when centred on the video's mean): a neutral-leaning reference found without labels;
  low25_subject  the same over all the person's frames;
  neutral_oracle  the mean of its video's frames with no AU labelled present (the video's mean where fewer than 5 are):
               an upper bound that needs labels, to say how much a perfect neutral reference could give;
  none         no centring.
No training; one thread. Only the head reads the centred embeddings: this measures the reference at evaluation with the
network trained on video means, so it is a diagnosis of where a training-time change could pay, not that change.

The rule, written before any number of this script was seen (commit of this file): a reference R becomes a training-time
option worth a grid only if, on the TRAINING subjects of the default runs (3 folds each), R's mean AUC beats `video` by
>= 0.01 on the task-like benchmark and is no more than 0.005 below it on the mixed one; of several, the largest task-like
gain. The test columns are reported, not used to choose. `neutral_oracle` is never chosen (it reads labels).

usage: python centring_reference.py train|test RUN_DIR [RUN_DIR ...]   (one JSON line per run)

Pinned. Numbers: README.md section 14, measured with this script as committed in 377b168 on the runs of 7fa1dd0 (since then its head runs through person_norm.head_in_chunks: the same computation). It
imports its names from the modules that define them; a run trained without `person_norm` is refused with a message.
Smoke test: a tiny finished person_norm run, tests/test_diagnosis.py."""
import json, sys
import numpy as np, torch
from au_compendium.data import FrameDataset
from au_compendium.evidence import load_run
from au_compendium.metrics import auc_per_au, f1_per_au
from au_compendium.person_norm import head_in_chunks
from au_compendium.runs import load_run_data, eval_loader

torch.set_num_threads(1)

@torch.no_grad()
def probs(model, per_au, ref):
    "per-AU embeddings [N, C, D] minus each row's reference [N, C, D] -> probabilities [N, C] (the head in chunks, as every read)."
    return torch.sigmoid(head_in_chunks(model.detection, per_au - ref)).numpy()

def score(p, labels):
    return [round(float(np.nanmean(auc_per_au(labels, p))), 3), round(float(np.nanmean(f1_per_au(labels, p))), 3)]

def group_ref(per_au, groups, rows_of=lambda g: g):
    "Each row's reference: the mean of `rows_of(g)` for its group g; [N, C, D]."
    ref = torch.empty_like(per_au)
    for g in groups: ref[g] = per_au[rows_of(g)].mean(0)
    return ref

split, runs = sys.argv[1], sys.argv[2:]
for run in runs:
    cfg, model = load_run(run)
    if not model.detection.person_norm: raise SystemExit(f"{run} was trained without person_norm")
    model.eval()
    data = load_run_data(cfg)
    ds = FrameDataset(data.df, getattr(data, split), data.aus, image_size=cfg.image_size)
    per_au, labels, videos, subjects = [], [], [], []
    with torch.no_grad():
        for b in eval_loader(ds, cfg, torch.device('cpu')):
            per_au.append(model.detection.encode(b['image'])[0].float())
            labels.append(torch.where(b['mask'] > 0, b['labels'], torch.full_like(b['labels'], float('nan'))))
            videos += list(b['video']); subjects.append(b['subject'])
    per_au, labels, videos, subjects = torch.cat(per_au), torch.cat(labels).numpy(), np.array(videos), torch.cat(subjects).numpy()
    by_video = [np.flatnonzero(videos == v) for v in np.unique(videos)]
    by_subject = [np.flatnonzero(subjects == s) for s in np.unique(subjects)]
    out = dict(run=run, split=split, subjects=len(by_subject), frames=len(videos), videos=len(by_video))
    p_video = probs(model, per_au, group_ref(per_au, by_video))
    activity = p_video.sum(1)
    low = lambda g: g[np.argsort(activity[g], kind='stable')[:max(1, len(g) // 4)]]
    neutral = lambda g: (lambda n: n if len(n) >= 5 else g)(g[np.nansum(labels[g], 1) == 0])
    out['video'] = score(p_video, labels)
    out['subject'] = score(probs(model, per_au, group_ref(per_au, by_subject)), labels)
    out['low25_video'] = score(probs(model, per_au, group_ref(per_au, by_video, low)), labels)
    out['low25_subject'] = score(probs(model, per_au, group_ref(per_au, by_subject, low)), labels)
    out['neutral_oracle'] = score(probs(model, per_au, group_ref(per_au, by_video, neutral)), labels)
    out['none'] = score(probs(model, per_au, torch.zeros_like(per_au)), labels)
    print(json.dumps(out), flush=True)
