"""Learning curves by subject set: train a configuration with the library's own pieces (dataset, sampler, model, train_step, cosine
schedule) and every EVERY steps report (mean AUC, mean F1 at 0.5, share of predicted positives) on the unseen test subjects (every
3rd frame), on the training subjects (every 6th frame) and on the validation subjects. Writes NAME.json.
usage: python learning_curves.py NAME STEPS EVERY [Config field=JSON value ...] [x_noaug=1] [x_no_auw=1] [x_const_lr=1]

Pinned. Numbers: README.md sections 1 (the first row, "205a286 + learning_curves.py"), 2 and 6, measured with this script as
committed in 08b6521 (the README commit that quotes them). Changed since, so they predate it: names are imported from the
modules that define them (`runs`, `train`), not through `train`'s re-exports; a `person_norm` configuration (today's default,
on which the script failed) gets its training videos as `train()` gives them; the AU loss weights follow the configuration as
`train()`'s do (`au_balance`, `pos_weight_cap`; at 08b6521 the AU weights were always on and the cap 20). To rerun the quoted
commands as they ran, add the values runs stored before those fields existed, `core.STORED_DEFAULTS`: `person_norm=false
au_balance=true pos_weight_cap=20 gcn_residual=false` (the rest of the recipe has changed too). Smoke test: DIAG_SMOKE
(`_smoke.py`) with small STEPS and EVERY, tests/test_diagnosis.py."""
import json, sys, time, math
import numpy as np, torch
from au_compendium.core import Config
from au_compendium.runs import load_run_data, predict_frames, eval_loader
from au_compendium.train import positive_weights
from au_compendium.data import FrameDataset
from au_compendium.models import MethodModel, au_adjacency
from au_compendium.losses import au_imbalance_weights
from au_compendium.step import train_step, make_optimizers
from au_compendium.sampler import sampler_from_config
from au_compendium.metrics import au_metrics
from torch.utils.data import DataLoader, Subset
from _smoke import smoke_config

torch.set_num_threads(int(__import__('os').environ.get('THREADS', 2)))
name, steps, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kw = {}
for s in sys.argv[4:]:
    k, _, v = s.partition('=')
    try: kw[k] = json.loads(v)
    except json.JSONDecodeError: kw[k] = v
extra = {k: kw.pop(k) for k in list(kw) if k.startswith('x_')}
cfg = smoke_config(Config.from_dict(dict(steps_per_epoch=steps, epochs=1, **kw)))
torch.manual_seed(cfg.seed); np.random.seed(cfg.seed)
data = load_run_data(cfg)
train_ds = FrameDataset(data.df, data.train, data.aus, image_size=cfg.image_size, augment=not extra.get('x_noaug'))
labels = torch.tensor(train_ds.labels); mask = torch.tensor(train_ds.mask)
aw = au_imbalance_weights(labels, mask, min_rate=1 / len(labels)) if cfg.au_balance and not extra.get('x_no_auw') else None
model = MethodModel(cfg, len(data.aus), au_adjacency(train_ds.df, data.aus), au_weights=aw,
                    pos_weight=positive_weights(labels, mask, cap=cfg.pos_weight_cap) if cfg.pos_weight else None, n_subjects=len(data.train),
                    videos=sorted(train_ds.df.video.unique()) if cfg.person_norm else None)   # as train() builds it
opt_main, opt_disc = make_optimizers(model, cfg)
sampler = sampler_from_config(train_ds.df, cfg, aus=data.aus)
loader = DataLoader(train_ds, batch_sampler=sampler, num_workers=0)
sched = torch.optim.lr_scheduler.LambdaLR(opt_main, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)) if not extra.get('x_const_lr') else 1.0)
dev = torch.device('cpu')
test_ds = FrameDataset(data.df, data.test, data.aus, image_size=cfg.image_size)
seen_ds = FrameDataset(data.df, data.train, data.aus, image_size=cfg.image_size)
val_ds = FrameDataset(data.df, data.val, data.aus, image_size=cfg.image_size) if data.val else []
te = Subset(test_ds, list(range(0, len(test_ds), 3))); se = Subset(seen_ds, list(range(0, len(seen_ds), 6)))
def ev(ds):
    p = predict_frames(model, eval_loader(ds, cfg, dev), dev)
    m = au_metrics(p['labels'], p['probs'], data.aus)
    return round(m['mean_auc'], 3), round(m['mean_f1'], 3), float(np.mean(p['probs'] > 0.5))
t0 = time.time(); ttrain = 0; rows = []; it = iter(loader); s = 0
while s < steps:
    t1 = time.time()
    try: batch = next(it)
    except StopIteration: it = iter(loader); continue
    losses = train_step(model, batch, cfg, opt_main, opt_disc); sched.step(); s += 1
    ttrain += time.time() - t1
    if s % every == 0 or s == steps:
        r = dict(step=s, train_s=round(ttrain, 1), loss_au=round(losses["au"], 4), unseen=ev(te), seen=ev(se), val=ev(val_ds) if len(val_ds) else None)
        rows.append(r); print(name, json.dumps(r), flush=True)
json.dump(dict(name=name, cfg=kw, extra=extra, rows=rows), open(f'{name}.json', 'w'))
