"""au_compendium.predict beyond its notebook: the command as a real process (exit status, messages), videos (two faces,
no frames, arrays), the ONNX engine against PyTorch, and AU decisions on SynthFACS frames."""
import json, math, os, resource, signal, subprocess, sys
from pathlib import Path
import cv2
import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from skimage import data as skdata
from au_compendium.align import FaceDetector
from au_compendium.core import Config
from au_compendium.models import DetectionPath, save_detection_path
from au_compendium.predict import PROBE_BYTES, WEIGHTS_FILE, InputError, Predictor, predict, predict_cli, write_video
from au_compendium.table import TableError, _umask, read_au_table
from au_compendium.testing import known_model, moving_face_frames, wipe_jpeg_frame

AUS = [1, 2, 4]

@pytest.fixture(scope='module')
def run(tmp_path_factory) -> Path:
    "A run folder holding a known-weights demo detection path."
    d = tmp_path_factory.mktemp('run')
    m, cfg = known_model()
    save_detection_path(d/WEIGHTS_FILE, m, cfg, AUS, thresholds=[0.5, 0.5, 0.6], meta={'demo': True})
    return d

def au_predict(*args, cwd=None, max_file_bytes=None):
    "Run the command in a fresh process, as the console script does; `max_file_bytes`: no file it writes may grow past this (a disk that fills)."
    def limit():   # RLIMIT_FSIZE: a write past the limit fails with EFBIG, as one on a full disk fails with ENOSPC
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN); resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    return subprocess.run([sys.executable, '-c', 'from au_compendium.predict import predict_cli; predict_cli()', *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600, preexec_fn=None if max_file_bytes is None else limit)

def test_command_photo_video_and_a_missing_file(run, tmp_path):
    cv2.imwrite(str(tmp_path/'photo.png'), skdata.astronaut()[..., ::-1])
    video = write_video(moving_face_frames(12), tmp_path/'video.mp4')
    r = au_predict(tmp_path/'photo.png', video, tmp_path/'missing.mp4', '--weights', run, '--out', tmp_path/'t.csv', '--detect-every', '4')
    assert r.returncode == 1, r.stderr
    assert 'missing.mp4: no such file or folder' in r.stderr and 'demo model' in r.stderr and 'Traceback' not in r.stderr
    t = pd.read_csv(tmp_path/'t.csv')
    assert len(t) == 13 and t.success.all()
    assert t.groupby('source').size().to_dict() == {str(tmp_path/'photo.png'): 1, str(video): 12}
    # thresholds stored with the run: AU4 at p = 0.5 is below its 0.6 threshold
    assert (t.AU1 == 1).all() and (t.AU2 == 0).all() and (t.AU4 == 0).all()
    meta = json.loads((tmp_path/'t.json').read_text())
    assert meta['demo'] is True and meta['thresholds'] == {'AU1': 0.5, 'AU2': 0.5, 'AU4': 0.6}
    assert [Path(f['source']).name for f in meta['failures']] == ['missing.mp4']

def test_command_all_good_openface_layout(run, tmp_path):
    video = write_video(moving_face_frames(6), tmp_path/'v.avi')
    r = au_predict(video, '--weights', run/WEIGHTS_FILE, '--out', tmp_path/'of.csv', '--openface', '--no-progress')
    assert r.returncode == 0, r.stderr
    lines = (tmp_path/'of.csv').read_text().splitlines()
    assert lines[0] == 'frame, face_id, timestamp, confidence, success, AU01_c, AU02_c, AU04_c'   # one input: no source column
    of = pd.read_csv(tmp_path/'of.csv', skipinitialspace=True)
    assert of.frame.tolist() == list(range(1, 7)) and of.success.tolist() == [1] * 6
    assert of.timestamp.tolist() == pytest.approx([i / 30 for i in range(6)], abs=1e-3)
    assert json.loads((tmp_path/'of.json').read_text())['layout'] == 'openface'

def test_command_track_landmarks(run, tmp_path):
    "`--track-landmarks` reaches the tracker (recorded in the metadata) and still finds the face on every frame."
    video = write_video(moving_face_frames(12), tmp_path/'v.avi')
    r = au_predict(video, '--weights', run, '--out', tmp_path/'t.csv', '--track-landmarks', '--landmarks', '--no-progress')
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path/'t.csv')
    assert t.success.tolist() == [1] * 12 and t['x0'].notna().all()
    assert json.loads((tmp_path/'t.json').read_text())['track_landmarks'] is True

def cli(capsys, *args) -> tuple[int, str]:
    "Run the command in this process: (exit status, stderr)."
    try: predict_cli([str(a) for a in args]); code = 0
    except SystemExit as e: code = e.code
    return code, capsys.readouterr().err

def test_command_weights_of_another_configuration(run, tmp_path, capsys):
    with safe_open(str(run/WEIGHTS_FILE), framework='pt') as f: md, t = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    cfg = json.loads(md['config']); cfg['backbone'] = 'resnet18'
    save_file(t, str(tmp_path/'other.safetensors'), metadata={**md, 'config': json.dumps(cfg)})
    cv2.imwrite(str(tmp_path/'p.png'), skdata.astronaut())
    code, err = cli(capsys, tmp_path/'p.png', '--weights', tmp_path/'other.safetensors', '--out', tmp_path/'t.csv')
    assert code == 2 and 'do not match the configuration' in err and "backbone='resnet18'" in err, err
    assert not (tmp_path/'t.csv').exists()
    code, err = cli(capsys, tmp_path/'p.png', '--weights', tmp_path, '--out', tmp_path/'t.csv')   # a folder without the file
    assert code == 2 and f'holds no {WEIGHTS_FILE}' in err and 'other.safetensors' in err, err

def test_command_usage_errors(run, tmp_path, capsys):
    code, err = cli(capsys, tmp_path/'x.png', '--weights', run, '--out', tmp_path/'t.csv', '--batch-size', '0')
    assert code == 2 and '--batch-size must be >= 1' in err
    code, err = cli(capsys, tmp_path/'x.png', '--weights', run, '--out', tmp_path/'t.json')
    assert code == 2 and 'another name than its JSON sidecar' in err
    # without --weights au-predict uses the shipped real-face weights (tests/test_london.py), so that is no usage error any more

def test_video_that_cannot_be_opened_or_has_no_frames(run, tmp_path):
    (tmp_path/'garbage.mp4').write_bytes(b'\x00' * 500)
    good = write_video(moving_face_frames(4, width=320, height=240, face=200), tmp_path/'good.mkv')
    (tmp_path/'empty.mkv').write_bytes(good.read_bytes()[:1000])   # the header survives, no frame does
    df = predict([tmp_path/'garbage.mp4', tmp_path/'empty.mkv', good], run, progress=False)
    errors = {Path(f['source']).name: f['error'] for f in df.attrs['failures']}
    assert 'garbage.mp4: cannot open it as a video' in errors['garbage.mp4']
    cap = cv2.VideoCapture(str(tmp_path/'empty.mkv')); opened = cap.isOpened(); cap.release()
    assert ('the video has no frames' if opened else 'cannot open it as a video') in errors['empty.mkv']
    assert len(df) == 4 and df.success.all()
    with pytest.raises(InputError, match='garbage.mp4: cannot open'):
        predict([good, tmp_path/'garbage.mp4'], run, progress=False, on_error='raise')

