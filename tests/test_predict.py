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
