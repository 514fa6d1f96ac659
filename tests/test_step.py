"""The training step beyond its notebook: each ablation switch turned on alone changes exactly its parts, the
identity-discriminator targets come from the subjects, and bad input or a non-finite loss fails loudly without
touching the weights."""
import math
import pytest
import torch
from au_compendium.core import Config, ablation_overrides
from au_compendium.models import MethodModel
import au_compendium.step as step
from au_compendium.step import train_step, make_optimizers, trained_parts, NonFiniteLossError
from au_compendium.testing import toy_batch, check_step_updates, changed_parameters

SWITCHES = ('use_au_contrastive', 'use_id_contrastive', 'use_swap_gan', 'use_adversaries', 'use_landmarks', 'use_gcn',
            'use_orthogonal', 'use_subject_adversary', 'person_norm')
CFG = Config(image_size=32, gen_downsample=2, embed_dim=16, gcn_hidden=16, heatmap_size=8)
N_AUS = 4

@pytest.fixture(scope='module')
def batch(): return toy_batch(CFG, N_AUS)

def _model(cfg, **kw):
    torch.manual_seed(0)
    if cfg.person_norm: kw.setdefault('videos', sorted(set(toy_batch(cfg, N_AUS)['video'])))   # the default keeps a mean per video
    m = MethodModel(cfg, N_AUS, torch.eye(N_AUS) if cfg.use_gcn else None, **kw)
    return m, *make_optimizers(m, cfg)

@pytest.mark.parametrize('switch', SWITCHES)
def test_each_switch_alone(switch, batch):
    cfg = CFG.replace(**{**ablation_overrides('baseline'), switch: True})
    out = check_step_updates(cfg, batch, N_AUS)
    assert out['total'] > 0

def test_baseline_leaves_every_auxiliary_untouched(batch):
    cfg = CFG.replace(**ablation_overrides('baseline'))
    assert trained_parts(cfg) == {'detection'}
    out = check_step_updates(cfg, batch, N_AUS)
    assert set(out) == {'au', 'total', 'total_disc'} and out['total_disc'] == 0

def test_separate_identity_backbone(batch):
    check_step_updates(CFG, batch, N_AUS, shared_backbone=False)                    # full method: id_backbone trains
    check_step_updates(CFG.replace(**ablation_overrides('baseline')), batch, N_AUS, shared_backbone=False)  # it does not

def test_within_scope_and_zero_weights(batch):
    check_step_updates(CFG.replace(au_contrast_scope='within'), batch, N_AUS)
    check_step_updates(CFG.replace(w_gan=0.0, w_orth=0.0), batch, N_AUS)

def test_identity_discriminator_targets_come_from_subjects(batch, monkeypatch):
    seen = []
    real = step.identity_adversary_disc_loss
    monkeypatch.setattr(step, 'identity_adversary_disc_loss', lambda s, same: seen.append(same.clone()) or real(s, same))
    m, om, od = _model(CFG)
    train_step(m, batch, CFG, om, od)
    # unit 0: cross-identity positive -> (a, neg a), (pos, neg pos) same; (a, pos), (neg a, neg pos) different.
    # unit 1 (toy_batch's last unit): temporal positive -> all four pairs one person.
    assert seen[0].long().tolist() == [1, 1, 0, 0, 1, 1, 1, 1]
    b2 = {**batch, 'subject': torch.arange(8)}   # eight different people: every pair is different
    seen.clear(); train_step(m, b2, CFG, om, od)
    assert seen[0].long().tolist() == [0] * 8

def test_batch_without_landmarks_gives_zero_landmark_losses(batch):
    b = {**batch, 'landmarks': torch.full_like(batch['landmarks'], float('nan'))}
    cfg = CFG.replace(**{**ablation_overrides('baseline'), 'use_landmarks': True, 'use_adversaries': True})
    m, om, od = _model(cfg)
    out = train_step(m, b, cfg, om, od)
    assert out['landmark'] == 0 and out['d_geo'] == 0 and out['geo_adv'] > 0
    # zero loss, zero gradient: the geometry detector's parameters still exist in the graph (same backward on every rank)
    assert all(p.grad is not None and p.grad.abs().sum() == 0 for p in m.landmark_head.parameters())

def test_grad_hook_sees_each_phase(batch):
    calls = []
    def hook(params):
        calls.append(len(params))
        for p in params:
            if p.grad is not None: p.grad.zero_()            # e.g. an all-reduce; here: cancel the update
    m, om, od = _model(CFG.replace(weight_decay=0.0))
    before = {k: p.detach().clone() for k, p in m.named_parameters()}
    train_step(m, batch, CFG.replace(weight_decay=0.0), om, od, grad_hook=hook)
    assert calls == [len(m.discriminator_parameters()), len(m.main_parameters())]
    assert not changed_parameters(before, m)                 # Adam with zero gradients and no decay: no change

def test_non_finite_loss_raises_and_keeps_weights(batch):
    m, om, od = _model(CFG)
    before = {k: p.detach().clone() for k, p in m.named_parameters()}
    bad = {**batch, 'image': batch['image'].clone()}
    bad['image'][0, 0, 0, 0] = float('nan')
    with pytest.raises(NonFiniteLossError, match='non-finite'):
        train_step(m, bad, CFG, om, od)
    assert not changed_parameters(before, m)
    cfg = CFG.replace(**ablation_overrides('baseline'))                     # no discriminator phase: the main check fires
    m, om, od = _model(cfg)
    with pytest.raises(NonFiniteLossError, match='main loss'):
        train_step(m, bad, cfg, om, od)

def test_batch_must_be_whole_units(batch):
    m, om, od = _model(CFG)
    b = {k: v[:6] for k, v in batch.items()}
    with pytest.raises(ValueError, match='4 frames per sampler unit'):
        train_step(m, b, CFG, om, od)

def test_bf16_autocast_and_grad_scaler(batch):
    m, om, od = _model(CFG)
    out = train_step(m, batch, CFG, om, od, autocast_dtype=torch.bfloat16)
    assert all(math.isfinite(v) for v in out.values())
    scaler = torch.amp.GradScaler('cpu')
    out = train_step(m, batch, CFG, om, od, scaler=scaler)
    assert all(math.isfinite(v) for v in out.values())

def test_repeated_steps_reduce_the_detection_loss(batch):
    cfg = CFG.replace(**ablation_overrides('baseline'))
    m, om, od = _model(cfg)
    losses = [train_step(m, batch, cfg, om, od)['au'] for _ in range(15)]
    assert losses[-1] < losses[0], losses


def test_every_main_loss_has_its_weight(batch):
    "With every switch on, the main phase computes exactly the losses core.LOSS_WEIGHTS weighs: a new loss needs its weight there."
    from au_compendium.core import LOSS_WEIGHTS
    cfg = CFG.replace(use_subject_adversary=True)
    out = check_step_updates(cfg, batch, N_AUS)
    assert {k for k in out if k not in ('total', 'total_disc') and not k.startswith('d_')} == set(LOSS_WEIGHTS)