def test_two_faces_keep_their_indices_through_a_video(run, tmp_path):
    a = moving_face_frames(30, width=320, height=360, face=200, seed=1)
    two = np.concatenate([a, a[:, :, ::-1]], axis=2)            # a mirrored twin on the right: [30, 360, 640, 3]
    df = predict(two, run, detect_every=5, progress=False, threaded=False)
    assert df.groupby('frame').size().tolist() == [2] * 30 and df.success.all()
    side = df.assign(right=df.x > 320).groupby('face').right.agg(['min', 'max'])
    assert len(side) == 2 and (side['min'] == side['max']).all()  # each index stays on one side
    assert df.timestamp.isna().all() and (df.source == 'array[0]').all()
    assert predict(two, run, detect_every=5, progress=False, max_faces=1).groupby('frame').size().tolist() == [1] * 30

def test_onnx_engine_matches_torch(tmp_path):
    pytest.importorskip('onnxruntime'); pytest.importorskip('onnx')
    torch.manual_seed(0)
    cfg = Config(image_size=64, person_norm=False)                             # ONNX serves paths that read each face alone
    m = DetectionPath.from_config(cfg, 3, adjacency=torch.eye(3)).eval()      # random weights: varied outputs
    frames = moving_face_frames(8)
    a = predict(frames, Predictor(m, AUS, device='cpu'), progress=False)
    b = predict(frames, Predictor(m, AUS, device='cpu', engine='onnx'), progress=False)
    probs = [f'AU{n}_prob' for n in AUS]
    assert np.abs(a[probs].to_numpy() - b[probs].to_numpy()).max() < 1e-4
    assert b.attrs['engine'] == 'onnx' and a[probs].to_numpy().std() > 0

def test_threaded_and_serial_give_the_same_table(run):
    frames = moving_face_frames(20, absent=range(5, 8))
    a = predict(frames, run, batch_size=3, progress=False, threaded=True)
    b = predict(frames, run, batch_size=7, progress=False, threaded=False)
    pd.testing.assert_frame_equal(a, b)

def test_network_errors_surface(run):
    class Broken(torch.nn.Module):
        image_size = 64
        def __init__(self): super().__init__(); self.calls = 0
        def forward(self, x):
            self.calls += 1
            if self.calls > 1: raise RuntimeError('out of memory, say')
            return torch.zeros(len(x), 3)
    with pytest.raises(RuntimeError, match='out of memory, say'):
        predict(moving_face_frames(4), Predictor(Broken(), AUS, device='cpu'), batch_size=2, progress=False)

@pytest.fixture(scope='module')
def synthfacs_folder(tmp_path_factory) -> Path:
    "A small SynthFACS folder: 3 subjects, one video of 6 frames each, 64 px."
    synthfacs = pytest.importorskip('au_compendium.synthfacs')
    return Path(synthfacs.generate_synthfacs(tmp_path_factory.mktemp('synthfacs'), n_subjects=3, videos_per_subject=1,
                                             frames_per_video=6, image_size=64, seed=0))

def test_synthfacs_decisions_with_known_weights(synthfacs_folder):
    "AU decisions on SynthFACS frames (aligned crops): a model whose decisions are known, and per-AU thresholds."
    from au_compendium.data import load_manifest
    df = load_manifest(synthfacs_folder)
    paths = [synthfacs_folder/p for p in df.path]
    m, _ = known_model(bias=[5.0, -5.0, 0.0, 2.0], size=64)
    out = predict(paths, Predictor(m, [1, 2, 4, 12], device='cpu'), aligned=True, progress=False, threshold={'AU12': 0.9})
    assert out.success.all() and len(out) == len(df) and out.attrs['detector'] is None
    assert (out.AU1 == 1).all() and (out.AU2 == 0).all() and (out.AU4 == 1).all() and (out.AU12 == 0).all()  # sigmoid(2) < 0.9

def test_synthfacs_aligned_input_is_the_training_input(synthfacs_folder):
    "With aligned=True, the network sees exactly FrameDataset's items: the probabilities agree with the model on them."
    from au_compendium.data import FrameDataset, load_manifest
    df = load_manifest(synthfacs_folder)
    torch.manual_seed(1)
    m = DetectionPath.from_config(Config(image_size=64, person_norm=False), 4, adjacency=torch.eye(4)).eval()   # frame by frame
    ds = FrameDataset(df, aus=[1, 2, 4, 12], image_size=64)
    with torch.no_grad(): want = torch.sigmoid(m(torch.stack([ds[i]['image'] for i in range(len(ds))]))).numpy()
    order = {str(synthfacs_folder/p): i for i, p in enumerate(ds.df.path)}
    out = predict(sorted(order), Predictor(m, [1, 2, 4, 12], device='cpu'), aligned=True, progress=False)
    got = out[[f'AU{n}_prob' for n in (1, 2, 4, 12)]].to_numpy()
    assert np.abs(got - want[[order[s] for s in out.source]]).max() < 1e-5 and want.std() > 0


# ---------------------------------------------------------------- issue 14: real-world inputs, each kind on input generated here

from au_compendium.media import mp4_faststart, write_mkv

VFR_TIMES = [0.04 * k for k in range(10)] + [0.52 + 0.2 * k for k in range(10)] + [2.36 + 0.04 * k for k in range(10)]

