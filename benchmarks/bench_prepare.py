"""Benchmarks of au_compendium.align and au_compendium.prepare: face detection, landmarks and the crop warp on a real
photograph, and preparation throughput (frames per second) on DISFA- and BP4D-sized copies in the raw layouts."""
import tempfile, time
from pathlib import Path
import cv2
import numpy as np
from skimage import data as skdata
from au_compendium.align import detector_kinds, time_alignment
from au_compendium.bp4d import prepare_bp4d
from au_compendium.disfa import prepare_disfa
from au_compendium.testing import write_bp4d_fixture, write_disfa_fixture


def bench_alignment():
    "Median ms: detection on the 512x512 astronaut photograph and a 640x360 frame, 68 landmarks, 256 warps; per detector."
    out = {}
    for kind in detector_kinds():
        for k, v in time_alignment(skdata.astronaut(), kind, repeat=7).items():
            out[f"{kind}_{k}"] = v
    return out


def bench_prepare_disfa():
    "prepare_disfa on 2 subjects x 40 frames of 1024x768 MJPG video (DISFA's frame size): decode, .mat, align, JPEG write."
    n, subjects = 40, ('SN001', 'SN002')
    with tempfile.TemporaryDirectory() as d:
        write_disfa_fixture(Path(d) / 'raw', subjects, n, size=(1024, 768))
        t = time.perf_counter()
        s = prepare_disfa(Path(d) / 'raw', Path(d) / 'out', subjects=list(subjects), progress=False)
        dt = time.perf_counter() - t
    return dict(frames=s['frames'], seconds=round(dt, 3), frames_per_s=round(s['frames'] / dt, 1),
                hours_for_disfa_130815_frames=round(130815 / (s['frames'] / dt) / 3600, 2))


def bench_prepare_bp4d():
    "prepare_bp4d on 24 frames of 1040x1392 JPEG (BP4D's frame size) with the default detector: decode, detect, landmarks, align."
    face = np.full((1392, 1040, 3), 90, np.uint8)
    face[176:1216] = cv2.resize(skdata.astronaut()[..., ::-1], (1040, 1040))
    frames = {'F001': {'T1': list(range(1, 13))}, 'M007': {'T2': list(range(1, 13))}}
    with tempfile.TemporaryDirectory() as d:
        write_bp4d_fixture(Path(d) / 'raw', frames, face=face, uncoded=())
        t = time.perf_counter()
        s = prepare_bp4d(Path(d) / 'raw', Path(d) / 'out', subjects=['F001', 'M007'], progress=False)
        dt = time.perf_counter() - t
    return dict(detector=s['settings']['detector'], frames=s['frames'], seconds=round(dt, 3), frames_per_s=round(s['frames'] / dt, 2),
                hours_for_bp4d_146847_frames=round(146847 / (s['frames'] / dt) / 3600, 2))
