"""DISFA/BP4D preparation and the ME-GraphAU import on small copies written in the exact raw layouts (no licensed data).

Checks that labels, frames, folds and landmarks match the fixtures exactly, that an interrupted run resumes without
redoing or corrupting finished subjects, and that every bad input is either a clear error or a counted, reported skip."""
import json, os, shutil
from pathlib import Path
import cv2
import numpy as np
import pandas as pd
import pytest
import scipy.io
import au_compendium.bp4d as bp4d
import au_compendium.disfa as disfa
from au_compendium.align import detector_kinds, reference_points, similarity_from_landmarks, template5, to49, warp_points
from au_compendium.core import protocol
from au_compendium.data import load_manifest
from au_compendium.bp4d import prepare_bp4d
from au_compendium.disfa import DISFA_AUS, prepare_disfa
from au_compendium.graphau import import_graphau
from au_compendium.prepare import PrepareError, RawLayoutError
from au_compendium.prepare_cli import prepare_cli
from au_compendium.testing import BP4D_HEADER, write_bp4d_fixture, write_disfa_fixture, write_graphau_fixture, wipe_jpeg_frame

SIZE = 64
BP4D_AUS = protocol('bp4d').aus
BP4D_UNCODED = protocol('bp4d').uncoded   # 9: BP4D's code for 'not coded'


def _disfa(tmp_path, subjects=('SN001', 'SN002'), n=6, **kw):
    raw = tmp_path / 'DISFA'
    return raw, write_disfa_fixture(raw, subjects, n, **kw)


def _lmk(row):
    return np.stack([[row[f"x{i}"] for i in range(49)], [row[f"y{i}"] for i in range(49)]], 1)


def _frame_code(folder, row):
    "The frame index a DISFA fixture crop shows (its skin's green channel is 40 + 20 * k)."
    crop = cv2.imread(str(Path(folder) / row['path']))
    t = template5(SIZE)
    x, y = int((t[0, 0] + t[3, 0]) / 2), int(t[2, 1])
    return (crop[y - 1:y + 2, x - 1:x + 2, 1].mean() - 40) / 20


def _check_disfa(out, fx, frames=None):
    "Every row of the manifest in `out` matches the fixture: labels, intensities, frame, crop content, landmarks."
    df = load_manifest(out)
    for x, d in df.groupby('subject'):
        want_frames = frames[x] if frames else list(range(len(fx[x]['intensity'])))
        assert d['frame'].tolist() == want_frames, x
        assert (d['video'] == x).all()
        for r in d.to_dict('records'):
            k = r['frame']
            for n in DISFA_AUS:
                v = fx[x]['intensity'].loc[k + 1, f"AU{n}"]      # label files count frames from 1
                assert r[f"intensity_AU{n}"] == v and r[f"AU{n}"] == float(v >= 2), (x, k, n)
            assert abs(_frame_code(out, r) - k) < 0.5, (x, k)    # the crop shows frame k
            p68 = fx[x]['pts68'][k]
            np.testing.assert_allclose(_lmk(r), warp_points(to49(p68), similarity_from_landmarks(p68, SIZE)), atol=0.006)
            iod = template5(SIZE)[1, 0] - template5(SIZE)[0, 0]
            assert np.linalg.norm(reference_points(_lmk(r)) - template5(SIZE), axis=1).max() < 0.1 * iod
    return df


# ---------------------------------------------------------------- DISFA: the normal path and its layout variants

def test_disfa_matches_fixture(tmp_path):
    raw, fx = _disfa(tmp_path)
    s = prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001', 'SN002'], progress=False)
    df = _check_disfa(tmp_path / 'out', fx)
    assert len(df) == 12 and s['frames'] == 12 and s['skipped_frames'] == {}
    assert json.loads((tmp_path / 'out' / 'folds.json').read_text()) == {'parts': [['SN002', 'SN001'], [], []]}
    assert s['labelled_per_au']['AU1'] == 12
    assert s['present_per_au']['AU12'] == int(sum((fx[x]['intensity']['AU12'] >= 2).sum() for x in fx))
    assert json.loads((tmp_path / 'out' / 'summary.json').read_text())['frames_per_subject'] == {'SN001': 6, 'SN002': 6}


