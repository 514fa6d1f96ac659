"Benchmarks of au_compendium.synthfacs and au_compendium.data: SynthFACS generation speed, and frame-loading speed of the dataset."
import shutil, tempfile, time
from pathlib import Path
import numpy as np
from au_compendium.bench import compare
from au_compendium.data import FrameDataset, load_manifest
from au_compendium.synthfacs import DEFAULTS, generate_synthfacs, render_frames, sample_identity, video_script

def bench_generation():
    "Frames per second of `generate_synthfacs` (render + PNG + manifest) at 64 and 128 px, and of rendering alone at 64 px."
    tmp = Path(tempfile.mkdtemp())
    n = dict(n_subjects=3, videos_per_subject=1, frames_per_video=100)
    idn = sample_identity(0, 0); script = video_script(idn, 0, 300)
    try:
        t = compare({'gen64': lambda: generate_synthfacs(tmp/'a', image_size=64, **n),
                     'gen128': lambda: generate_synthfacs(tmp/'b', image_size=128, **n),
                     'render64': lambda: render_frames(idn, script, 64, noise_seed=0)}, repeat=3, warmup=1)
    finally: shutil.rmtree(tmp)
    frames = n['n_subjects'] * n['frames_per_video']
    fps64 = frames / t['gen64']
    default_frames = DEFAULTS['n_subjects'] * DEFAULTS['videos_per_subject'] * DEFAULTS['frames_per_video']
    return dict(generate_64px_frames_per_s=fps64, generate_128px_frames_per_s=frames / t['gen128'],
                render_only_64px_frames_per_s=300 / t['render64'], default_set_frames=default_frames,
                default_set_estimated_s=default_frames / fps64)

def bench_dataset_loading():
    "Items per second of `FrameDataset` (lazy PNG read, resize, tensors), plain and with augmentation, at 64 px."
    tmp = Path(tempfile.mkdtemp())
    try:
        df = load_manifest(generate_synthfacs(tmp/'d', n_subjects=3, videos_per_subject=1, frames_per_video=100))
        plain, aug = FrameDataset(df, image_size=64), FrameDataset(df, image_size=64, augment=True)
        idx = np.arange(len(df))
        t = compare({'plain': lambda: [plain[i] for i in idx], 'augment': lambda: [aug[i] for i in idx]}, repeat=3, warmup=1)
    finally: shutil.rmtree(tmp)
    return dict(plain_items_per_s=len(idx) / t['plain'], augmented_items_per_s=len(idx) / t['augment'],
                ratio_augment_over_plain_time=t['augment'] / t['plain'])
