"""au_compendium.predict beyond its notebook: the command as a real process (exit status, messages), videos (two faces,
no frames, arrays), the ONNX engine against PyTorch, and AU decisions on SynthFACS frames."""
import json, math, subprocess, sys
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
from au_compendium.predict import (WEIGHTS_FILE, InputError, Predictor, moving_face_frames, predict, predict_cli, write_video)

AUS = [1, 2, 4]
BIAS = [8.0, -8.0, 0.0]   # AU1 always present, AU2 always absent, AU4 at p = 0.5

def known_model(bias=BIAS, size=64, **cfg_kw):
    "A detection path whose logits are `bias` whatever the image (classifier weights zeroed)."
    cfg = Config(image_size=size, **cfg_kw)
    m = DetectionPath.from_config(cfg, len(bias), adjacency=torch.eye(len(bias)) if cfg.use_gcn else None)
    with torch.no_grad():
        m.classifier.weight.zero_(); m.classifier.bias.copy_(torch.tensor(bias))
    return m.eval(), cfg

@pytest.fixture(scope='module')
def run(tmp_path_factory) -> Path:
    "A run folder holding a known-weights demo detection path."
    d = tmp_path_factory.mktemp('run')
    m, cfg = known_model()
    save_detection_path(d/WEIGHTS_FILE, m, cfg, AUS, thresholds=[0.5, 0.5, 0.6], meta={'demo': True})
    return d

def au_predict(*args, cwd=None):
    "Run the command in a fresh process, as the console script does."
    return subprocess.run([sys.executable, '-c', 'from au_compendium.predict import predict_cli; predict_cli()', *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)

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
    code, err = cli(capsys, tmp_path/'x.png', '--out', tmp_path/'t.csv')
    assert code == 2 and '--weights' in err

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
    cfg = Config(image_size=64)
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
    m = DetectionPath.from_config(Config(image_size=64), 4, adjacency=torch.eye(4)).eval()
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
    fast = mp4_faststart(write_video(moving_face_frames(30, width=320, height=240, face=200), tmp_path/'a.mp4'), tmp_path/'fast.mp4')
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
    data = bytearray(write_video(frames, tmp_path/'v.avi').read_bytes())
    soi = [i for i in range(len(data) - 1) if data[i:i + 2] == b'\xff\xd8']
    data[soi[5]:soi[5] + 400] = bytes(400)
    (tmp_path/'bad.avi').write_bytes(bytes(data))
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