def test_a_subject_with_no_usable_frame_is_kept_empty_and_reported(tmp_path):
    raw, fx = _disfa(tmp_path, ('SN001', 'SN002'), 3)
    for f in (raw / 'Landmark_Points' / 'SN002' / 'tmp_frame_lm').iterdir(): f.unlink()
    s = prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001', 'SN002'], progress=False)
    assert s['frames_per_subject'] == {'SN001': 3, 'SN002': 0} and s['skipped_frames'] == {'missing landmark file': 3}
    with pytest.warns(UserWarning, match=r"have no frames in the manifest: \['SN002'\]"):   # the data layer says so too
        assert load_manifest(tmp_path / 'out')['subject'].unique().tolist() == ['SN001']


def test_disfa_threshold_is_a_parameter(tmp_path):
    raw, fx = _disfa(tmp_path, ('SN003',), 5)
    prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN003'], present_threshold=4, progress=False)
    df = load_manifest(tmp_path / 'out')
    assert df['AU4'].tolist() == [float(v >= 4) for v in fx['SN003']['intensity']['AU4']]


@pytest.mark.parametrize('base', [0, 1])
def test_disfa_l0_landmark_naming(tmp_path, base):
    raw, fx = _disfa(tmp_path, ('SN001', 'SN031'), 5, l0_naming={'SN031': base})
    s = prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001', 'SN031'], progress=False)
    _check_disfa(tmp_path / 'out', fx)
    assert f"numbered from {base}" in ' '.join(s['notes']['SN031'])


def test_disfa_video_name_case_insensitive(tmp_path):
    raw, fx = _disfa(tmp_path, ('SN001',), 4, video_name='LEFTVIDEO{subject}_Comp.AVI')
    prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)
    _check_disfa(tmp_path / 'out', fx)


def test_disfa_png_and_workers_give_the_same_manifest(tmp_path):
    raw, fx = _disfa(tmp_path, ('SN001', 'SN002', 'SN003'), 4)
    subs = ['SN001', 'SN002', 'SN003']
    prepare_disfa(raw, tmp_path / 'a', size=SIZE, subjects=subs, progress=False)
    prepare_disfa(raw, tmp_path / 'b', size=SIZE, subjects=subs, workers=2, progress=False)
    a, b = (pd.read_csv(tmp_path / x / 'manifest.csv') for x in 'ab')
    pd.testing.assert_frame_equal(a, b)
    prepare_disfa(raw, tmp_path / 'c', size=SIZE, subjects=subs, ext='.png', progress=False)
    c = load_manifest(tmp_path / 'c')
    assert c['path'].str.endswith('.png').all() and len(c) == len(a)


# ---------------------------------------------------------------- resuming

def test_interrupted_run_resumes_without_redoing_finished_subjects(tmp_path, monkeypatch):
    raw, fx = _disfa(tmp_path, ('SN001', 'SN002'), 6)
    out = tmp_path / 'out'
    calls = {'n': 0}
    real = disfa.align_face
    def flaky(*a, **k):
        calls['n'] += 1
        if calls['n'] == 9: raise KeyboardInterrupt   # in the middle of the second subject
        return real(*a, **k)
    monkeypatch.setattr(disfa, 'align_face', flaky)
    with pytest.raises(KeyboardInterrupt):
        prepare_disfa(raw, out, size=SIZE, subjects=['SN001', 'SN002'], progress=False)
    assert (out / 'SN001' / '_stats.json').is_file()          # the finished subject is complete
    assert (out / '.tmp-SN002').is_dir() and not (out / 'SN002').exists()
    assert not (out / 'manifest.csv').exists()
    before = {p: p.stat().st_mtime_ns for p in (out / 'SN001').iterdir()}
    monkeypatch.setattr(disfa, 'align_face', real)
    s = prepare_disfa(raw, out, size=SIZE, subjects=['SN001', 'SN002'], progress=False)
    assert s['subjects_resumed'] == ['SN001']
    assert {p: p.stat().st_mtime_ns for p in (out / 'SN001').iterdir()} == before   # untouched
    assert not list(out.glob('.tmp-*'))
    _check_disfa(out, fx)
    prepare_disfa(raw, tmp_path / 'fresh', size=SIZE, subjects=['SN001', 'SN002'], progress=False)
    pd.testing.assert_frame_equal(pd.read_csv(out / 'manifest.csv'), pd.read_csv(tmp_path / 'fresh' / 'manifest.csv'))


