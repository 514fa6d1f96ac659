"""How much of the default run's seed-to-seed spread is the test set's own sampling noise, and how much averaging seeds would
remove. For finished runs of one fold (e.g. the three seeds of the default run), on their unseen test subjects:
  - each run's mean AUC and F1 at 0.5 (as metrics.json has them; recomputed here from the stored weights as a check),
  - a 95% interval of each mean AUC from resampling the test *subjects* with replacement (2,000 draws; the unit the field
    generalises over is the person, and frames of one person are not independent),
  - the same interval for the paired difference between two runs (same draws),
  - the mean AUC of the runs' averaged probabilities (an ensemble of the seeds: what averaging removes, at n times the cost).
No training; one thread. usage: python seed_spread.py RUN_DIR RUN_DIR [...]   (prints JSON lines, then a summary line)

Pinned. Numbers: README.md section 10 (the subject-bootstrap table and the ensemble), quoted by b7ef9ca and re-run with the
script as changed in 72d0d9c (`evidence.embed_run` instead of its own copy; the same numbers, its message says). It imports its
names from the modules that define them; unchanged but for the smoke switch. Smoke test: DIAG_SMOKE (`_smoke.py`: 20 draws
instead of 2,000) on tiny finished runs, tests/test_diagnosis.py."""
import json, sys
import numpy as np, torch
from au_compendium.evidence import embed_run
from au_compendium.metrics import auc_per_au, f1_per_au
from _smoke import smoke

torch.set_num_threads(1)
DRAWS, RNG = smoke(2000, 20), np.random.default_rng(0)

def mean_auc(labels, probs): return float(np.nanmean(auc_per_au(labels, probs)))

runs = sys.argv[1:]
preds = [embed_run(r, max_frames=10**9) for r in runs]   # every test frame of the run's fold
L, S = preds[0]['labels'], preds[0]['subject']
assert all(np.array_equal(p['subject'], S) for p in preds), 'runs must share their test frames (same fold)'
subjects = np.unique(S)
rows = {s: np.flatnonzero(S == s) for s in subjects}
draws = [np.concatenate([rows[s] for s in RNG.choice(subjects, len(subjects))]) for _ in range(DRAWS)]
boot = np.array([[mean_auc(L[k], p['probs'][k]) for p in preds] for k in draws])    # [draws, runs]
for i, (r, p) in enumerate(zip(runs, preds)):
    lo, hi = np.percentile(boot[:, i], [2.5, 97.5])
    print(json.dumps(dict(run=r, mean_auc=round(mean_auc(L, p['probs']), 4), mean_f1=round(float(np.nanmean(f1_per_au(L, p['probs']))), 4),
                          auc_subject_bootstrap_95=[round(lo, 4), round(hi, 4)])), flush=True)
d = boot[:, :, None] - boot[:, None, :]
pairs = {f'{i}-{j}': [round(v, 4) for v in np.percentile(d[:, i, j], [2.5, 97.5])] for i in range(len(runs)) for j in range(i + 1, len(runs))}
ens = np.mean([p['probs'] for p in preds], 0)
print(json.dumps(dict(test_subjects=len(subjects), frames=len(S), difference_95=pairs,
                      ensemble_mean_auc=round(mean_auc(L, ens), 4), ensemble_mean_f1=round(float(np.nanmean(f1_per_au(L, ens))), 4))))
