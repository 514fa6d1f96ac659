"""Gradient norm of each weighted loss on the shared backbone, on real hard-sampler batches, at init and after N steps of training.
usage: python gradient_norms.py [N]   (default 300; prints one line per phase)

Pinned. Numbers: README.md section 5 (`gradient_norms.py 300`), measured with this script as committed in 08b6521 (the README
commit that quotes them). Changed since, so they predate it: names are imported from the modules that define them (`runs`,
`train`); the model is the full method + subject adversary *without* person normalisation (`person_norm=False`, the model
section 5 measured, before the field existed; today's default `person_norm=True` made the script fail, as the model then
needs its training videos); the AU count is the data's, not a literal 8. The loss weighting stays the one section 5 measured
(AU imbalance weights on, positive weight capped at 20), whatever today's defaults. Smoke test: DIAG_SMOKE (`_smoke.py`) and
a small N, tests/test_diagnosis.py."""
import sys, torch, numpy as np, math
from au_compendium.core import Config
from au_compendium.runs import load_run_data
from au_compendium.train import positive_weights
from au_compendium.data import FrameDataset
from au_compendium.models import MethodModel, au_adjacency
from au_compendium.losses import au_imbalance_weights
from au_compendium.step import train_step, make_optimizers
import au_compendium.step as st
from au_compendium.sampler import sampler_from_config
from torch.utils.data import DataLoader
from _smoke import smoke, smoke_config
torch.set_num_threads(1); torch.manual_seed(0)
cfg = smoke_config(Config(val_fraction=0, use_subject_adversary=True, person_norm=False))
data = load_run_data(cfg)
ds = FrameDataset(data.df, data.train, data.aus, image_size=cfg.image_size, augment=True)
lab, msk = torch.tensor(ds.labels), torch.tensor(ds.mask)
model = MethodModel(cfg, len(data.aus), au_adjacency(ds.df, data.aus), au_weights=au_imbalance_weights(lab, msk, min_rate=1e-3),
                    pos_weight=positive_weights(lab, msk), n_subjects=len(data.train))
om, od = make_optimizers(model, cfg)
loader = DataLoader(ds, batch_sampler=sampler_from_config(ds.df, cfg.replace(steps_per_epoch=10**6), aus=data.aus))
it = iter(loader)
bb = [p for p in model.detection.backbone.parameters()]
def norms(batch):
    # capture the weighted main losses by running the step's forward with a hook on backward: recompute per loss
    captured = {}
    real_check = st._check_finite
    def grab(losses, phase):
        if phase == 'main': captured.update(losses)
        return real_check(losses, phase)
    st._check_finite = grab
    sd = {k: v.clone() for k, v in model.state_dict().items()}; osd, dsd = om.state_dict(), od.state_dict()
    import copy; osd, dsd = copy.deepcopy(osd), copy.deepcopy(dsd)
    orig_backward = torch.Tensor.backward
    out = {}
    def fake_backward(self, *a, **k):
        if captured and not out:
            for name, v in captured.items():
                g = torch.autograd.grad(getattr(cfg, f'w_{name}') * v, bb, retain_graph=True, allow_unused=True)
                out[name] = float(torch.sqrt(sum((x ** 2).sum() for x in g if x is not None)))
        return orig_backward(self, *a, **k)
    torch.Tensor.backward = fake_backward
    try: train_step(model, batch, cfg, om, od)
    finally: torch.Tensor.backward = orig_backward; st._check_finite = real_check
    model.load_state_dict(sd); om.load_state_dict(osd); od.load_state_dict(dsd)
    return out
for phase_steps in (0, int(sys.argv[1]) if len(sys.argv) > 1 else 300):
    for _ in range(phase_steps): train_step(model, next(it), cfg, om, od)
    rows = [norms(next(it)) for _ in range(smoke(5, 2))]
    print(f'after {phase_steps} steps:', {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]})