def test_rerun_with_other_settings_is_refused(tmp_path):
    raw, _ = _disfa(tmp_path, ('SN001',), 3)
    prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)
    with pytest.raises(PrepareError, match=r"size: 64 there, 96 now"):
        prepare_disfa(raw, tmp_path / 'out', size=96, subjects=['SN001'], progress=False)


# ---------------------------------------------------------------- DISFA: bad or partial input

def test_label_count_disagreeing_with_video(tmp_path):
    raw, fx = _disfa(tmp_path, ('SN001', 'SN002'), 5)
    for n in DISFA_AUS:
        with open(raw / 'ActionUnit_Labels' / 'SN002' / f"SN002_au{n}.txt", 'a') as f: f.write("6,3\n")
    with pytest.raises(PrepareError) as e:
        prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001', 'SN002'], progress=False)
    assert set(e.value.failed) == {'SN002'} and 'cover 6 frames (1-6) but LeftVideoSN002_comp.avi has 5' in e.value.failed['SN002']
    assert (tmp_path / 'out' / 'SN001' / '_stats.json').is_file() and not (tmp_path / 'out' / 'manifest.csv').exists()
    summary = json.loads((tmp_path / 'out' / 'summary.json').read_text())
    assert 'SN002' in summary['failed_subjects']
    s = prepare_disfa(raw, tmp_path / 'out2', size=SIZE, subjects=['SN001', 'SN002'], on_mismatch='truncate', progress=False)
    assert s['skipped_frames'] == {'label frame beyond the video': 1}
    _check_disfa(tmp_path / 'out2', fx)


def test_label_files_disagreeing_with_each_other(tmp_path):
    raw, _ = _disfa(tmp_path, ('SN001',), 4)
    f = raw / 'ActionUnit_Labels' / 'SN001' / 'SN001_au4.txt'
    f.write_text(''.join(f.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(PrepareError, match=r"SN001_au4.txt: its frames \(3, 1-3\) differ"):
        prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)


@pytest.mark.parametrize('content, message', [('1,0\n2,x\n', "line 2: expected 'frame,intensity'"),
                                              ('1,0\n2,7\n', 'line 2: DISFA intensities are 0-5, got 7'),
                                              ('1,0\n1,2\n', 'frame 1 appears twice')])
def test_malformed_label_file(tmp_path, content, message):
    raw, _ = _disfa(tmp_path, ('SN001',), 2)
    (raw / 'ActionUnit_Labels' / 'SN001' / 'SN001_au9.txt').write_text(content)
    with pytest.raises(PrepareError, match=message):
        prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)


def test_missing_au_file_and_missing_video(tmp_path):
    raw, _ = _disfa(tmp_path, ('SN001', 'SN002'), 3)
    (raw / 'ActionUnit_Labels' / 'SN001' / 'SN001_au25.txt').unlink()
    (raw / 'Videos_LeftCamera' / 'LeftVideoSN002_comp.avi').unlink()
    with pytest.raises(PrepareError) as e:
        prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001', 'SN002'], progress=False)
    assert 'SN001_au25.txt: missing AU label file' in e.value.failed['SN001']
    assert 'missing video of SN002' in e.value.failed['SN002']
    # an AU the user does not ask for may be absent
    prepare_disfa(raw, tmp_path / 'out2', size=SIZE, subjects=['SN001'], aus=(1, 2, 4, 6, 9, 12, 26), progress=False)
    assert 'AU25' not in load_manifest(tmp_path / 'out2').columns


