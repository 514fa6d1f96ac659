"""Benchmarks of au_compendium.sampler at BP4D's size (about 150,000 frames, 41 subjects, 12 AUs):
building the index, and drawing a batch of 64 units (256 frames) against reading those 256 images."""
import tempfile, time
from pathlib import Path
import cv2
import numpy as np
from au_compendium.bench import compare
from au_compendium.sampler import HardPairSampler, RandomPairSampler
from au_compendium.testing import synthetic_frame_table

UNITS = 64  # units per batch: 4 * 64 = 256 frames

def _table():
    return synthetic_frame_table(n_subjects=41, videos=8, frames=460, seed=0)  # 150,880 frames, BP4D's 12 AUs

def bench_index_build():
    "Seconds to build the hard sampler's index (validation, bit masks, sorted orders) from a BP4D-sized frame table."
    df = _table()
    t = compare({'hard': lambda: HardPairSampler(df, batch_size=UNITS), 'random': lambda: RandomPairSampler(df, batch_size=UNITS)},
                repeat=3, warmup=1)
    return dict(frames=len(df), subjects=int(df.subject.nunique()), aus=12,
                hard_index_build_s=t['hard'], random_index_build_s=t['random'])

def _images(folder: Path, size: int, ext: str, n: int = 4 * UNITS) -> list[str]:
    "n face-sized test images: smooth shading plus texture, so that they compress like photographs."
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    paths = []
    for i in range(n):
        base = 120 + 80 * np.sin(6 * xx + i) * np.cos(4 * yy) + rng.normal(0, 12, (size, size))
        img = np.clip(np.stack([base, base * 0.8, base * 0.7], -1), 0, 255).astype(np.uint8)
        p = folder/f'{i:03d}.{ext}'
        cv2.imwrite(str(p), img, [cv2.IMWRITE_JPEG_QUALITY, 95] if ext == 'jpg' else [])
        paths.append(str(p))
    return paths

def _read_all(paths):
    for p in paths: cv2.cvtColor(cv2.imread(p, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

def bench_draw_vs_image_loading():
    """Milliseconds to draw one batch of 64 units (hard and random samplers, memos warm) side by side with reading its
    256 images as FrameDataset does (cv2.imread + BGR->RGB): 64x64 PNGs (SynthFACS) and 224x224 JPEGs (the patent's crops)."""
    df = _table()
    hard = HardPairSampler(df, batch_size=UNITS, steps_per_epoch=10**6)
    rand = RandomPairSampler(df, batch_size=UNITS, steps_per_epoch=10**6)
    h, r = iter(hard), iter(rand)
    t0 = time.perf_counter()
    for _ in range(20): next(h)
    cold = (time.perf_counter() - t0) / 20                       # the first batches also fill the memos
    for _ in range(300): next(h)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d); (d/'png').mkdir(); (d/'jpg').mkdir()
        png, jpg = _images(d/'png', 64, 'png'), _images(d/'jpg', 224, 'jpg')
        t = compare({'hard': lambda: next(h), 'random': lambda: next(r),
                     'png64': lambda: _read_all(png), 'jpg224': lambda: _read_all(jpg)}, repeat=7, warmup=2)
    s = hard.stats
    return dict(hard_draw_ms=t['hard'] * 1e3, hard_draw_cold_ms=cold * 1e3, random_draw_ms=t['random'] * 1e3,
                read_256_png64_ms=t['png64'] * 1e3, read_256_jpg224_ms=t['jpg224'] * 1e3,
                ratio_hard_draw_over_png64_read=t['hard'] / t['png64'], ratio_hard_draw_over_jpg224_read=t['hard'] / t['jpg224'],
                share_pos_hard=s['pos_hard'] / s['units'], share_neg_hard=s['neg_hard'] / (2 * s['units']))
