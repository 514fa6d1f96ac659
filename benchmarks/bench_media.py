"""Benchmarks of au_compendium.media: decoding a 640x360 clip with `VideoReader` (PyAV, since issue #25) against what the reader
did before with OpenCV (a raw-mode packet scan, then `VideoCapture.read`), both in one run, in interleaved rounds."""
import tempfile
from pathlib import Path
import cv2
from au_compendium.bench import compare
from au_compendium.media import VideoReader, write_av
from au_compendium.testing import moving_face_frames

N_FRAMES = 120

def _opencv(path: Path) -> int:
    "Frames read the way VideoReader read them before issue #25: every packet's time in raw mode, then every frame decoded."
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    while cap.grab(): cap.get(cv2.CAP_PROP_POS_MSEC)
    cap.release()
    cap, n = cv2.VideoCapture(str(path)), 0
    while True:
        ok, _ = cap.read()
        if not ok: break
        cap.get(cv2.CAP_PROP_POS_MSEC); n += 1
    cap.release()
    return n

def _pyav(path: Path) -> int: return sum(1 for _ in VideoReader(path))

def bench_decode_640x360():
    "Frames per second decoding 120 frames of a 640x360 face clip, H.264 and MPEG-4 Part 2, PyAV reader against the OpenCV one."
    out = {}
    with tempfile.TemporaryDirectory() as d:
        frames = moving_face_frames(N_FRAMES, width=640, height=360)
        for codec in ('libx264', 'mpeg4'):
            path = write_av(frames, [k / 25 for k in range(N_FRAMES)], Path(d)/f'{codec}.mp4', codec=codec)
            assert _opencv(path) == _pyav(path) == N_FRAMES
            t = compare({'opencv': lambda: _opencv(path), 'pyav': lambda: _pyav(path)}, repeat=5)
            out.update({f'{codec}_opencv_fps': N_FRAMES / t['opencv'], f'{codec}_pyav_fps': N_FRAMES / t['pyav'],
                        f'{codec}_pyav_over_opencv': t['opencv'] / t['pyav']})
    return out