def test_missing_and_bad_landmark_files_are_counted_skips(tmp_path):
    raw, fx = _disfa(tmp_path, ('SN001',), 6)
    lm = raw / 'Landmark_Points' / 'SN001' / 'tmp_frame_lm'
    (lm / 'SN001_0002_lm.mat').unlink()
    scipy.io.savemat(str(lm / 'SN001_0004_lm.mat'), {'pts': np.zeros((49, 2))})
    s = prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)
    assert s['skipped_frames'] == {'missing landmark file': 1, 'bad landmark file': 1}
    assert 'expected (66, 2)' in s['skip_examples']['bad landmark file']
    _check_disfa(tmp_path / 'out', fx, frames={'SN001': [0, 1, 3, 5]})


def test_unreadable_frames_are_counted_never_shifted(tmp_path):
    raw, fx = _disfa(tmp_path, ('SN001',), 8)
    v = raw / 'Videos_LeftCamera' / 'LeftVideoSN001_comp.avi'
    data = v.read_bytes()
    ends = [i + 2 for i in range(len(data) - 1) if data[i:i + 2] == b'\xff\xd9']   # end of each MJPG frame
    assert len(ends) == 8
    v.write_bytes(data[:ends[4]])   # the file ends after frame 4: frames 5-7 are lost (the header still says 8)
    s = prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)
    assert s['skipped_frames'] == {'unreadable video frame': 3}
    ex = s['skip_examples']['unreadable video frame']
    assert 'frame index 5-7 of 8 not decoded' in ex and '3 frame(s) at its 20 fps are missing at the end' in ex, ex
    _check_disfa(tmp_path / 'out', fx, frames={'SN001': [0, 1, 2, 3, 4]})   # the decoded frames keep their own labels


def test_folders_outside_the_protocol_and_absent_subjects(tmp_path):
    raw, _ = _disfa(tmp_path, ('SN001',), 3)
    (raw / 'ActionUnit_Labels' / 'SN099').mkdir()
    s = prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)
    assert s['skipped_subjects'] == {'SN099': 'not a subject of the disfa protocol'}
    with pytest.raises(ValueError, match=r"\['SN099'\] are not in the disfa protocol"):
        prepare_disfa(raw, tmp_path / 'out', subjects=['SN099'], progress=False)
    with pytest.raises(PrepareError) as e:   # all 27 asked for, 26 absent: no silently incomplete manifest
        prepare_disfa(raw, tmp_path / 'out', size=SIZE, progress=False)
    assert len(e.value.failed) == 26 and e.value.failed['SN002'].startswith('no data for SN002')
    assert str(e.value).endswith('--subjects SN001')   # the message says how to prepare what the copy holds
    with pytest.raises(RawLayoutError, match='ActionUnit_Labels: missing'):
        prepare_disfa(tmp_path / 'nowhere', tmp_path / 'out3', progress=False)


# ---------------------------------------------------------------- BP4D

needs_detector = pytest.mark.skipif(not detector_kinds(), reason='no face detector installed')


def _coded(fx):
    cols = [f"AU{n}" for n in BP4D_AUS]
    return {(x, t): d[d[cols].ne(BP4D_UNCODED).any(axis=1)] for x, ts in fx.items() for t, d in ts.items()}


