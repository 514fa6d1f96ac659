"""Benchmarks of au_compendium.models and .step: what the method costs over the baseline.

- parameters and training-step time of the full method (the default configuration: the patent's method with person
  normalisation) against the baseline (backbone + per-AU classifier only), same
  backbone, batch and input size, timed side by side;
- the detection path's inference time against its bare backbone's (the overhead of E_A, F_au and the GCN).
"""
import torch
from au_compendium.bench import compare
from au_compendium.core import Config, ablation_overrides
from au_compendium.models import MethodModel
from au_compendium.step import train_step, make_optimizers
from au_compendium.testing import toy_batch

N_AUS = 8   # the DISFA / SynthFACS protocol's AU count

def _n(params) -> int: return sum(p.numel() for p in params)

def _cost(backbone: str, image_size: int, units: int, repeat: int) -> dict:
    full_cfg = Config(backbone=backbone, image_size=image_size, batch_frames=4 * units)
    base_cfg = full_cfg.replace(**ablation_overrides('baseline'))
    batch = toy_batch(full_cfg, N_AUS, units=units)
    models = {}
    for name, cfg in (('baseline', base_cfg), ('full', full_cfg)):
        torch.manual_seed(0)
        m = MethodModel(cfg, N_AUS, torch.eye(N_AUS) if cfg.use_gcn else None,
                        videos=sorted(set(batch['video'])) if cfg.person_norm else None)   # the default keeps a mean per video
        models[name] = (m, cfg, *make_optimizers(m, cfg))
    step_t = compare({k: (lambda v=v: train_step(v[0], batch, v[1], v[2], v[3])) for k, v in models.items()},
                     repeat=repeat, warmup=1)
    full, base = models['full'][0], models['baseline'][0]
    det, bb = full.detection.eval(), full.detection.backbone.eval()
    x = batch['image']
    @torch.no_grad()
    def fwd_det(): det(x, batch['video']) if det.person_norm else det(x)
    @torch.no_grad()
    def fwd_bb(): bb(x)
    with torch.no_grad(): feat = bb(x)
    @torch.no_grad()
    def fwd_heads(): det.head(*det.encode_features(feat))
    fwd_t = compare({'detection': fwd_det, 'backbone': fwd_bb, 'heads': fwd_heads}, repeat=4 * repeat, number=2, warmup=1)
    return dict(frames=x.shape[0], image_size=image_size,
                params_baseline=_n(base.detection.parameters()),          # what the baseline trains and ships
                params_full_detection=_n(det.parameters()),               # what the full method ships
                params_full_trained=_n(full.parameters()),                # everything the full method trains
                params_ratio_trained=_n(full.parameters()) / _n(base.detection.parameters()),
                params_ratio_shipped=_n(det.parameters()) / _n(base.detection.parameters()),
                step_s_baseline=step_t['baseline'], step_s_full=step_t['full'],
                step_ratio_full_over_baseline=step_t['full'] / step_t['baseline'],
                forward_s_backbone=fwd_t['backbone'], forward_s_detection=fwd_t['detection'],
                forward_s_heads=fwd_t['heads'],                            # E_A + F_au + GCN + classifier on given features
                forward_overhead_ratio=fwd_t['detection'] / fwd_t['backbone'],
                heads_share_of_backbone=fwd_t['heads'] / fwd_t['backbone'])

def bench_tiny_64():
    "The SynthFACS setting: 'tiny' backbone at 64x64, 8 sampler units (32 frames)."
    return _cost('tiny', 64, units=8, repeat=5)

def bench_resnet18_224():
    "The real-data setting: ResNet-18 at 224x224, a small batch of 2 units (8 frames) to fit a CPU."
    return _cost('resnet18', 224, units=2, repeat=3)
