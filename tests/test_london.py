"""The London set end to end without a network: `au-prepare london` on the committed fixture (6 photographs of 3 people,
downscaled; tests/fixtures/london/README.md gives their attribution), and `au-predict` with its default, shipped weights.

The fixture's people (001, 004, 008) are among the 102 the shipped weights were trained on: the smiling-above-neutral
check below shows that the file, its loading and the crops at prediction time work together, not how well the weights
generalise (reports/london.md has the held-out numbers)."""
import contextlib, io, json, shutil
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from au_compendium.data import load_manifest
from au_compendium.prepare_cli import prepare_cli
from au_compendium.predict import DEFAULT_WEIGHTS, predict_cli

FIX = Path(__file__).resolve().parent / 'fixtures' / 'london'
PEOPLE = ['001', '004', '008']

@pytest.fixture
def src(tmp_path):
    "The fixture with the macOS metadata files the public copy carries beside its photographs."
    d = tmp_path / 'london'; shutil.copytree(FIX, d)
    for junk in ('neutral_front/._001_03.jpg', 'neutral_front/._001_03.tem', 'smiling_front/._.DS_Store'):
        (d / junk).write_bytes(b'\x00\x05\x16\x07\x00\x02\x00\x00')
    return d

def run(fn, argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: code = fn(argv)
        except SystemExit as e: code = e.code
    return code or 0, out.getvalue() + err.getvalue()

def test_au_prepare_london_weak_labels_split_and_attribution(src, tmp_path):
    code, text = run(prepare_cli, ['london', str(src), str(tmp_path / 'out'), '--subjects', *PEOPLE, '--quiet'])
    assert code == 0, text
    m = load_manifest(tmp_path / 'out')
    assert len(m) == 6 and sorted(m['subject'].unique()) == PEOPLE
    smile, neutral = m[m['frame'] == 8], m[m['frame'] == 3]
    assert (smile['AU12'] == 1).all() and smile[['AU6', 'AU25']].isna().all().all()        # a smile does not say
    assert (neutral[[c for c in m.columns if c.startswith('AU')]] == 0).all().all()
    summary = json.loads((tmp_path / 'out' / 'summary.json').read_text())
    assert summary['hidden_skipped'] == ['neutral_front/._001_03.jpg', 'neutral_front/._001_03.tem', 'smiling_front/._.DS_Store']
    about = json.loads((tmp_path / 'out' / 'dataset.json').read_text())
    assert about['attribution']['doi'] == '10.6084/m9.figshare.5047666' and about['attribution']['licence'] == 'CC BY 4.0'
    folds = json.loads((tmp_path / 'out' / 'folds.json').read_text())['parts']
    assert [len(p) for p in folds] == [1, 1, 1]                                             # one fixture person per part

def test_bad_london_input_names_the_file(src, tmp_path):
    (src / 'london_info.csv').write_text('face_id,face_age,face_gender,face_eth\n001,twenty,female,white\n')
    code, text = run(prepare_cli, ['london', str(src), str(tmp_path / 'out'), '--subjects', *PEOPLE, '--quiet'])
    assert code == 1 and 'london_info.csv, line 2, column face_age' in text, text
    shutil.rmtree(src / 'smiling_front')
    code, text = run(prepare_cli, ['london', str(src), str(tmp_path / 'out2'), '--quiet'])
    assert code == 1 and 'smiling_front: missing folder' in text, text

def test_au_predict_without_weights_uses_the_shipped_real_face_weights(tmp_path, monkeypatch):
    assert DEFAULT_WEIGHTS.is_file() and DEFAULT_WEIGHTS.stat().st_size < 2_000_000
    monkeypatch.chdir(tmp_path)
    photos = [str(FIX / f) for p in PEOPLE for f in (f'neutral_front/{p}_03.jpg', f'smiling_front/{p}_08.jpg')]
    code, text = run(predict_cli, [*photos, '--no-progress'])                              # no --weights, no --out
    assert code == 0, text
    assert 'trained on DeBruine L, Jones B. Face Research Lab London Set' in text and 'not predicted' in text, text
    t = pd.read_csv(tmp_path / '001_03.au.csv')
    assert t['success'].eq(1).all() and len(t) == 6
    t['person'] = t['source'].map(lambda s: Path(s).stem[:3]); t['smiling'] = t['source'].str.endswith('_08.jpg')
    p = t.pivot_table(index='person', columns='smiling', values='AU12_prob')
    assert (p[True] > p[False]).all(), p                                                     # each person's smile above their neutral face
    others = [c for c in t.columns if c.endswith('_prob') and c != 'AU12_prob']
    assert others and t[others].isna().all().all() and t[[c[:-5] for c in others]].isna().all().all()   # not predicted, never a guess
    meta = json.loads((tmp_path / '001_03.au.json').read_text())
    assert meta['predicted_aus'] == ['AU12'] and 'AU6' in meta['not_predicted'] and meta['demo'] is False
    assert meta['attribution']['doi'] == '10.6084/m9.figshare.5047666' and 'AU12' in meta['scope']

def test_openface_layout_keeps_only_the_predicted_aus(tmp_path):
    code, text = run(predict_cli, [str(FIX / 'smiling_front' / '004_08.jpg'), '--out', str(tmp_path / 'o.csv'), '--openface', '--no-progress'])
    assert code == 0, text
    of = pd.read_csv(tmp_path / 'o.csv', skipinitialspace=True)
    assert [c for c in of.columns if c.startswith('AU')] == ['AU12_c'] and of['success'].tolist() == [1]