@needs_detector
def test_bp4d_matches_fixture(tmp_path):
    fx = write_bp4d_fixture(tmp_path / 'BP4D', padding={'M007': 5, 'F001': 0})
    s = prepare_bp4d(tmp_path / 'BP4D', tmp_path / 'out', size=SIZE, subjects=['F001', 'M007'], progress=False)
    df = load_manifest(tmp_path / 'out')
    coded = _coded(fx)
    assert len(df) == sum(len(d) for d in coded.values()) == s['frames']
    assert s['skipped_frames'] == {'not coded (all 9)': 1}
    for (x, t), d in coded.items():
        got = df[df['video'] == f"{x}_{t}"].set_index('frame')
        assert list(got.index) == list(d['frame'])
        for n in BP4D_AUS:
            raw = d.set_index('frame')[f"AU{n}"]
            assert got[f"AU{n}"].isna().tolist() == (raw == BP4D_UNCODED).tolist()    # 9 is unlabelled, never 0/1
            assert (got[f"AU{n}"].dropna() == raw[raw != BP4D_UNCODED]).all()
    # each crop is the crop of its own frame: re-detect and re-align the source image
    det = bp4d.FaceDetector(s['settings']['detector'])
    for r in df.sample(4, random_state=0).to_dict('records'):
        x, t = r['video'].split('_')
        src = next(p for p in (tmp_path / 'BP4D' / 'Sequences' / x / t).iterdir() if int(p.stem) == r['frame'])
        img = cv2.imread(str(src))
        f = det.detect(np.ascontiguousarray(img[..., ::-1]))[0]
        crop = bp4d.align_face(img, f.pts68, SIZE)[0] if f.pts68 is not None else bp4d.align_box(img, f.box, SIZE)[0]
        got = cv2.imread(str(tmp_path / 'out' / r['path']))
        assert np.abs(got.astype(int) - crop.astype(int)).mean() < 3
    assert json.loads((tmp_path / 'out' / 'folds.json').read_text()) == {'parts': [['F001', 'M007'], [], []]}


@needs_detector
def test_bp4d_bad_frames_are_counted(tmp_path):
    frames = {'F002': {'T1': [1, 2, 3, 4, 5, 6]}}
    write_bp4d_fixture(tmp_path / 'BP4D', frames, uncoded=())
    seq = tmp_path / 'BP4D' / 'Sequences' / 'F002' / 'T1'
    (seq / '2.jpg').unlink()                                  # missing image
    (seq / '3.jpg').write_bytes(b'not a jpeg')                # unreadable image
    cv2.imwrite(str(seq / '5.jpg'), np.full((400, 320, 3), 128, np.uint8))   # no face, right after a detection
    s = prepare_bp4d(tmp_path / 'BP4D', tmp_path / 'out', size=SIZE, subjects=['F002'], progress=False)
    assert s['skipped_frames'] == {'missing image': 1, 'unreadable image': 1, 'no face detected': 1}
    assert load_manifest(tmp_path / 'out')['frame'].tolist() == [1, 4, 6]
    s = prepare_bp4d(tmp_path / 'BP4D', tmp_path / 'out2', size=SIZE, subjects=['F002'], no_face='previous', progress=False)
    assert s['skipped_frames']['no face: previous box used (kept)'] == 1
    assert load_manifest(tmp_path / 'out2')['frame'].tolist() == [1, 4, 5, 6]


@needs_detector
def test_bp4d_with_the_haar_fallback(tmp_path):
    write_bp4d_fixture(tmp_path / 'BP4D', {'F003': {'T4': [20, 21]}}, uncoded=())
    s = prepare_bp4d(tmp_path / 'BP4D', tmp_path / 'out', size=SIZE, subjects=['F003'], detector='haar', progress=False)
    df = load_manifest(tmp_path / 'out')
    assert len(df) == 2 and df['x0'].isna().all() and s['settings']['detector'] == 'haar'


@pytest.mark.parametrize('header, message', [('frame,AU1,AU2', "line 1: expected the BP4D header '0,1,2,...,99'"),
                                             (','.join(str(i) for i in range(1, 101)), 'expected the BP4D header'),
                                             (','.join(str(i) for i in range(20)), r'no column for AU \[23, 24\]')])
def test_bp4d_csv_without_the_expected_header(tmp_path, header, message):
    write_bp4d_fixture(tmp_path / 'BP4D', {'F001': {'T1': [1, 2]}}, face=np.full((60, 60, 3), 100, np.uint8))
    f = tmp_path / 'BP4D' / 'AUCoding' / 'AU_OCC' / 'F001_T1.csv'
    lines = f.read_text().splitlines()
    f.write_text('\n'.join([header] + lines[1:]) + '\n')
    with pytest.raises(RawLayoutError, match=message):
        bp4d.read_bp4d_occ(f, BP4D_AUS)


