"""Does a recipe for the plain rung hold on more than one benchmark? The ladder's baseline with its present recipe, the same
with candidate changes, and the 40-line plain reference (shared/reference/plain_cnn.py, 10 passes, 'aug', its last pass),
on the same fold and seed of one of the project's benchmarks; test AUC / F1 on the fold's unseen subjects.
usage: THREADS=1 python recipe_check.py BENCH ARM FOLD SEED [key=JSON ...]
BENCH: mixed (SynthFACS), tasks (SynthFACS's task-like variant), s7 (a SynthFACS set of other people and shape read through
the manifest path: `au-synthfacs --subjects 24 --videos 2 --frames 200 --seed 7 --out data/synthfacs-s7`).
ARM: current (the baseline rung with the loss weighting it had before issue #27: au_balance=True, pos_weight_cap=20), candidate (the baseline rung with the key=value overrides), reference.
Results are appended to $OUT/results.jsonl (default /tmp/rc).

Pinned. Numbers: README.md section 13 (the benchmark table: `tasks` folds 1-3, `s7` folds 1-2), measured with this script
as committed in 1e4b997 (the README names it); its last change, be37b81, pins the `current` arm's old weighting when the new
one became the default, so `current` still computes what the table's "baseline before" column measured. Quoted by 58fd3a0
and 136929e (s7 fold 2). It imports `train` from `train`, which defines it; the baseline rung has `person_norm=False`, so
today's default does not reach it. Changed since: the repository is found from the script's folder rather than the working
directory (the same folder when run from inside it). Smoke test: DIAG_SMOKE (`_smoke.py`) on the `candidate` arm, tests/test_diagnosis.py (the
`reference` arm runs shared/reference/plain_cnn.py, which lies outside the repository, for 10 passes: not smoke-tested)."""
import json, os, re, subprocess, sys, time
from pathlib import Path
import torch
from au_compendium.core import Config, ablation_overrides, repo_root
from _smoke import smoke_config
torch.set_num_threads(int(os.environ.get('THREADS', 1)))
bench, arm, fold, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
over = {k: json.loads(v) for k, v in (s.split('=', 1) for s in sys.argv[5:])}
OUT = Path(os.environ.get('OUT', '/tmp/rc')); OUT.mkdir(parents=True, exist_ok=True)
root = repo_root(Path(__file__).parent)   # the repository holding this script, wherever it is run from
data = dict(mixed=dict(dataset='synthfacs'), tasks=dict(dataset='synthfacs', synthfacs_variant='tasks'),
            s7=dict(dataset='manifest', data_root=str(root/'data'/'synthfacs-s7')))[bench]
folder = dict(mixed=root/'data'/'synthfacs', tasks=root/'data'/'synthfacs-tasks', s7=root/'data'/'synthfacs-s7')[bench]
t0 = time.time()
if arm == 'reference':
    ref = root.parent/'shared'/'reference'/'plain_cnn.py'   # shared/ lies beside the repository
    env = dict(os.environ, FOLD=str(fold), SEED=str(seed))
    out = subprocess.run([sys.executable, str(ref), str(folder), '10', 'aug'], env=env, capture_output=True, text=True, check=True).stdout
    last = re.findall(r'mean F1 ([0-9.]+), mean AUC ([0-9.]+)', out)[-1]
    r = dict(f1=float(last[0]), auc=float(last[1]))
else:
    from au_compendium.train import train
    PRESENT = dict(au_balance=True, pos_weight_cap=20.0)   # the baseline's loss weighting before #27 (the defaults then), pinned so the arm keeps its meaning
    kw = {**ablation_overrides('baseline'), **data, **PRESENT, **(over if arm == 'candidate' else {})}
    tag = '-'.join(f'{k}={v}' for k, v in over.items()) if arm == 'candidate' else 'current'
    m = train(smoke_config(Config(**kw, fold=fold, seed=seed, out_dir=str(OUT/f'{bench}-{tag}-f{fold}-s{seed}'))), progress=False, log=lambda *a: None)
    r = dict(f1=m['test']['mean_f1'], auc=m['test']['mean_auc'])
r.update(bench=bench, arm=arm, over=over if arm == 'candidate' else {}, fold=fold, seed=seed, wall_s=round(time.time() - t0),
         cpu=torch.backends.cpu.get_cpu_capability(), threads=torch.get_num_threads())
print(json.dumps(r)); open(OUT/'results.jsonl', 'a').write(json.dumps(r) + '\n')
