"""Why does train()'s plain rung (the ladder's baseline) trail the 40-line plain reference (shared/reference/plain_cnn.py)?
Each factor in which the two differ is moved to the reference's choice alone, and all together, on the baseline rung at its
default budget (10 x 250 steps of 32 frames = 80,000 frames; the reference sees 64,800), test AUC / F1 on fold k's unseen
subjects. The variants are applied by patching, so this script measures the code of the commit it names and nothing else.
usage: THREADS=1 python baseline_factors.py VARIANT FOLD SEED   (OUT: folder for run folders and results, default /tmp/bf)
variants: current, no_spatial (colour jitter only, as the reference), plain_backbone (the reference's 4 conv blocks at full
resolution with max-pooling, instead of 'tiny''s stride-2 stages), batch64 (64-frame batches, half the steps), pos_only (BCE
with the positive weight alone, capped at 10 as the reference, no per-AU imbalance weight on top), reference_like (all four).

Pinned. Numbers: README.md section 13 (the variant table), measured at commit 7e14ff8 (the batched data path; the README names
it), with this script as committed there; the README commits that quote them are 9420590 and 58fd3a0. Changed since: the
loss weighting the table's "present baseline" had is pinned (`au_balance=True, pos_weight_cap=20`, the defaults before issue
#27, as `recipe_check.py`'s `current` arm pins them), since `be37b81` made the `pos_only` weighting the default; `pos_only`'s
patch takes the `cap` that `train()` now passes (it failed with a TypeError); `batch64` doubles the configuration's batch and
halves its steps (the same 64 and 125 at full size). The originals are imported from the modules that define them (`data`,
`losses`, `train`); the patches replace the names in `train`'s namespace, where `train()` looks them up. The baseline rung
has `person_norm=False`. Smoke test: DIAG_SMOKE (`_smoke.py`), tests/test_diagnosis.py runs `reference_like`."""
import json, os, sys, time
import torch, torch.nn as nn
import au_compendium.models as models, au_compendium.train as tr
from au_compendium.core import Config, ablation_overrides
from au_compendium.data import FrameDataset
from au_compendium.losses import au_imbalance_weights
from au_compendium.train import positive_weights
from _smoke import smoke_config
torch.set_num_threads(int(os.environ.get('THREADS', 1)))
variant, fold, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
OUT = os.environ.get('OUT', '/tmp/bf')
parts = {'no_spatial', 'plain_backbone', 'batch64', 'pos_only'} if variant == 'reference_like' else {variant} - {'current'}
assert parts <= {'no_spatial', 'plain_backbone', 'batch64', 'pos_only'}, variant

class PlainTrunk(nn.Module):
    "The reference's trunk: conv-BN-ReLU 32, pool, 64, pool, 128, pool, 128: [B, 3, 64, 64] -> [B, 128, 8, 8]."
    def __init__(self):
        super().__init__()
        b = lambda i, o: [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
        self.body = nn.Sequential(*b(3, 32), nn.MaxPool2d(2), *b(32, 64), nn.MaxPool2d(2), *b(64, 128), nn.MaxPool2d(2), *b(128, 128))
        self.out_channels, self.stride = 128, 8
    def forward(self, x): return self.body(x)

if 'plain_backbone' in parts:
    make = models.make_backbone
    models.make_backbone = lambda name, **kw: PlainTrunk() if name == 'tiny' else make(name, **kw)
if 'no_spatial' in parts:
    tr.FrameDataset = lambda *a, **kw: FrameDataset(*a, **({**kw, 'crop_scale': (1.0, 1.0), 'max_shift': 0.0, 'flip_p': 0.0} if kw.get('augment') else kw))
if 'pos_only' in parts:
    tr.au_imbalance_weights = lambda labels, mask, **kw: torch.ones(labels.shape[1])
    tr.positive_weights = lambda labels, mask, cap=None: positive_weights(labels, mask, cap=10.0)
PRESENT = dict(au_balance=True, pos_weight_cap=20.0)   # the baseline's loss weighting at 7e14ff8 (the defaults before #27), pinned so `current` keeps its meaning
cfg = smoke_config(Config(**ablation_overrides('baseline'), **PRESENT, fold=fold, seed=seed, out_dir=f'{OUT}/{variant}-f{fold}-s{seed}'))
if 'batch64' in parts: cfg = cfg.replace(batch_frames=2 * cfg.batch_frames, steps_per_epoch=cfg.steps_per_epoch // 2)   # 64 frames, 125 steps at full size
t0 = time.time()
m = tr.train(cfg, progress=False, log=lambda *a: None)
r = dict(variant=variant, fold=fold, seed=seed, auc=m['test']['mean_auc'], f1=m['test']['mean_f1'], wall_s=round(time.time() - t0),
         cpu=torch.backends.cpu.get_cpu_capability(), threads=torch.get_num_threads())
print(json.dumps(r)); open(f'{OUT}/results.jsonl', 'a').write(json.dumps(r) + '\n')