def test_bp4d_bad_values_and_file_names(tmp_path):
    write_bp4d_fixture(tmp_path / 'BP4D', {'F001': {'T1': [1, 2]}}, face=np.full((60, 60, 3), 100, np.uint8))
    f = tmp_path / 'BP4D' / 'AUCoding' / 'AU_OCC' / 'F001_T1.csv'
    rows = [l.split(',') for l in f.read_text().splitlines()]
    rows[2][12] = '2'
    f.write_text('\n'.join(','.join(r) for r in rows) + '\n')
    with pytest.raises(RawLayoutError, match=r"F001_T1.csv, line 3, column 12 \(AU12\): values are 0, 1 or 9 \(not coded\), got '2'"):
        bp4d.read_bp4d_occ(f, BP4D_AUS)
    rows[2][12] = '1'; rows[2] = rows[2][:50]
    f.write_text('\n'.join(','.join(r) for r in rows) + '\n')
    with pytest.raises(RawLayoutError, match='F001_T1.csv, line 3: 50 fields, but the header has 100'):
        bp4d.read_bp4d_occ(f, BP4D_AUS)
    (f.parent / 'notes.csv').write_text('x\n')
    with pytest.raises(RawLayoutError, match='expected a file named <subject>_<task>.csv'):
        bp4d.bp4d_tasks(tmp_path / 'BP4D')


@needs_detector
def test_bp4d_header_error_fails_the_subject(tmp_path):
    write_bp4d_fixture(tmp_path / 'BP4D', {'F001': {'T1': [1, 2]}, 'M007': {'T1': [3]}}, uncoded=())
    (tmp_path / 'BP4D' / 'AUCoding' / 'AU_OCC' / 'F001_T1.csv').write_text('frame,AU1\n1,0\n')
    with pytest.raises(PrepareError) as e:
        prepare_bp4d(tmp_path / 'BP4D', tmp_path / 'out', size=SIZE, subjects=['F001', 'M007'], progress=False)
    assert list(e.value.failed) == ['F001'] and 'expected the BP4D header' in e.value.failed['F001']
    assert (tmp_path / 'out' / 'M007' / '_rows.csv').is_file() and not (tmp_path / 'out' / 'manifest.csv').exists()


def test_bp4d_zero_padding_is_found_and_duplicates_refused(tmp_path):
    d = tmp_path / 'seq'; d.mkdir()
    for name in ('0007.jpg', '8.jpg', '00009.png', 'thumbs.db', 'a12.jpg'): (d / name).write_bytes(b'')
    assert {k: p.name for k, p in bp4d.index_frames(d).items()} == {7: '0007.jpg', 8: '8.jpg', 9: '00009.png'}
    (d / '007.jpg').write_bytes(b'')
    with pytest.raises(RawLayoutError, match='frame 7 has two images'):
        bp4d.index_frames(d)


# ---------------------------------------------------------------- ME-GraphAU import

@pytest.mark.parametrize('dataset', ['disfa', 'bp4d'])
def test_import_graphau(tmp_path, dataset):
    fx = write_graphau_fixture(tmp_path / 'g', dataset, uncoded_rate=0.2 if dataset == 'bp4d' else 0.0)
    (tmp_path / 'g' / 'img' / fx['src'].iloc[-1]).unlink()       # one listed image is absent
    s = import_graphau(tmp_path / 'g', tmp_path / 'out', progress=False)
    df = load_manifest(tmp_path / 'out')
    assert s['dataset'] == dataset and s['skipped_frames'] == {'missing image': 1} and len(df) == len(fx) - 1
    m = df.merge(fx, on=['subject', 'frame'], suffixes=('', '_fx'))
    assert len(m) == len(df)
    for c in protocol(dataset).au_codes:
        want = m[c + '_fx'].replace(9, np.nan).astype(np.float32)
        assert m[c].isna().tolist() == want.isna().tolist() and (m[c].dropna() == want.dropna()).all()
    parts = json.loads((tmp_path / 'out' / 'folds.json').read_text())['parts']
    assert parts == [[p[0]] for p in protocol(dataset).parts]
    assert df['path'].iloc[0].startswith('../g/img/')
    if dataset == 'bp4d': assert set(df['video']) == {f"{p[0]}_T1" for p in protocol('bp4d').parts}


