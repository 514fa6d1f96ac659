"""The main job's cost as a ratio any machine can check: the default run's training, timed as it runs (its data loader,
its steps, its schedule), against one pass of the 40-line plain reference (shared/reference/plain_cnn.py's network,
loss and optimiser, 64-frame batches) over the same fold-1 training frames, timed side by side in one process.

The default run is `epochs x steps_per_epoch` steps; `STEPS` of them are timed and the rest extrapolated (a run's steps
cost the same: one batch composition, one network). `main_job_passes` is how many plain-reference passes the main job's
training costs: multiply a machine's reference pass by it to know its main job, without training for minutes. The CPU's
instruction set (`torch.backends.cpu.get_cpu_capability()`) is recorded with every figure by `machine_info`."""
import time
import numpy as np, torch, torch.nn as nn
from au_compendium.core import Config, ablation_overrides
from au_compendium.train import setup_run, train_one_epoch
from au_compendium.data import FrameDataset
from au_compendium.models import PlainCNN

STEPS = 24   # timed steps of each run (after 2 untimed)

def _reference_pass(ds: FrameDataset) -> float:
    "Seconds of one pass of the plain reference's training over `ds`'s frames (already decoded), 64 frames a batch."
    torch.manual_seed(0)
    net = nn.Sequential(PlainCNN(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, len(ds.aus)))   # the reference's network
    x = torch.stack([it['image'] for it in ds.__getitems__(range(len(ds)))]); y = torch.from_numpy(ds.labels)
    opt, lossf = torch.optim.AdamW(net.parameters(), 1e-3), nn.BCEWithLogitsLoss()
    def step(i): opt.zero_grad(); lossf(net(x[i:i + 64]), y[i:i + 64]).backward(); opt.step()
    step(0)
    t = time.perf_counter()
    for i in range(0, len(x), 64): step(i)
    return time.perf_counter() - t

def _run_steps(cfg: Config) -> tuple[float, int]:
    "Seconds per training step of `cfg` as `train_one_epoch` runs it (loader included), and the run's step count."
    run = setup_run(cfg.replace(out_dir=f'/tmp/au-bench-train/{cfg.person_norm}-{cfg.use_swap_gan}', epochs=1, steps_per_epoch=2), log=lambda *a: None)
    train_one_epoch(run, 0, progress=False)                      # warm-up, and the frames decoded into memory
    run.sampler.steps_per_epoch = STEPS
    t = time.perf_counter(); train_one_epoch(run, 1, progress=False)
    return (time.perf_counter() - t) / STEPS, cfg.epochs * cfg.steps_per_epoch

def bench_main_job():
    "The default run and the baseline rung, in plain-reference passes over fold 1's training frames (SynthFACS)."
    default = Config()
    run = setup_run(default.replace(out_dir='/tmp/au-bench-train/ref', epochs=1, steps_per_epoch=1), log=lambda *a: None)
    ref = float(np.median([_reference_pass(run.train_ds) for _ in range(2)]))
    step_d, n = _run_steps(default)
    step_b, _ = _run_steps(Config(**ablation_overrides('baseline')))
    return dict(reference_pass_s=ref, frames_per_pass=len(run.train_ds), default_step_s=step_d, baseline_step_s=step_b,
                steps=n, main_job_training_s=step_d * n, main_job_passes=step_d * n / ref, baseline_passes=step_b * n / ref,
                step_ratio_default_over_baseline=step_d / step_b)
