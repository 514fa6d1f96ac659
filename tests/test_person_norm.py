"""Person normalisation has one read (`person_norm.read_centred`): the detection path given whole videos, the run evaluation
(`runs.predict_frames`, what training's validation and test call) and au-predict (`predict.Predictor`, `predict.predict`) must
give the same numbers on the same frames."""
from pathlib import Path
import cv2
import numpy as np
import pandas as pd
import pytest
import torch
from au_compendium.core import Config
from au_compendium.data import FrameDataset, load_manifest, to_input, write_manifest
from au_compendium.models import MethodModel
from au_compendium.person_norm import MIN_TRACK_FRAMES
from au_compendium.predict import Predictor, predict, read_image
from au_compendium.runs import eval_loader, predict_frames

SIZE, AUS = 32, [1, 12]
VIDEOS = {'S0_v0': MIN_TRACK_FRAMES + 2, 'S1_v0': MIN_TRACK_FRAMES}   # two whole videos, each long enough to be its own face track

@pytest.fixture(scope='module')
def frames(tmp_path_factory):
    "A manifest folder of noise frames (two subjects, one video each) at the network's input size, and the frame table."
    root, rows, rng = tmp_path_factory.mktemp('pn'), [], np.random.default_rng(0)
    for v, n in VIDEOS.items():
        base = rng.integers(0, 256, (SIZE, SIZE, 3))                        # each video its own look, each frame its own noise
        for t in range(n):
            p = f'img/{v}_{t:03d}.png'; (root/p).parent.mkdir(parents=True, exist_ok=True)
            img = np.clip(base + rng.normal(0, 40, base.shape), 0, 255).astype(np.uint8)
            cv2.imwrite(str(root/p), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            rows.append(dict(path=p, subject=v.split('_')[0], video=v, frame=t, AU1=float(t % 2), AU12=float(t % 3 == 0)))
    write_manifest(pd.DataFrame(rows), root)
    return load_manifest(root)

def _crops(df) -> dict:
    "Each video's frames as uint8 RGB [N, S, S, 3], in frame order."
    return {v: np.stack([read_image(Path(df.attrs['root'])/p) for p in df.path[df.video == v]]) for v in VIDEOS}

@pytest.fixture(scope='module')
def model(frames):
    "A tiny untrained person_norm MethodModel whose embeddings vary with the frame: batch norm statistics taken on the frames (an untrained net's are flat), classifier weights drawn."
    cfg = Config(image_size=SIZE, embed_dim=16, gcn_hidden=16, heatmap_size=8, gen_downsample=2, num_workers=0, person_norm=True)
    torch.manual_seed(0)
    m = MethodModel(cfg, len(AUS), torch.eye(len(AUS)), videos=list(VIDEOS))
    for bn in m.detection.modules():
        if isinstance(bn, torch.nn.BatchNorm2d): bn.momentum = None            # a plain average of what it sees
    with torch.no_grad():
        for c in _crops(frames).values(): m.detection.encode(to_input(c))
        m.detection.classifier.weight.normal_()
    return m.eval()

def test_training_evaluation_and_au_predict_read_the_same_frames_alike(frames, model):
    df, det, cpu = frames, model.detection, torch.device('cpu')
    ds = FrameDataset(df, sorted(df.subject.unique()), AUS, image_size=SIZE)
    ev = predict_frames(model, eval_loader(ds, Config(num_workers=0), cpu), cpu)   # runs evaluation (train's validation and test)
    order = [np.flatnonzero(ev['video'] == v) for v in VIDEOS]
    crops = _crops(df)
    with torch.no_grad():   # the detection path given the whole videos
        fwd = {v: torch.sigmoid(det(to_input(c), [v] * len(c))).numpy() for v, c in crops.items()}
        raw = {v: torch.sigmoid(det.head(*det.encode(to_input(c)))).numpy() for v, c in crops.items()}   # not centred
    pred = Predictor(det, AUS, device='cpu', reference=model.video_means.population())   # au-predict (moves det to channels-last)
    served = {v: pred(c, [v] * len(c)) for v, c in crops.items()}
    table = predict(list(crops.values()), pred, aligned=True, progress=False)        # each stack one source, one face track
    assert set(table.centred_on) == {'track'}
    for (v, c), rows in zip(crops.items(), order):
        assert np.allclose(ev['probs'][rows], fwd[v], atol=1e-5, rtol=0), v
        assert np.allclose(served[v], fwd[v], atol=1e-5, rtol=0), v
        got = table[table.source == table.source.unique()[list(VIDEOS).index(v)]][[f'AU{a}_prob' for a in AUS]].to_numpy()
        assert np.allclose(got, fwd[v], atol=1e-5, rtol=0), v
        assert not np.allclose(raw[v], fwd[v], atol=1e-3), v   # the agreement is about the centred read: without centring it differs
