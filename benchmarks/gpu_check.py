"""The GPU check of the training issue, for a machine with CUDA (CI never runs it; the CPU suite is `au-bench`).

    python benchmarks/gpu_check.py --out DIR [--steps 300] [--pipeline-steps 150]

1. Model throughput: training steps of the full method and of the baseline on random batches already on the GPU
   (bf16 autocast, the training default on CUDA): step time, images per second, peak GPU memory. ResNet-50 and
   ResNet-18 at 224x224, 16 sampler units (64 frames) per batch; the full ResNet-50 model runs `--steps` steps.
2. Data pipeline: `train()` itself on a SynthFACS set rendered at 224x224 (ResNet-50, full method, DataLoader workers
   and pinned memory), to see whether loading keeps the GPU busy: its images per second against (1)'s.

Writes DIR/gpu_check.json; `python benchmarks/gpu_check.py --markdown reports/gpu_check.json` turns it into a table.
"""
import argparse, json, os, sys, tempfile, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from au_compendium.bench import machine_info
from au_compendium.core import Config, ablation_overrides
from au_compendium.models import MethodModel
from au_compendium.step import train_step, make_optimizers
from au_compendium.testing import toy_batch

N_AUS = 8

def throughput(backbone: str, image_size: int, units: int, config: str, steps: int, dtype=torch.bfloat16) -> dict:
    "Steps per second of one configuration on a fixed random batch on the GPU."
    cfg = Config(backbone=backbone, image_size=image_size, batch_frames=4 * units)
    if config == 'baseline': cfg = cfg.replace(**ablation_overrides('baseline'))
    torch.manual_seed(0)
    batch = {k: v.cuda() if torch.is_tensor(v) else v for k, v in toy_batch(cfg, N_AUS, units=units).items()}
    model = MethodModel(cfg, N_AUS, torch.eye(N_AUS) if cfg.use_gcn else None,
                        videos=sorted(set(batch['video'])) if cfg.person_norm else None).cuda()
    opt_main, opt_disc = make_optimizers(model, cfg)
    for _ in range(10): train_step(model, batch, cfg, opt_main, opt_disc, autocast_dtype=dtype)   # warm-up (cuDNN autotune, allocator)
    torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    for _ in range(steps): losses = train_step(model, batch, cfg, opt_main, opt_disc, autocast_dtype=dtype)
    torch.cuda.synchronize(); dt = (time.perf_counter() - t) / steps
    out = dict(backbone=backbone, image_size=image_size, config=config, frames_per_step=4 * units, steps=steps,
               dtype=str(dtype).removeprefix('torch.') if dtype else 'float32', step_ms=round(1000 * dt, 2),
               images_per_s=round(4 * units / dt, 1), peak_memory_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2),
               final_loss=round(losses['total'], 4))
    del model, opt_main, opt_disc; torch.cuda.empty_cache()
    print(out, flush=True)
    return out

def pipeline(steps: int, workers: int) -> dict:
    "train() on SynthFACS at 224 px: the same loop users run, with its DataLoader."
    from au_compendium.synthfacs import generate_synthfacs
    from au_compendium.train import train
    d = Path(tempfile.mkdtemp())
    t = time.time()
    generate_synthfacs(d/'sf224', workers=min(16, os.cpu_count()), n_subjects=9, videos_per_subject=2, frames_per_video=120, image_size=224)
    gen_s = time.time() - t
    cfg = Config(dataset='synthfacs', data_root=str(d/'sf224'), backbone='resnet50', image_size=224, batch_frames=64,
                 epochs=1, steps_per_epoch=steps, num_workers=workers, out_dir=str(d/'run'))
    m = train(cfg, progress=False)
    rec = [json.loads(l) for l in (d/'run'/'log.jsonl').read_text().splitlines()][0]
    out = dict(frames_generated=9 * 2 * 120, generate_s=round(gen_s, 1), steps=steps, num_workers=workers,
               train_s=rec['train_s'], images_per_s=round(steps * 64 / rec['train_s'], 1), wall_s=m['wall_time_s'],
               peak_memory_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2))
    print(out, flush=True)
    return out

def to_markdown(res: dict) -> str:
    "The committed table of a gpu_check.json."
    m = res['machine']
    lines = ['# GPU check', '', f"{m.get('gpu')}, {m.get('cpus')} CPU cores, torch {m['packages'].get('torch')}, Python {m.get('python')}, "
             f"{m.get('date')}, commit {res.get('commit')}. Written by `benchmarks/gpu_check.py`.", '',
             '## Training steps on a fixed random batch already on the GPU (model throughput)', '',
             '| backbone | input | configuration | precision | frames/step | steps | ms/step | images/s | peak GPU memory (GiB) |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for t in res['throughput']:
        lines.append(f"| {t['backbone']} | {t['image_size']} | {t['config']} | {t['dtype']} | {t['frames_per_step']} | {t['steps']} | "
                     f"{t['step_ms']} | {t['images_per_s']} | {t['peak_memory_gib']} |")
    p = res.get('pipeline') or {}
    if 'images_per_s' in p:
        ref = next(t for t in res['throughput'] if (t['backbone'], t['config'], t['dtype']) == ('resnet50', 'full', 'bfloat16'))
        lines += ['', '## The training loop with its data pipeline', '',
                  f"`train()` on SynthFACS rendered at 224x224 ({p['frames_generated']} frames generated in {p['generate_s']} s), ResNet-50, "
                  f"full method, bf16, {p['num_workers']} DataLoader workers, pinned memory: {p['steps']} steps in {p['train_s']} s = "
                  f"**{p['images_per_s']} images/s**, {p['images_per_s'] / ref['images_per_s']:.2f}x the model-only rate above "
                  f"(the first steps include cuDNN autotuning); peak GPU memory {p['peak_memory_gib']} GiB; whole run with evaluation {p['wall_s']} s."]
    elif p: lines += ['', f"Pipeline check failed: {p.get('error')}"]
    return '\n'.join(lines) + '\n'

if __name__ == '__main__':
    if sys.argv[1:2] == ['--markdown']:
        src = Path(sys.argv[2]); src.with_suffix('.md').write_text(to_markdown(json.loads(src.read_text()))); sys.exit()
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True); ap.add_argument('--steps', type=int, default=300)
    ap.add_argument('--pipeline-steps', type=int, default=150); ap.add_argument('--commit', default=None)
    a = ap.parse_args()
    if not torch.cuda.is_available(): sys.exit('gpu_check: CUDA is not available on this machine')
    torch.backends.cudnn.benchmark = True
    res = dict(machine=machine_info(), commit=a.commit, throughput=[], pipeline=None)
    for bb, cfgname, steps, dtype in [('resnet50', 'full', a.steps, torch.bfloat16), ('resnet50', 'baseline', 100, torch.bfloat16),
                                      ('resnet50', 'full', 50, None), ('resnet18', 'full', 100, torch.bfloat16),
                                      ('resnet18', 'baseline', 100, torch.bfloat16)]:
        res['throughput'].append(throughput(bb, 224, 16, cfgname, steps, dtype))
        Path(a.out).mkdir(parents=True, exist_ok=True)
        Path(a.out, 'gpu_check.json').write_text(json.dumps(res, indent=2) + '\n')
    try: res['pipeline'] = pipeline(a.pipeline_steps, workers=min(12, os.cpu_count() - 2))
    except Exception as e: res['pipeline'] = dict(error=f'{type(e).__name__}: {e}')
    Path(a.out, 'gpu_check.json').write_text(json.dumps(res, indent=2) + '\n')