def test_import_graphau_bad_lists(tmp_path):
    write_graphau_fixture(tmp_path / 'g')
    lst = tmp_path / 'g' / 'list'
    f = lst / 'DISFA_train_label_fold1.txt'
    rows = f.read_text().splitlines(); rows[0] = ' '.join('1' if v == '0' else '0' for v in rows[0].split())
    f.write_text('\n'.join(rows) + '\n')
    with pytest.raises(RawLayoutError, match='differs from its test-list label'):
        import_graphau(tmp_path / 'g', progress=False)
    f.write_text('0 1 0\n')
    with pytest.raises(RawLayoutError, match='3 values, expected 8'):
        import_graphau(tmp_path / 'g', progress=False)
    (lst / 'DISFA_test_img_path_fold2.txt').unlink()
    with pytest.raises(RawLayoutError, match='DISFA_test_img_path_fold2.txt'):
        import_graphau(tmp_path / 'g', progress=False)
    with pytest.raises(RawLayoutError, match='expected the ME-GraphAU layout'):
        import_graphau(tmp_path, progress=False)


# ---------------------------------------------------------------- the command

def test_cli_exit_status(tmp_path, capsys):
    raw, fx = _disfa(tmp_path, ('SN001',), 3)
    assert prepare_cli(['disfa', str(raw), str(tmp_path / 'out'), '--size', str(SIZE), '--subjects', 'SN001', '--quiet']) == 0
    _check_disfa(tmp_path / 'out', fx)
    (raw / 'Videos_LeftCamera' / 'LeftVideoSN001_comp.avi').unlink()
    assert prepare_cli(['disfa', str(raw), str(tmp_path / 'out2'), '--subjects', 'SN001', '--quiet']) == 1
    assert 'missing video of SN001' in capsys.readouterr().err
    write_graphau_fixture(tmp_path / 'g')
    assert prepare_cli(['import-graphau', str(tmp_path / 'g'), '--quiet']) == 0
    assert (tmp_path / 'g' / 'manifest.csv').is_file()
    with pytest.raises(SystemExit) as e: prepare_cli(['ckplus', 'a', 'b'])
    assert e.value.code == 2


# ---------------------------------------------------------------- issue 14: real-world inputs

from au_compendium.media import set_avi_frame_count


def test_disfa_video_whose_header_undercounts(tmp_path):
    "Kind 1: an AVI whose header announces 6 frames while 8 decode: all 8 labelled frames prepared, with either on_mismatch."
    raw, fx = _disfa(tmp_path, ('SN001',), 8)
    v = raw / 'Videos_LeftCamera' / 'LeftVideoSN001_comp.avi'
    set_avi_frame_count(v, v, 6)
    assert cv2.VideoCapture(str(v)).get(cv2.CAP_PROP_FRAME_COUNT) == 6
    for mode in ('error', 'truncate'):
        s = prepare_disfa(raw, tmp_path / mode, size=SIZE, subjects=['SN001'], on_mismatch=mode, progress=False)
        assert s['frames'] == 8 and s['skipped_frames'] == {}, s
        _check_disfa(tmp_path / mode, fx)


def test_disfa_damaged_frame_is_counted_and_the_rest_keep_their_labels(tmp_path):
    "Kind 1: a frame whose data is wiped is skipped and counted; the frames after it still get their own labels."
    raw, fx = _disfa(tmp_path, ('SN001',), 8)
    v = raw / 'Videos_LeftCamera' / 'LeftVideoSN001_comp.avi'
    wipe_jpeg_frame(v, v, 3)
    s = prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)
    assert s['skipped_frames'] == {'unreadable video frame': 1}
    assert 'frame index 3 of 8 not decoded' in s['skip_examples']['unreadable video frame'], s['skip_examples']
    _check_disfa(tmp_path / 'out', fx, frames={'SN001': [0, 1, 2, 4, 5, 6, 7]})