def test_variable_frame_rate_video_is_complete(run, tmp_path):
    "Kind 1: a complete VFR Matroska clip (OpenCV's header count 69 for 30 frames) gives its 30 frames at their times, exit 0."
    v = write_mkv(moving_face_frames(30, width=320, height=240, face=200), VFR_TIMES, tmp_path/'vfr.mkv')
    r = au_predict(v, '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path/'t.csv')
    assert t.frame.tolist() == list(range(30)) and t.success.all()
    assert t.timestamp.tolist() == pytest.approx(VFR_TIMES, abs=1e-6)
    video = json.loads((tmp_path/'t.json').read_text())['videos'][str(v)]
    assert (video['header_frames'], video['decoded'], video['lost'], video['complete']) == (69, 30, 0, True)

def test_mp4_with_its_last_frames_cut_off_is_reported(run, tmp_path):
    "Kind 1: an MP4 (index first, as phones write it) cut short: the frames it holds are in the table, every lost one is counted, exit 1."
    # MPEG-4 Part 2 without B-frames, as this test was written with (OpenCV's mp4v): every frame before the cut decodes
    fast = mp4_faststart(write_video(moving_face_frames(30, width=320, height=240, face=200), tmp_path/'a.mp4', codec='mpeg4'), tmp_path/'fast.mp4')
    cut = tmp_path/'cut.mp4'; cut.write_bytes(fast.read_bytes()[:-fast.stat().st_size // 5])
    r = au_predict(cut, '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    assert r.returncode == 1, r.stderr
    t = pd.read_csv(tmp_path/'t.csv'); n = len(t)
    assert 10 < n < 30 and t.frame.tolist() == list(range(n))
    assert f'{30 - n} frame(s) at its 30 fps are missing at the end' in r.stderr, r.stderr
    video = json.loads((tmp_path/'t.json').read_text())['videos'][str(cut)]
    assert (video['frames'], video['lost'], video['complete']) == (30, 30 - n, False)

def test_damaged_frame_is_counted_and_later_frames_keep_their_numbers(run, tmp_path):
    "Kind 1: a frame whose data is wiped is reported by number; the frames after it keep theirs."
    frames = moving_face_frames(12, width=320, height=240, face=200)
    frames[:, -40:] = np.random.default_rng(0).integers(0, 256, (12, 40, 320, 3), dtype=np.uint8)   # incompressible: frames stay apart
    wipe_jpeg_frame(write_video(frames, tmp_path/'v.avi'), tmp_path/'bad.avi', 5)
    df = predict(tmp_path/'bad.avi', run, progress=False)
    assert df.frame.tolist() == [k for k in range(12) if k != 5]
    assert df.timestamp.tolist() == pytest.approx([k / 30 for k in range(12) if k != 5], abs=1e-6)
    assert 'could not be decoded (frame 5)' in df.attrs['failures'][0]['error']

def _group(widths, size=(1920, 1080), seed=0):
    "A photo [H, W, 3] of the astronaut's head at each of `widths` (dlib box widths, pixels) on a blurred noise background."
    rng = np.random.default_rng(seed)
    bg = cv2.GaussianBlur(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), (0, 0), 6)
    head, x = skdata.astronaut()[20:260, 110:340], 40
    for w in widths:
        h = cv2.resize(head, None, fx=w / 87, fy=w / 87, interpolation=cv2.INTER_AREA)   # her face box is 87 px in the original
        y = size[1] - h.shape[0] - 40
        bg[y:y + h.shape[0], x:x + h.shape[1]] = h; x += h.shape[1] + 60
    return bg

def test_small_faces_are_searched_at_the_stored_resolution(run, tmp_path):
    "Kind 2: faces 90-140 px wide in a 1920x1080 photo are all found; searching at 640 px (--detect-max-side) misses them and says so."
    cv2.imwrite(str(tmp_path/'group.png'), _group([90, 110, 140])[..., ::-1])
    r = au_predict(tmp_path/'group.png', '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path/'t.csv')
    assert len(t) == 3 and t.success.all(), t[['x', 'w', 'confidence']]
    assert np.abs(np.sort(t.w) - [90, 110, 140]).max() < 20   # dlib's boxes come in pyramid steps
    assert json.loads((tmp_path/'t.json').read_text())['reduced_resolution'] == {}
    r = au_predict(tmp_path/'group.png', '--weights', run, '--out', tmp_path/'s.csv', '--no-progress', '--detect-max-side', '640')
    assert r.returncode == 0 and 'reduced resolution' in r.stderr, r.stderr
    assert pd.read_csv(tmp_path/'s.csv').success.sum() < 3
    red = json.loads((tmp_path/'s.json').read_text())['reduced_resolution'][str(tmp_path/'group.png')]
    assert (red['image'], red['searched'], red['frames']) == ('1920x1080', '640x360', 1)

def test_ordinary_jpeg_portrait_gives_one_face(run, tmp_path):
    "Kind 3: the astronaut portrait saved as an ordinary JPEG: one face (her suit's patch scores above 0 but below the default)."
    cv2.imwrite(str(tmp_path/'portrait.jpg'), skdata.astronaut()[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
    df = predict(tmp_path/'portrait.jpg', run, progress=False)
    assert len(df) == 1 and df.success.all() and df.confidence[0] > 1
    loose = predict(tmp_path/'portrait.jpg', run, progress=False, min_confidence=0.0)   # dlib's own threshold: the patch comes back
    assert len(loose) == 2 and 0 <= loose.confidence.min() < df.attrs['min_confidence']

def test_folder_from_a_mac_stick(run, tmp_path):
    "Kind 4: AppleDouble twins, .DS_Store and checkpoint copies are skipped and counted; the photo and the clip are read; exit 0."
    p = tmp_path/'P01'; (p/'.ipynb_checkpoints').mkdir(parents=True)
    cv2.imwrite(str(p/'face.png'), skdata.astronaut()[..., ::-1])
    write_video(moving_face_frames(4, width=320, height=240, face=200), p/'clip.avi')
    apple_double = b'\x00\x05\x16\x07\x00\x02\x00\x00' + b'Mac OS X        ' + bytes(4096 - 24)   # AppleDouble magic, version 2
    for f in ('._face.png', '._clip.avi'): (p/f).write_bytes(apple_double)
    (p/'.DS_Store').write_bytes(b'\x00\x00\x00\x01Bud1' + bytes(2000))
    cv2.imwrite(str(p/'.ipynb_checkpoints'/'face-checkpoint.png'), skdata.astronaut()[..., ::-1])
    (p/'notes.txt').write_text('session 1\n')
    r = au_predict(p, '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path/'t.csv')
    assert t.groupby('source').size().to_dict() == {str(p/'clip.avi'): 4, str(p/'face.png'): 1}
    skipped = json.loads((tmp_path/'t.json').read_text())['skipped_files']
    assert sorted(Path(f).name for f in skipped['hidden']) == ['.DS_Store', '._clip.avi', '._face.png', '.ipynb_checkpoints']
    assert [Path(f).name for f in skipped['not_image_or_video']] == ['notes.txt']
    assert 'skipped 4 hidden' in r.stderr and '1 neither image nor video' in r.stderr, r.stderr
    r = au_predict(p/'._face.png', '--weights', run, '--out', tmp_path/'x.csv', '--no-progress')   # named explicitly: read, and fails
    assert r.returncode == 1 and '._face.png: not an image' in r.stderr, r.stderr

def test_openface_layout_with_several_inputs_reads_as_openface(run, tmp_path):
    "Kind 5: with several inputs (one path holding a comma), every file reads with plain pandas as OpenFace's own output does."
    names = ['a, b.png', 'c.png']
    for n in names: cv2.imwrite(str(tmp_path/n), skdata.astronaut()[..., ::-1])
    r = au_predict(*(tmp_path/n for n in names), '--weights', run, '--out', tmp_path/'of.csv', '--openface', '--no-progress')
    assert r.returncode == 0, r.stderr
    openface_cols = ['frame', 'face_id', 'timestamp', 'confidence', 'success', 'AU01_c', 'AU02_c', 'AU04_c']
    def read(f):   # the readers people write for OpenFace CSVs: plain read_csv, then strip the names
        d = pd.read_csv(f); d.columns = d.columns.str.strip(); return d
    whole = read(tmp_path/'of.csv')
    assert list(whole.columns) == openface_cols and whole.success.tolist() == [1, 1] and whole.AU01_c.tolist() == [1.0, 1.0]
    meta = json.loads((tmp_path/'of.json').read_text())
    per_input = meta['openface_files']
    assert sorted(per_input) == sorted(str(tmp_path/n) for n in names)
    for src, f in per_input.items():
        one = read(tmp_path/f)
        assert list(one.columns) == openface_cols and one.frame.tolist() == [1] and one.success.tolist() == [1], (src, f)
    assert [s['source'] for s in meta['openface_rows']] == [str(tmp_path/n) for n in names]

# ---------------------------------------------------------------- issue 16: annotated copies and time-series plots

from au_compendium.annotate import NO_FACE_COLOUR, plot_aus, track_colour
import av
from au_compendium.media import VideoReader, _mp4_boxes
from au_compendium.predict import ARRAY_FPS, write_annotated

def _read_back(path):
    "A video's frames [N, H, W, 3] RGB and its report."
    r = VideoReader(path)
    return np.stack([f[..., ::-1] for _, _, f in r]), r.report

def _near(img, colour, tol=60):
    "Mask of the pixels within `tol` of `colour` in every channel (the codec moves colours a little)."
    return np.all(np.abs(img.astype(int) - np.array(colour)) < tol, axis=-1)

@pytest.mark.parametrize('kind, fps, size', [('mp4', 25.0, (640, 360)), ('mkv', 30000 / 1001, (321, 241))], ids=['mp4-25fps', 'mkv-29.97fps-odd'])
def test_annotated_video_has_the_sources_frames_size_and_rate(run, tmp_path, kind, fps, size):
    "The issue's command as a user types it: the MP4 copy holds the source's frames at its rate and size (an odd side padded by one black line); the plot is beside the table."
    w, h = size
    frames = moving_face_frames(30, width=w, height=h, face=min(240, h - 40), absent=range(10, 14))
    video = write_video(frames, tmp_path/'clip.mp4', fps=fps) if kind == 'mp4' else \
        write_mkv(frames, [k / fps for k in range(30)], tmp_path/'clip.mkv')
    r = au_predict(video, '--weights', run, '--out', tmp_path/'t.csv', '--annotate', tmp_path/'annotated', '--plot', '--no-progress')
    assert r.returncode == 0, r.stderr
    assert f"annotated 1 input(s) -> {tmp_path/'annotated'}" in r.stderr and 't_clip.png' in r.stderr, r.stderr
    src, src_rep = _read_back(video)
    back, rep = _read_back(tmp_path/'annotated'/'clip.mp4')
    assert len(src) == 30 and len(back) == len(src) and rep.complete
    assert src_rep.fps == pytest.approx(fps, rel=1e-6) and rep.fps == pytest.approx(src_rep.fps, rel=1e-6)
    with av.open(str(tmp_path/'annotated'/'clip.mp4')) as c:                       # what browsers play (kind 10 of issue #25; tests/test_docs.py plays it)
        s = c.streams.video[0]
        assert (s.codec_context.name, s.codec_context.pix_fmt) == ('h264', 'yuv420p'), (s.codec_context.name, s.codec_context.pix_fmt)
    boxes = [k for k, *_ in _mp4_boxes((tmp_path/'annotated'/'clip.mp4').read_bytes(), 0, (tmp_path/'annotated'/'clip.mp4').stat().st_size)]
    assert boxes.index(b'moov') < boxes.index(b'mdat'), boxes                      # the index first: plays while it downloads
    assert back.shape[1:3] == (h + h % 2, w + w % 2)
    assert np.abs(back[:, :h, :w].astype(int) - src).mean() < 20                   # the source's pictures, in place, under the drawing
    if w % 2: assert back[:, :, w:].mean() < 10                                     # the padding column is black
    meta = json.loads((tmp_path/'t.json').read_text())
    assert meta['annotated'][str(video)] == dict(file=str(tmp_path/'annotated'/'clip.mp4'), frames=30, size=[w, h], fps=pytest.approx(fps),
                                                 written_size=[w + w % 2, h + h % 2])
    assert meta['plots'] == {str(video): {'file': str(tmp_path/'t_clip.png')}}
    assert cv2.imread(str(tmp_path/'t_clip.png')).shape[1] == 1000              # 10 inches at 100 dpi
    assert 'x0' not in pd.read_csv(tmp_path/'t.csv').columns                       # the table is the one without --annotate

def test_frame_without_a_face_is_drawn_and_marked(run, tmp_path):
    "Frames without the face are in the copy with a red border and nothing else drawn; frames with it have the box where the table says."
    frames = moving_face_frames(20, absent=range(8, 12))
    video = write_video(frames, tmp_path/'clip.mp4', fps=25)
    df = predict(video, run, annotate=tmp_path/'ann', progress=False, detect_every=5)
    back, _ = _read_back(tmp_path/'ann'/'clip.mp4')
    src, _ = _read_back(video)
    assert df.success.tolist() == [1] * 8 + [0] * 4 + [1] * 8
    for k in range(20):
        red = _near(back[k], NO_FACE_COLOUR)
        edge = np.r_[red[:3].ravel(), red[-3:].ravel(), red[:, :3].ravel(), red[:, -3:].ravel()].mean()
        if df.success[k] == 0:
            assert edge > 0.5, (k, edge)                                             # the border all round
            assert np.abs(back[k, 60:-30, 10:-10].astype(int) - src[k, 60:-30, 10:-10]).mean() < 4   # nothing over the picture
        else:
            assert edge < 0.05, (k, edge)
            x0, y0 = int(df.x[k]), int(df.y[k]); x1, y1 = x0 + int(df.w[k]), y0 + int(df.h[k])
            assert _near(back[k, y1 - 3:y1 + 4, x0 + 5:x1 - 5], track_colour(0)).any(0).mean() > 0.8, k   # the box's lower edge

def test_damaged_frame_keeps_the_annotated_copy_in_step(run, tmp_path):
    "A frame that does not decode is stood in for (the previous one dimmed), so the copy has the source's 12 frames at their places."
    frames = moving_face_frames(12, width=320, height=240, face=200)
    frames[:, -40:] = np.random.default_rng(0).integers(0, 256, (12, 40, 320, 3), dtype=np.uint8)
    wipe_jpeg_frame(write_video(frames, tmp_path/'v.avi'), tmp_path/'bad.avi', 5)
    df = predict(tmp_path/'bad.avi', run, annotate=tmp_path/'ann', progress=False)
    assert df.frame.tolist() == [k for k in range(12) if k != 5] and len(df.attrs['failures']) == 1
    back, _ = _read_back(tmp_path/'ann'/'bad.mp4')
    assert len(back) == 12 and df.attrs['annotated'][str(tmp_path/'bad.avi')]['frames'] == 12
    assert back[5].mean() < 0.6 * back[4].mean()                                   # the stand-in is the previous frame, dimmed

def test_annotated_images_arrays_and_names(run, tmp_path):
    "Images keep their size, JPEG stays JPEG, others become PNG; same names from two folders do not collide; a frame stack becomes an MP4."
    astro = skdata.astronaut()
    (tmp_path/'a').mkdir(); (tmp_path/'b').mkdir()
    cv2.imwrite(str(tmp_path/'a'/'face.jpg'), astro[..., ::-1]); cv2.imwrite(str(tmp_path/'b'/'face.bmp'), astro[::2, ::2, ::-1])
    cv2.imwrite(str(tmp_path/'b'/'face.png'), np.zeros((100, 150, 3), np.uint8))
    df = predict([tmp_path/'a', tmp_path/'b'], run, annotate=tmp_path/'ann', progress=False)
    files = {Path(k).relative_to(tmp_path).as_posix(): Path(v['file']).name for k, v in df.attrs['annotated'].items()}
    assert files == {'a/face.jpg': 'face.jpg', 'b/face.bmp': 'face.png', 'b/face.png': 'face_2.png'}
    assert cv2.imread(str(tmp_path/'ann'/'face.jpg')).shape == astro.shape and (tmp_path/'ann'/'face.jpg').read_bytes()[:2] == b'\xff\xd8'
    assert cv2.imread(str(tmp_path/'ann'/'face.png')).shape == (256, 256, 3)
    blank = cv2.imread(str(tmp_path/'ann'/'face_2.png'))[..., ::-1]
    assert _near(blank, NO_FACE_COLOUR, 1)[:2].mean() > 0.9                       # no face in the black picture: marked
    stack = moving_face_frames(6, width=320, height=240, face=200)
    ds = predict(stack, run, annotate=tmp_path/'arr', progress=False)
    assert ds.attrs['annotated']['array[0]'] == dict(file=str(tmp_path/'arr'/'array_0.mp4'), frames=6, size=[320, 240], fps=ARRAY_FPS, written_size=[320, 240])
    again = write_annotated(ds, tmp_path/'again', [stack])                          # from the table, with the array given again
    assert again['array[0]']['frames'] == 6

def test_annotate_leaves_the_table_unchanged(run, tmp_path):
    video = write_video(moving_face_frames(10, width=320, height=240, face=200), tmp_path/'v.mp4')
    plain = predict(video, run, progress=False)
    drawn = predict(video, run, progress=False, annotate=tmp_path/'ann')
    pd.testing.assert_frame_equal(plain, drawn)
    assert 'annotated' in drawn.attrs and 'annotated' not in plain.attrs and drawn.attrs['annotate_seconds'] > 0
    assert 'x0' in predict(video, run, progress=False, annotate=tmp_path/'ann', landmarks=True).columns

OPENFACE_2_COLUMNS = (['frame', 'face_id', 'timestamp', 'confidence', 'success']
                      + [f'gaze_{e}_{a}' for e in (0, 1) for a in 'xyz'] + ['gaze_angle_x', 'gaze_angle_y']
                      + [f'eye_lmk_{c}_{i}' for c in ('x', 'y', 'X', 'Y', 'Z') for i in range(56)]
                      + [f'pose_{c}' for c in ('Tx', 'Ty', 'Tz', 'Rx', 'Ry', 'Rz')]
                      + [f'{c}_{i}' for c in ('x', 'y', 'X', 'Y', 'Z') for i in range(68)]
                      + ['p_scale', 'p_rx', 'p_ry', 'p_rz', 'p_tx', 'p_ty'] + [f'p_{i}' for i in range(34)]
                      + [f'AU{n:02d}_r' for n in (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45)]
                      + [f'AU{n:02d}_c' for n in (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45)])

def test_plot_reads_our_tables_and_openface_2(run, tmp_path):
    "plot_aus draws a table already written: au-predict's, au-predict's --openface, and one in OpenFace 2.x's full FeatureExtraction layout with two faces."
    video = write_video(moving_face_frames(12, width=320, height=240, face=200, absent=range(4, 6)), tmp_path/'v.mp4', fps=25)
    for flag in ([], ['--openface']):
        out = tmp_path/f"t{'_of' if flag else ''}.csv"
        assert au_predict(video, '--weights', run, '--out', out, *flag, '--no-progress').returncode == 0
        fig = plot_aus(out, path=tmp_path/'p.png')
        assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ['AU1', 'AU2', 'AU4']
        assert len(fig.axes) == 1 and fig.axes[0].get_xlabel() == 'time (s)'
        assert 'demo model' in fig._suptitle.get_text()                             # read from the JSON sidecar
    rng, n = np.random.default_rng(0), 40
    rows = []
    for fid in (0, 1):
        d = pd.DataFrame(rng.uniform(-1, 1, (n, len(OPENFACE_2_COLUMNS))), columns=OPENFACE_2_COLUMNS)
        d['frame'], d['face_id'], d['timestamp'], d['confidence'], d['success'] = np.arange(1, n + 1), fid, np.arange(n) / 30, 0.98, 1
        for c in OPENFACE_2_COLUMNS:
            if c.endswith('_r'): d[c] = rng.uniform(0, 5, n).round(2)
            if c.endswith('_c'): d[c] = rng.integers(0, 2, n)
        rows.append(d)
    of = pd.concat(rows).sort_values(['frame', 'face_id'])
    text = ', '.join(OPENFACE_2_COLUMNS) + '\n' + '\n'.join(', '.join(f'{v:g}' for v in r) for r in of.to_numpy()) + '\n'
    (tmp_path/'openface.csv').write_text(text)
    fig = plot_aus(tmp_path/'openface.csv')
    assert len(fig.axes) == 2 and [a.get_title(loc='left') for a in fig.axes] == ['face 0', 'face 1']
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ['AU1', 'AU2', 'AU4', 'AU5', 'AU6', 'AU7', 'AU9', 'AU10', 'AU12', 'AU14',
                                                                  'AU15', 'AU17', 'AU20', 'AU23', 'AU25', 'AU26', 'AU28', 'AU45']

def test_bad_arguments_for_pictures(run, tmp_path, capsys):
    "An --annotate folder that is a file or that holds the inputs, and tables without AU columns, are refused with a message naming them."
    cv2.imwrite(str(tmp_path/'p.png'), skdata.astronaut()[..., ::-1])
    (tmp_path/'taken').write_text('a file')
    code, err = cli(capsys, tmp_path/'p.png', '--weights', run, '--out', tmp_path/'t.csv', '--annotate', tmp_path/'taken')
    assert code == 2 and f"{tmp_path/'taken'}: the folder for annotated copies is a file" in err, err
    assert not (tmp_path/'t.csv').exists()
    code, err = cli(capsys, tmp_path/'p.png', '--weights', run, '--out', tmp_path/'t.csv', '--annotate', tmp_path)
    assert code == 2 and 'holds input files (p.png) that annotated copies would overwrite' in err, err
    code, err = cli(capsys, tmp_path/'p.png', '--weights', run, '--out', tmp_path/'t.csv', '--plot', '--no-progress')
    assert code == 0 and 'no input has more than one frame' in err, err
    pd.DataFrame({'frame': [1, 2], 'face_id': 0, 'gaze_angle_x': 0.1}).to_csv(tmp_path/'gaze.csv', index=False)
    with pytest.raises(TableError, match='gaze.csv: no AU columns; expected'): plot_aus(tmp_path/'gaze.csv')
    with pytest.raises(TableError, match='nope.csv: no such file'): plot_aus(tmp_path/'nope.csv')

def test_annotate_from_a_table_written_earlier(run, tmp_path):
    "write_annotated draws a table read back from disk (written with --landmarks): the sidecar gives the AUs, thresholds, inputs and frame rates."
    video = write_video(moving_face_frames(8, width=320, height=240, face=200), tmp_path/'v.mp4', fps=25)
    assert au_predict(video, '--weights', run, '--out', tmp_path/'t.csv', '--landmarks', '--no-progress').returncode == 0
    done = write_annotated(read_au_table(tmp_path/'t.csv'), tmp_path/'later')
    assert done == {str(video): dict(file=str(tmp_path/'later'/'v.mp4'), frames=8, size=[320, 240], fps=25.0, written_size=[320, 240])}
    back, _ = _read_back(tmp_path/'later'/'v.mp4')
    assert _near(back, track_colour(0)).sum() > 8 * 400                            # a box (and bars) on every frame

def test_person_norm_weights_on_photographs(tmp_path, capsys):
    "Person-normalised weights: a photograph is read against the stored population reference, counted and said; weights without one fail per input."
    m, cfg = known_model(person_norm=True)
    with torch.no_grad(): m.classifier.weight.normal_()
    ref = torch.randn(len(AUS), cfg.embed_dim)
    save_detection_path(tmp_path/'pn'/WEIGHTS_FILE, m, cfg, AUS, reference=ref)
    cv2.imwrite(str(tmp_path/'p.png'), cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR))
    code, err = cli(capsys, tmp_path/'p.png', '--weights', tmp_path/'pn', '--out', tmp_path/'t.csv', '--no-progress')
    assert code == 0 and "read against the training people's average face" in err and 'shorter than 30 frames' in err, err
    t = pd.read_csv(tmp_path/'t.csv')
    assert t['centred_on'].tolist() == ['population'] and t[[f'AU{a}_prob' for a in AUS]].notna().all(axis=None)
    meta = json.loads((tmp_path/'t.json').read_text())['person_norm']
    assert meta['rows_population'] == 1 and meta['short_tracks'] == [dict(source=str(tmp_path/'p.png'), track=0, frames=1)], meta
    save_detection_path(tmp_path/'old'/WEIGHTS_FILE, m, cfg, AUS)          # saved before the reference was stored
    code, err = cli(capsys, tmp_path/'p.png', '--weights', tmp_path/'old', '--out', tmp_path/'t2.csv', '--no-progress')
    assert code == 1 and 'no population reference' in err and 'p.png' in err, err
    assert pd.read_csv(tmp_path/'t2.csv')['AU1'].isna().all()
    code, err = cli(capsys, tmp_path/'p.png', '--weights', tmp_path/'pn', '--out', tmp_path/'t3.csv', '--engine', 'onnx')
    assert code == 2 and "engine='torch' only" in err, err

# ---------------------------------------------------------------- issue 25: real-world inputs, round 3 (video calls, phones)

from au_compendium.media import write_av

def test_video_call_turning_to_portrait_is_read_at_each_frames_size(run, tmp_path):
    "Kind 3: a WebM whose frames turn from 320x240 to 240x320 mid-stream: the face is found in both parts, the sidecar and the command say the size changed."
    land = moving_face_frames(12, width=320, height=240, face=180)
    port = moving_face_frames(12, width=240, height=320, face=180, seed=1)
    v = write_av([land, port], [0.04 * k for k in range(24)], tmp_path/'call.webm')
    r = au_predict(v, '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path/'t.csv')
    assert t.frame.tolist() == list(range(24)) and t.success.all(), t[['frame', 'success']]   # stretched to 320x240, the portrait face was lost
    assert t[t.frame >= 12].y.max() > 240 - 180                                               # boxes in portrait coordinates
    video = json.loads((tmp_path/'t.json').read_text())['videos'][str(v)]
    assert video['sizes'] == [[0, 320, 240], [12, 240, 320]] and video['complete']
    assert 'the frame size changes 1 time(s) (320x240 from frame 0, 240x320 from frame 12)' in r.stderr, r.stderr

def test_camera_off_for_minutes_and_hdr_phone_video(run, tmp_path):
    "Kinds 4 and 6: a WebM with three minutes of sound only between its pictures gives every frame, exit 0; an HLG phone clip is converted and says so."
    times = [0.04 * k for k in range(10)] + [190 + 0.04 * k for k in range(10)]
    gap = write_av(moving_face_frames(20, width=320, height=240, face=180), times, tmp_path/'off.webm', audio_until=times[-1] + 0.04)
    hlg = write_av(moving_face_frames(6, width=320, height=240, face=180), [0.04 * k for k in range(6)], tmp_path/'phone.mp4',
                   codec='libx265', transfer='arib-std-b67')
    r = au_predict(gap, hlg, '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path/'t.csv')
    assert t[t.source == str(gap)].timestamp.tolist() == pytest.approx(times, abs=1e-6)
    videos = json.loads((tmp_path/'t.json').read_text())['videos']
    assert (videos[str(gap)]['in_file'], videos[str(gap)]['decoded'], videos[str(gap)]['lost']) == (20, 20, 0)
    assert (videos[str(hlg)]['color_transfer'], videos[str(hlg)]['hdr'], videos[str(hlg)]['converted_to_sdr']) == ('arib-std-b67', True, 6)
    assert 'HDR video (HLG, colour_transfer arib-std-b67): 6 frame(s) converted to SDR' in r.stderr, r.stderr

# --- output paths (#25.7): checked before any input is read, written whole or not at all, never over an input

def test_outputs_that_cannot_be_written_fail_before_any_work(run, tmp_path):
    "A folder as --out, an input's own name, a read-only place and a full disk fail at once, naming the path, before the weights are read."
    (tmp_path/'in').mkdir(); video = write_video(moving_face_frames(4, width=160, height=120, face=100), tmp_path/'in'/'clip.mp4')
    before = video.read_bytes()
    for out, says in [(tmp_path/'in', 'is a folder'), (video, 'has an image or video name')]:
        r = au_predict(video, '--weights', tmp_path/'no-such-run', '--out', out)       # the weights are not even looked at
        assert r.returncode == 2 and says in r.stderr and 'Traceback' not in r.stderr and 'no-such-run' not in r.stderr, r.stderr
    (tmp_path/'in'/'notes.csv').write_bytes(b'keep')
    r = au_predict(tmp_path/'in'/'notes.csv', '--weights', run, '--out', tmp_path/'in'/'notes.csv')
    assert r.returncode == 2 and 'is one of the inputs' in r.stderr and (tmp_path/'in'/'notes.csv').read_bytes() == b'keep', r.stderr
    assert video.read_bytes() == before
    r = au_predict(video, '--weights', run, '--out', tmp_path/'full'/'t.csv', max_file_bytes=0)   # a disk with no room
    assert r.returncode == 2 and 'cannot write in' in r.stderr and 'nothing was read' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not [f for f in (tmp_path/'full').iterdir()]
    if Path('/proc/self').is_dir():                                        # a read-only folder, even for root
        r = au_predict(video, '--weights', run, '--out', '/proc/t.csv')
        assert r.returncode == 2 and '/proc/t.csv: cannot write in /proc' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    if os.geteuid() != 0:
        (tmp_path/'ro').mkdir(); os.chmod(tmp_path/'ro', 0o555)
        r = au_predict(video, '--weights', run, '--out', tmp_path/'ro'/'t.csv')
        assert r.returncode == 2 and 'cannot write in' in r.stderr, r.stderr

def test_disk_that_fills_while_the_table_is_written(run, tmp_path):
    "Room for the check but not for the table: a clean error, no truncated table, the earlier table and sidecar whole, no temporary files."
    video = write_video(moving_face_frames(12, width=320, height=240, face=200), tmp_path/'v.mp4')
    (tmp_path/'t.csv').write_text('earlier,table\n1,2\n'); (tmp_path/'t.json').write_text('{"earlier": true}\n')
    r = au_predict(video, '--weights', run, '--out', tmp_path/'t.csv', '--landmarks', '--no-progress', max_file_bytes=2 * PROBE_BYTES)
    assert r.returncode == 2 and 't.csv: cannot write the table' in r.stderr and "earlier run's, left whole" in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr
    assert (tmp_path/'t.csv').read_text() == 'earlier,table\n1,2\n' and json.loads((tmp_path/'t.json').read_text()) == {'earlier': True}
    assert sorted(f.name for f in tmp_path.iterdir()) == ['t.csv', 't.json', 'v.mp4']
    r = au_predict(video, '--weights', run, '--out', tmp_path/'t.csv', '--landmarks', '--no-progress')     # with room: replaced
    assert r.returncode == 0 and len(pd.read_csv(tmp_path/'t.csv')) == 12 and (tmp_path/'t.csv').stat().st_size > 2 * PROBE_BYTES, r.stderr
    assert oct((tmp_path/'t.csv').stat().st_mode & 0o777) == oct(0o666 & ~_umask())   # the permissions of an ordinary new file

# --- interrupted runs (#25.8): what was finished is kept, marked incomplete, and a run goes on from there

_SIGNAL_AT = '''import os, signal, sys, au_compendium.predict as p
k, sig = int(sys.argv.pop(1)), getattr(signal, sys.argv.pop(1))
follow, n = p.FaceTracker.__call__, [0]
def call(self, rgb, gray=None, **kw):   # the signal arrives while frame k is being read, as from a terminal or a job scheduler
    n[0] += 1
    if n[0] == k: os.kill(os.getpid(), sig)
    return follow(self, rgb, gray, **kw)
p.FaceTracker.__call__ = call
p.predict_cli()
'''

def au_predict_signalled(k, sig, *args):
    "The command as a process that receives `sig` (a name) while its `k`-th frame is being read."
    return subprocess.run([sys.executable, '-c', _SIGNAL_AT, str(k), sig, *map(str, args)], capture_output=True, text=True, timeout=600)

@pytest.mark.parametrize('sig, code', [('SIGINT', 130), ('SIGTERM', 143)])
def test_interrupted_run_keeps_its_frames_and_resumes(run, tmp_path, sig, code):
    video = write_video(moving_face_frames(30, width=320, height=240, face=200), tmp_path/'v.mp4')
    cv2.imwrite(str(tmp_path/'other.png'), skdata.astronaut()[..., ::-1])
    args = ('--weights', run, '--out', tmp_path/'t.csv', '--no-progress', '--detect-every', '4')
    assert au_predict(tmp_path/'other.png', *args).returncode == 0           # an older table from another input
    r = au_predict_signalled(12, sig, video, *args)
    assert r.returncode == code and f'interrupted ({sig})' in r.stderr and '--resume' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    t, meta = pd.read_csv(tmp_path/'t.csv'), json.loads((tmp_path/'t.json').read_text())
    assert t.frame.tolist() == list(range(12)) and set(t.source) == {str(video)} and t.success.all()
    assert meta['complete'] is False and meta['interrupted'] == sig and meta['resume_from'] == dict(source=str(video), after_frame=11)
    r = au_predict(video, *args, '--resume')
    assert r.returncode == 0, r.stderr
    assert not (tmp_path/'t.resume.npz').exists()
    resumed, meta = pd.read_csv(tmp_path/'t.csv'), json.loads((tmp_path/'t.json').read_text())
    assert meta['complete'] is True and meta['resumed'] is True and meta['frames'] == 30
    assert au_predict(video, *args[:3], tmp_path/'whole.csv', *args[4:]).returncode == 0
    whole = pd.read_csv(tmp_path/'whole.csv')
    pd.testing.assert_frame_equal(resumed[['frame', 'face', 'success', 'AU1', 'AU2', 'AU4']], whole[['frame', 'face', 'success', 'AU1', 'AU2', 'AU4']])
    assert (resumed[['x', 'y', 'w', 'h']] - whole[['x', 'y', 'w', 'h']]).abs().max().max() < 20   # re-detected where it went on

def test_resume_needs_its_state_and_the_same_options(run, tmp_path):
    video = write_video(moving_face_frames(10, width=320, height=240, face=200), tmp_path/'v.mp4')
    args = (video, '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    r = au_predict(*args, '--resume')
    assert r.returncode == 2 and 't.resume.npz: no interrupted run' in r.stderr, r.stderr
    assert au_predict_signalled(4, 'SIGINT', *args).returncode == 130
    r = au_predict(*args, '--resume', '--detect-every', '3')
    assert r.returncode == 2 and 'cannot resume' in r.stderr and 'detect_every (10, now 3)' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    (tmp_path/'t.resume.npz').write_bytes(b'not numpy')
    r = au_predict(*args, '--resume')
    assert r.returncode == 2 and 'not the state of an interrupted au-predict run' in r.stderr, r.stderr

def test_resumed_person_norm_tracks_are_centred_on_the_whole_track(tmp_path):
    "A person-normalised track cut by an interruption: the resumed table reads it against its mean over all its frames, as the uninterrupted run does."
    from au_compendium.predict import Interrupted
    import os, signal as sg
    torch.manual_seed(0)
    m, cfg = known_model(person_norm=True)
    with torch.no_grad(): m.classifier.weight.normal_(0, 3)
    pn = Predictor(m, AUS, device='cpu', reference=torch.randn(len(AUS), cfg.embed_dim))
    frames = moving_face_frames(24, width=320, height=240, face=200)
    frames = np.clip(frames * np.linspace(0.5, 1.2, 24)[:, None, None, None], 0, 255).astype(np.uint8)   # lit ever brighter: the mean moves
    class Stopping:   # a detector that gets SIGINT on its 10th call
        def __init__(self): self.det, self.n = FaceDetector(), 0
        def detect(self, rgb):
            self.n += 1
            if self.n == 10: os.kill(os.getpid(), sg.SIGINT)
            return self.det.detect(rgb)
        def landmarks(self, rgb, box): return self.det.landmarks(rgb, box)
    kw = dict(detect_every=1, min_track_frames=8, progress=False)
    whole = predict(frames, pn, **kw)
    stopping = Stopping()                                                  # one SIGINT, on its 10th frame
    with pytest.raises(Interrupted) as e: predict(frames, pn, detector=stopping, **kw)
    part = e.value.table
    assert part.attrs['complete'] is False and part.frame.tolist() == list(range(10)) and set(part.centred_on) == {'track'}
    done = predict(frames, pn, detector=stopping, resume=e.value.state, **kw)
    probs = [f'AU{a}_prob' for a in AUS]
    np.testing.assert_allclose(done[probs].to_numpy(), whole[probs].to_numpy(), atol=1e-6)
    assert np.abs(part[probs].to_numpy() - whole[probs].to_numpy()[:10]).max() > 1e-5   # the cut track alone reads otherwise (10x the tolerance above)
    assert done.attrs['complete'] is True and done.attrs['frames'] == 24

# --- a folder of numbered frames (#25.2): one video, not unrelated photographs

@pytest.mark.parametrize('pattern, ext', [('frame_{:04d}', '.png'), ('{}', '.jpg')])   # ffmpeg's %04d, and plain unpadded numbers
def test_folder_of_numbered_frames_is_one_video(tmp_path, capsys, pattern, ext):
    "OpenFace's -fdir use: a person-normalised model reads the frames as one face track against its own mean; --folders photos reads them one by one."
    m, cfg = known_model(person_norm=True)
    save_detection_path(tmp_path/'pn'/WEIGHTS_FILE, m, cfg, AUS, reference=torch.randn(len(AUS), cfg.embed_dim))
    (tmp_path/'frames').mkdir()
    for k, f in enumerate(moving_face_frames(32, width=320, height=240, face=200)):
        cv2.imwrite(str(tmp_path/'frames'/(pattern.format(k + 1) + ext)), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    code, err = cli(capsys, tmp_path/'frames', '--weights', tmp_path/'pn', '--out', tmp_path/'t.csv', '--no-progress')
    assert code == 0 and 'as the frames of one video (32 numbered frames of 320x240' in err and '--folders photos' in err, err
    t, meta = pd.read_csv(tmp_path/'t.csv'), json.loads((tmp_path/'t.json').read_text())
    assert set(t.source) == {str(tmp_path/'frames')} and t.frame.tolist() == list(range(32)) and t.success.all()
    assert set(t.centred_on) == {'track'} and t.face.nunique() == 1
    assert meta['folder_readings'] == {str(tmp_path/'frames'): dict(reading='sequence', images=32, why='32 numbered frames of 320x240')}
    code, err = cli(capsys, tmp_path/'frames', '--weights', tmp_path/'pn', '--out', tmp_path/'p.csv', '--no-progress', '--folders', 'photos')
    p = pd.read_csv(tmp_path/'p.csv')
    assert code == 0 and p.source.nunique() == 32 and set(p.centred_on) == {'population'} and '--folders sequence' in err, err
    assert json.loads((tmp_path/'p.json').read_text())['folder_readings'][str(tmp_path/'frames')]['reading'] == 'photographs'

def test_folder_of_photographs_stays_photographs(run, tmp_path, capsys):
    "Images of different sizes, or not numbered, are photographs, and the output says so."
    (tmp_path/'shots').mkdir()
    astro = skdata.astronaut()[..., ::-1]
    cv2.imwrite(str(tmp_path/'shots'/'IMG_0001.jpg'), astro); cv2.imwrite(str(tmp_path/'shots'/'IMG_0002.jpg'), astro[:400])
    cv2.imwrite(str(tmp_path/'shots'/'IMG_0003.jpg'), astro)
    code, err = cli(capsys, tmp_path/'shots', '--weights', run, '--out', tmp_path/'t.csv', '--no-progress')
    t = pd.read_csv(tmp_path/'t.csv')
    assert code == 0 and t.source.nunique() == 3 and 'the 3 images in' in err and 'not all of one size' in err, err

# --- one face track, one person (#25.1): tracks end at shot cuts and changes of person

def test_interview_cut_is_two_people_each_on_their_own_mean(tmp_path, capsys):
    "An interview cut between two people framed alike: two tracks split at the cut (column track, sidecar track_splits), each centred on its own mean, as each alone."
    from au_compendium.testing import interview_cut_frames
    torch.manual_seed(0)
    m, cfg = known_model(person_norm=True)
    with torch.no_grad(): m.classifier.weight.normal_(0, 3)
    save_detection_path(tmp_path/'pn'/WEIGHTS_FILE, m, cfg, AUS, reference=torch.randn(len(AUS), cfg.embed_dim))
    frames = interview_cut_frames(40, 40, width=320, height=240, face=200)
    both, b_alone = write_video(frames, tmp_path/'ab.avi'), write_video(frames[40:], tmp_path/'b.avi')
    code, err = cli(capsys, both, b_alone, '--weights', tmp_path/'pn', '--out', tmp_path/'t.csv', '--no-progress', '--detect-every', '1')
    assert code == 0, err
    t, meta = pd.read_csv(tmp_path/'t.csv'), json.loads((tmp_path/'t.json').read_text())
    ab, b = t[t.source == str(both)], t[t.source == str(b_alone)]
    assert ab.success.all() and ab.track.tolist() == [0] * 40 + [1] * 40 and set(ab.centred_on) == {'track'}
    (split,), = meta['track_splits'].values()                             # the face fills the frame: the cut shows in the whole frame too
    assert list(meta['track_splits']) == [str(both)] and split['frame'] == 40 and split['ended'] == [0] and split['reason'] in ('shot_cut', 'appearance')
    probs = [f'AU{a}_prob' for a in AUS]
    np.testing.assert_allclose(ab[probs].to_numpy()[40:], b[probs].to_numpy(), atol=1e-5)   # B read as if alone (batches differ: 5e-6; one track through both: 3e-5 off)

# ---------------------------------------------------------------- issue 25, kind 10: the OpenFace layout read by a real client
# py-feat 2.1.5's reader of OpenFace files, `feat.utils.io.read_openface`, reproduced line for line below with the column lists it
# uses and the part of `feat.data.Fex` those lines and its `time`/`aus` accessors touch. Source: the py-feat 2.1.5 wheel on PyPI,
# py_feat-2.1.5-py2.py3-none-any.whl (sha256 f05efd61bb5824b6ce16a4dce17d3e6b698901be159310f697d81693b9d1f385):
# feat/utils/io.py lines 154-246 (read_openface), feat/utils/__init__.py lines 282-365 (the OpenFace column lists),
# feat/data.py lines 70-372 (Fex's column groups and accessors). The same read_openface is in github.com/cosanlab/py-feat,
# feat/utils/io.py at commit 0b9d6ea99cae2061c1cb3814d7735febff71b00e.
# Why not the package itself, as a test-only extra: `pip install py-feat==2.1.5` adds 16 packages to this environment
# (xgboost with nvidia-nccl-cu12, torchcodec, timm, huggingface_hub, plotly, skops, h5py, ...), and `import feat` imports xgboost,
# torchvision and torchcodec before anything else, so an install with --no-deps cannot be imported.
_PF_AU_LIST = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45]
_PF_AU_INTENSITY = ["AU" + str(i).zfill(2) + "_r" for i in _PF_AU_LIST]
_PF_AU_PRESENCE = sorted(["AU" + str(i).zfill(2) + "_c" for i in _PF_AU_LIST + [28]])
_PF_AU_COLUMNS = _PF_AU_INTENSITY + _PF_AU_PRESENCE
_PF_TIME = ["frame", "timestamp"]
_PF_GAZE = ["gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z"]
_PF_POSE = ["pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz"]
_PF_LMK2D = [f"x_{i}" for i in range(68)] + [f"y_{i}" for i in range(68)]
_PF_LMK3D = [f"X_{i}" for i in range(68)] + [f"Y_{i}" for i in range(68)] + [f"Z_{i}" for i in range(68)]
_PF_ORIG = (_PF_TIME + ["confidence", "success"] + _PF_GAZE + _PF_POSE + _PF_LMK2D + _PF_LMK3D
            + ["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"] + [f"p_{i}" for i in range(34)] + _PF_AU_COLUMNS)

class _Fex(pd.DataFrame):
    "py-feat's `Fex`, as far as `read_openface` uses it: a DataFrame that names its column groups."
    _metadata = ['au_columns', 'emotion_columns', 'facebox_columns', 'landmark_columns', 'facepose_columns', 'gaze_columns',
                 'time_columns', 'filename', 'detector']
    def __init__(self, *args, **kwargs):
        for k in self._metadata: setattr(self, k, kwargs.pop(k, None))
        super().__init__(*args, **kwargs)
    @property
    def _constructor(self): return _Fex
    @property
    def aus(self): return self[self.au_columns]
    @property
    def time(self): return self[self.time_columns]

def pyfeat_read_openface(openfacefile, features=None):
    "py-feat 2.1.5's `read_openface`, its body as released."
    d = pd.read_csv(openfacefile, sep=",")
    d.columns = d.columns.str.strip(" ")
    if isinstance(features, list):
        try:
            d = d[features]
        except Exception:
            raise KeyError([features, "not in openfacefile"])
    elif isinstance(features, type(None)):
        features = _PF_ORIG
        try:
            d = d[features]
        except Exception:
            pass
    fex = _Fex(d, filename=openfacefile, au_columns=_PF_AU_COLUMNS, emotion_columns=None, facebox_columns=None,
               landmark_columns=_PF_LMK2D, facepose_columns=_PF_POSE, gaze_columns=_PF_GAZE, time_columns=_PF_TIME, detector="OpenFace")
    fex["input"] = openfacefile
    return fex

def test_openface_layout_reads_with_py_feats_reader(run, tmp_path):
    "`au-predict --openface`'s table through py-feat's `read_openface`: every column numeric, the rows, times and AU decisions of the full table."
    video = write_video(moving_face_frames(12, width=320, height=240, face=180, absent=range(4, 7)), tmp_path/'clip.mp4', fps=25)
    for args, name in [([], 't.csv'), (['--openface'], 'of.csv')]:
        r = au_predict(video, '--weights', run, '--out', tmp_path/name, '--no-progress', *args)
        assert r.returncode == 0, r.stderr
    full, fex = pd.read_csv(tmp_path/'t.csv'), pyfeat_read_openface(tmp_path/'of.csv')
    assert len(fex) == len(full) == 12 and fex.detector == 'OpenFace'
    cols = [c for c in fex.columns if c != 'input']
    assert cols == ['frame', 'face_id', 'timestamp', 'confidence', 'success'] + [f'AU{a:02d}_c' for a in AUS]
    assert all(pd.api.types.is_numeric_dtype(fex[c]) for c in cols), fex.dtypes.to_dict()      # no ' 1.0' strings
    np.testing.assert_allclose(fex.time.to_numpy(), np.c_[full.frame + 1, full.timestamp], atol=5e-4)   # OpenFace counts frames from 1
    assert fex.success.tolist() == full.success.tolist() == [1] * 4 + [0] * 3 + [1] * 5
    present = [c for c in fex.au_columns if c in fex.columns]                                 # py-feat's AU columns that we write
    assert present == [f'AU{a:02d}_c' for a in AUS]
    for a in AUS: assert fex[f'AU{a:02d}_c'].tolist() == full[f'AU{a}'].fillna(0).tolist(), a
