"""Per-component cost of train_step: seconds per step (median of N after warm-up), each switch added alone to the baseline.
usage: THREADS=2 python step_cost.py [key=JSON value ...] (Config overrides applied to every row); rows are timed interleaved"""
import sys, time, json, os
import numpy as np, torch
from au_compendium.core import Config, ablation_overrides
from au_compendium.models import MethodModel
from au_compendium.step import train_step, make_optimizers
from au_compendium.testing import toy_batch
torch.set_num_threads(int(os.environ.get('THREADS', 2)))
over = {}
for s in sys.argv[1:]:
    k, _, v = s.partition('='); over[k] = json.loads(v)
base = ablation_overrides('baseline')
rows = [('baseline', {}), ('au_con', dict(use_au_contrastive=True)), ('id_con', dict(use_id_contrastive=True)),
        ('swap_gan', dict(use_swap_gan=True)), ('adversaries', dict(use_adversaries=True)), ('landmarks', dict(use_landmarks=True)),
        ('gcn', dict(use_gcn=True)), ('orth', dict(use_orthogonal=True)), ('full', ablation_overrides('+orthogonality (full)'))]
res, setups = {n: [] for n, _ in rows}, {}
for name, o in rows:
    cfg = Config(**{**base, **o, **over})
    torch.manual_seed(0)
    model = MethodModel(cfg, 8, torch.eye(8))
    om, od = make_optimizers(model, cfg)
    setups[name] = (model, cfg, om, od, toy_batch(cfg, 8, units=cfg.batch_frames // 4))
    for _ in range(2): train_step(model, setups[name][4], cfg, om, od)
for r in range(int(os.environ.get('ROUNDS', 6))):
    for name, (model, cfg, om, od, b) in setups.items():
        t = time.perf_counter(); train_step(model, b, cfg, om, od); res[name].append(time.perf_counter() - t)
res = {k: float(np.median(v)) for k, v in res.items()}
for k, v in res.items(): print(f"{k:12s} {v*1000:7.1f} ms  {v/res['baseline']:.2f}x")