@pytest.mark.parametrize('encoding, newline, sep', [('utf-8-sig', '\r\n', ','), ('utf-8-sig', '\r', ';'), ('utf-16', '\r\n', '\t')])
def test_disfa_label_files_resaved_by_a_spreadsheet(tmp_path, encoding, newline, sep):
    "Kind 6: label files with a byte-order mark, CRLF or CR line ends, ';' or tab separators are read as the plain files."
    raw, fx = _disfa(tmp_path, ('SN001',), 4)
    for f in (raw / 'ActionUnit_Labels' / 'SN001').iterdir():
        f.write_bytes((newline.join(l.replace(',', sep) for l in f.read_text().splitlines()) + newline).encode(encoding))
    assert (raw / 'ActionUnit_Labels' / 'SN001' / 'SN001_au1.txt').read_bytes()[:2] in (b'\xef\xbb', b'\xff\xfe')
    prepare_disfa(raw, tmp_path / 'out', size=SIZE, subjects=['SN001'], progress=False)
    _check_disfa(tmp_path / 'out', fx)


@needs_detector
def test_bp4d_label_files_resaved_by_a_spreadsheet_and_mac_metadata(tmp_path):
    "Kinds 6 and 4: BP4D codes re-saved with a byte-order mark and CRLF, beside macOS `._` twins and .DS_Store: as the plain files."
    frames = {'F001': {'T1': [1, 2, 3]}}
    write_bp4d_fixture(tmp_path / 'plain', frames, uncoded=())
    write_bp4d_fixture(tmp_path / 'resaved', frames, uncoded=())
    occ = tmp_path / 'resaved' / 'AUCoding' / 'AU_OCC'
    f = occ / 'F001_T1.csv'
    f.write_bytes(b'\xef\xbb\xbf' + '\r\n'.join(f.read_text().splitlines()).encode() + b'\r\n')
    (occ / '._F001_T1.csv').write_bytes(b'\x00\x05\x16\x07\x00\x02\x00\x00' + bytes(4088))
    (occ / '.DS_Store').write_bytes(bytes(2048))
    (tmp_path / 'resaved' / 'Sequences' / 'F001' / 'T1' / '._1.jpg').write_bytes(bytes(4096))
    a = prepare_bp4d(tmp_path / 'plain', tmp_path / 'a', size=SIZE, subjects=['F001'], progress=False)
    b = prepare_bp4d(tmp_path / 'resaved', tmp_path / 'b', size=SIZE, subjects=['F001'], progress=False)
    pd.testing.assert_frame_equal(load_manifest(tmp_path / 'a'), load_manifest(tmp_path / 'b'))
    assert a['frames'] == b['frames'] == 3
    assert sorted(Path(p).name for p in b['hidden_skipped']) == ['.DS_Store', '._F001_T1.csv'] and a['hidden_skipped'] == []


@pytest.mark.parametrize('encoding, newline, sep', [('utf-8-sig', '\r\n', ','), ('utf-8', '\r', ';'), ('utf-16', '\r\n', '\t'), ('utf-32', '\n', ',')])
def test_bp4d_codes_resaved_by_a_spreadsheet_read_as_the_plain_file(tmp_path, encoding, newline, sep):
    "Kind 6: BP4D occurrence codes with a byte-order mark, other line ends or separators give the plain file's table."
    rows = [BP4D_HEADER] + [','.join([str(100 + k)] + [str((i + k) % 2) for i in range(1, 100)]) for k in range(3)]
    plain = tmp_path / 'F001_T1.csv'
    plain.write_text('\n'.join(rows) + '\n')
    odd = tmp_path / 'odd.csv'
    odd.write_bytes((newline.join(r.replace(',', sep) for r in rows) + newline).encode(encoding))
    want = bp4d.read_bp4d_occ(plain, BP4D_AUS)
    assert len(want) == 3 and want['frame'].tolist() == [100, 101, 102]
    pd.testing.assert_frame_equal(bp4d.read_bp4d_occ(odd, BP4D_AUS), want)
