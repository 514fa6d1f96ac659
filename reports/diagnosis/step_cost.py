"""Per-component cost of train_step: seconds per step (median of N after warm-up), each switch added alone to the baseline.
usage: THREADS=2 python step_cost.py [key=JSON value ...] (Config overrides applied to every row); rows are timed interleaved
(ROUNDS, default 6, timed steps per row)

Pinned. Numbers: README.md section 1 (swap GAN 6.2x; with `gen_downsample=2` 3.1x, full 3.85x), measured with this script as
committed in 08b6521 (the README commit that quotes them), and section 9 (baseline 54 ms, swap GAN 171 ms, full 198 ms, 3.63x),
quoted by 4a3348b and measured with the script as changed in 0977360 (`batch_frames` counts frames). Changed since: none of
what it times; every row is built from `ablation_overrides`, whose rungs set `person_norm=False`, so today's default does not
reach it; the AU count is a named constant. Smoke test: DIAG_SMOKE (`_smoke.py`: tiny sizes, one round),
tests/test_diagnosis.py."""
import sys, time, json, os
import numpy as np, torch
from au_compendium.core import Config, ablation_overrides
from au_compendium.models import MethodModel
from au_compendium.step import train_step, make_optimizers
from au_compendium.testing import toy_batch
from _smoke import smoke, smoke_config
torch.set_num_threads(int(os.environ.get('THREADS', 2)))
over = {}
for s in sys.argv[1:]:
    k, _, v = s.partition('='); over[k] = json.loads(v)
base = ablation_overrides('baseline')
rows = [('baseline', {}), ('au_con', dict(use_au_contrastive=True)), ('id_con', dict(use_id_contrastive=True)),
        ('swap_gan', dict(use_swap_gan=True)), ('adversaries', dict(use_adversaries=True)), ('landmarks', dict(use_landmarks=True)),
        ('gcn', dict(use_gcn=True)), ('orth', dict(use_orthogonal=True)), ('full', ablation_overrides('+orthogonality (full)'))]
res, setups = {n: [] for n, _ in rows}, {}
N_AUS = 8   # SynthFACS's AUs
for name, o in rows:
    cfg = smoke_config(Config(**{**base, **o, **over}))
    torch.manual_seed(0)
    model = MethodModel(cfg, N_AUS, torch.eye(N_AUS))
    om, od = make_optimizers(model, cfg)
    setups[name] = (model, cfg, om, od, toy_batch(cfg, N_AUS, units=cfg.batch_frames // 4))
    for _ in range(2): train_step(model, setups[name][4], cfg, om, od)
for r in range(int(os.environ.get('ROUNDS', smoke(6, 1)))):
    for name, (model, cfg, om, od, b) in setups.items():
        t = time.perf_counter(); train_step(model, b, cfg, om, od); res[name].append(time.perf_counter() - t)
res = {k: float(np.median(v)) for k, v in res.items()}
for k, v in res.items(): print(f"{k:12s} {v*1000:7.1f} ms  {v/res['baseline']:.2f}x")
