"""Factor isolation: plain supervised training with swappable model / loss / augmentation / batch.
usage: python factors.py NAME FRAMES EVERY_FRAMES opt=val ...
opts: model=plain|tiny_gap|det|det_nogcn  loss=pos|both|none  aug=none|lib|chan|lib+chan  bs=64  lr=1e-3 wd=1e-2 seed=0 sched=const|cos
Writes NAME.json in the working directory.

Pinned. Numbers: README.md sections 1 (`m_det`), 3 and 4 (`m_det_nogcn`, `f_aug_lib`, `g_aug_chan`, `g_aug_lib_chan`,
`f_loss_both`, `m_plain`, `m_tiny_gap`), measured with this script as committed in 08b6521 (the README commit that quotes
them). Changed since: names are imported from the modules that define them (`runs`, `train`), not through `train`'s
re-exports; the image size is the configuration's (64 by default, the literal it replaces). It trains its own networks, so
`person_norm` does not reach it. Smoke test: DIAG_SMOKE (`_smoke.py`) with small FRAMES, EVERY and bs, tests/test_diagnosis.py.
"""
import json, sys, time, math, os
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from au_compendium.core import Config
from au_compendium.runs import load_run_data
from au_compendium.train import positive_weights
from au_compendium.data import FrameDataset
from au_compendium.models import DetectionPath, au_adjacency, TinyCNN
from au_compendium.losses import au_imbalance_weights, au_bce_loss
from au_compendium.metrics import au_metrics
from _smoke import smoke_config

torch.set_num_threads(int(os.environ.get('THREADS', 1)))
name, frames, every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
o = dict(model='plain', loss='pos', aug='none', bs=64, lr=1e-3, wd=1e-2, seed=0, sched='const', fold=1)
for s in sys.argv[4:]:
    k, _, v = s.partition('='); o[k] = type(o[k])(v) if k in o and not isinstance(o[k], str) else v
torch.manual_seed(o['seed']); np.random.seed(o['seed'])
cfg = smoke_config(Config(fold=int(o['fold']), seed=int(o['seed'])))
data = load_run_data(cfg)
def load(subjects, augment):
    ds = FrameDataset(data.df, subjects, data.aus, image_size=cfg.image_size, augment=augment)
    return ds
tr = load(data.train + data.val, 'lib' in o['aug'])   # the plain reference trains on all 18 training subjects
te = load(data.test, False)
def stack(ds, idx): 
    items = [ds[i] for i in idx]
    return torch.stack([b['image'] for b in items]), torch.stack([b['labels'] for b in items]), torch.stack([b['mask'] for b in items])
Xte, Yte, Mte = stack(te, range(0, len(te), 2))
if 'lib' not in o['aug']: Xtr, Ytr, Mtr = stack(tr, range(len(tr)))
labels = torch.tensor(tr.labels); mask = torch.tensor(tr.mask)
C = len(data.aus)
def block(i, oo): return [nn.Conv2d(i, oo, 3, padding=1), nn.BatchNorm2d(oo), nn.ReLU()]
if o['model'] == 'plain':
    net = nn.Sequential(*block(3, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2), *block(64, 128), nn.MaxPool2d(2),
                        *block(128, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, C))
elif o['model'] == 'tiny_gap':
    net = nn.Sequential(TinyCNN(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, C))
elif o['model'].startswith('det'):
    net = DetectionPath(backbone='tiny', image_size=cfg.image_size, n_aus=C, embed_dim=64, gcn_hidden=64, use_gcn=o['model'] == 'det',
                        adjacency=au_adjacency(tr.df, data.aus))
pw = positive_weights(labels, mask, cap=10) if o['loss'] in ('pos', 'both') else None
aw = au_imbalance_weights(labels, mask, min_rate=1e-3) if o['loss'] == 'both' else None
total_steps = frames // o['bs']
opt = torch.optim.AdamW(net.parameters(), o['lr'], weight_decay=o['wd'])
sched = torch.optim.lr_scheduler.LambdaLR(opt, (lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total_steps) / total_steps))) if o['sched'] == 'cos' else (lambda s: 1.0))
def ev():
    net.eval()
    with torch.no_grad(): p = torch.cat([torch.sigmoid(net(Xte[i:i + 256])) for i in range(0, len(Xte), 256)])
    net.train()
    y = torch.where(Mte > 0, Yte, torch.full_like(Yte, float('nan')))
    m = au_metrics(y.numpy(), p.numpy(), data.aus)
    return round(m['mean_auc'], 3), round(m['mean_f1'], 3)
g = torch.Generator().manual_seed(o['seed'])
seen, t0, nxt, rows = 0, time.time(), every, []
N = len(tr)
while seen < frames:
    perm = torch.randperm(N, generator=g)
    for i in range(0, N - o['bs'] + 1, o['bs']):
        idx = perm[i:i + o['bs']]
        if 'lib' in o['aug']: x, y, m = stack(tr, idx.tolist())
        else: x, y, m = Xtr[idx], Ytr[idx], Mtr[idx]
        if 'chan' in o['aug']:
            x01 = (x + 1) / 2
            x01 = x01 * (0.6 + 0.8 * torch.rand(len(x), 3, 1, 1)) + 0.2 * (torch.rand(len(x), 3, 1, 1) - 0.5)
            x = x01 * 2 - 1
        opt.zero_grad(); loss = au_bce_loss(net(x), y, m, au_weights=aw, pos_weight=pw); loss.backward(); opt.step(); sched.step()
        seen += len(idx)
        if seen >= nxt:
            r = dict(frames=seen, s=round(time.time() - t0), unseen=ev()); rows.append(r); print(name, json.dumps(r), flush=True); nxt += every
        if seen >= frames: break
json.dump(dict(name=name, opts=o, rows=rows), open(f'{name}.json', 'w'))
