"""Benchmarks of au_compendium.predict: video frames per second end to end (decode, detect/track, align, network) against
the detection path's model-only throughput, measured side by side in one run, with the PyTorch and the ONNX Runtime engines,
with landmarks placed afresh on every frame (the default) and carried by the flow between detections (`track_landmarks`),
and with an annotated copy of the video written (`annotate=`, as `au-predict --annotate DIR`: a second pass that decodes the
video again, draws every frame and encodes it as MP4) beside the default, which does not annotate.

Model-only throughput is measured twice, the network called from the main thread and from a worker thread as `predict`
runs it (on this shared machine the worker thread was repeatedly faster); the ratio is taken against the faster."""
import os, tempfile
from pathlib import Path
import numpy as np
import torch
from au_compendium.bench import compare
from au_compendium.core import Config
from au_compendium.models import DetectionPath
from au_compendium.align import FaceDetector
from au_compendium.track import FaceTracker
from au_compendium.predict import BatchRunner, Predictor, face_crop, iter_frames, predict, write_video, Source
from au_compendium.testing import moving_face_frames

N_FRAMES, BATCH, SIZE = 120, 32, 224

def _detection_path(n_aus: int = 8) -> DetectionPath:
    "A ResNet-18 detection path at 224 with random weights (timing only)."
    torch.manual_seed(0)
    # person_norm off: the engines are compared on the network alone (ONNX runs no person-normalised head; with it, torch runs
    # the same network per batch and the head once per input, see 17_predict)
    return DetectionPath.from_config(Config(backbone='resnet18', image_size=SIZE, person_norm=False), n_aus, adjacency=torch.eye(n_aus)).eval()

def _engines() -> dict:
    model, aus = _detection_path(), [1, 2, 4, 6, 9, 12, 25, 26]
    out = {'torch': Predictor(model, aus, device='cpu')}
    try: out['onnx'] = Predictor(model, aus, device='cpu', engine='onnx')
    except ImportError: pass
    return out

def _in_thread(p: Predictor, crops: np.ndarray):
    "The network alone, in batches, in a worker thread (predict's BatchRunner without any face work)."
    r = BatchRunner(p, threaded=True)
    for i in range(0, len(crops), BATCH): r.submit(np.arange(i, min(i + BATCH, len(crops))), crops[i:i + BATCH])
    return r.close()

def bench_video_end_to_end():
    "640x360 single-face MPEG-4 video, ResNet-18 detection path at 224: fps end to end vs the model alone, per engine."
    engines, load_before = _engines(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as d:
        video = write_video(moving_face_frames(N_FRAMES, width=640, height=360), Path(d)/'face.mp4')
        crops = np.random.default_rng(0).integers(0, 256, (N_FRAMES, SIZE, SIZE, 3), dtype=np.uint8)
        fns = {}
        for name, p in engines.items():   # both calls handle N_FRAMES faces in the same batches, so they last alike
            fns[f'{name}_end_to_end'] = lambda p=p: predict(video, p, batch_size=BATCH, detect_every=10, progress=False)
            fns[f'{name}_end_to_end_tracked'] = lambda p=p: predict(video, p, batch_size=BATCH, detect_every=10, progress=False,
                                                                    track_landmarks=True)   # landmarks by flow between detections
            fns[f'{name}_end_to_end_annotated'] = lambda p=p, n=name: predict(video, p, batch_size=BATCH, detect_every=10, progress=False,
                                                                             annotate=Path(d)/f'annotated-{n}')   # + the annotated MP4
            fns[f'{name}_model_only'] = lambda p=p: [p(crops[i:i + BATCH]) for i in range(0, N_FRAMES, BATCH)]
            fns[f'{name}_model_only_thread'] = lambda p=p: _in_thread(p, crops)   # as predict runs it: in a worker thread
        frames = [f for _, _, f in iter_frames(Source('v', 'video', path=video))]
        tracker = FaceTracker(FaceDetector(), detect_every=10)
        def faces_only():
            tracker.reset()
            for f in frames:
                for t in tracker(f): face_crop(f, t.box, t.pts, SIZE)
        fns['faces_only'] = faces_only
        import torchvision                                 # the ceiling: a bare torchvision ResNet-18, same batches
        bare, x = torchvision.models.resnet18().eval(), torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 127.5 - 1
        @torch.inference_mode()
        def bare_resnet18(): [bare(x[i:i + BATCH]) for i in range(0, N_FRAMES, BATCH)]
        fns['bare_resnet18'] = bare_resnet18
        t = compare(fns, repeat=3, warmup=1)
        rows = predict(video, engines['torch'], batch_size=BATCH, detect_every=10, progress=False, annotate=Path(d)/'check')
        copy = rows.attrs['annotated'][str(video)]
    # other processes on the machine distort both numbers and, since prediction runs more threads than the model alone, the ratio too
    out = dict(frames=N_FRAMES, batch_size=BATCH, detect_every=10, torch_threads=torch.get_num_threads(),
               load_avg_before=load_before, load_avg_after=os.getloadavg()[0],
               faces_found=int(rows.success.sum()), annotated_frames=copy['frames'], faces_only_fps=N_FRAMES / t['faces_only'],
               bare_resnet18_fps=N_FRAMES / t['bare_resnet18'], target_end_to_end_fps=40.0)
    for name in engines:
        e2e, main, thread = (N_FRAMES / t[f'{name}_{k}'] for k in ('end_to_end', 'model_only', 'model_only_thread'))
        out[f'{name}_end_to_end_tracked_fps'] = N_FRAMES / t[f'{name}_end_to_end_tracked']
        out[f'{name}_end_to_end_annotated_fps'] = N_FRAMES / t[f'{name}_end_to_end_annotated']
        out[f'{name}_annotated_over_default'] = t[f'{name}_end_to_end'] / t[f'{name}_end_to_end_annotated']
        out[f'{name}_annotate_pass_ms_per_frame'] = 1000 * (t[f'{name}_end_to_end_annotated'] - t[f'{name}_end_to_end']) / N_FRAMES
        out.update({f'{name}_end_to_end_fps': e2e, f'{name}_model_only_fps': main, f'{name}_model_only_thread_fps': thread,
                    f'{name}_ratio_end_to_end_over_model': e2e / max(main, thread)})   # against the faster way of running the model
    if 'onnx' in engines:
        out['onnx_over_torch_model_only'] = out['onnx_model_only_fps'] / out['torch_model_only_fps']
        out['onnx_over_torch_end_to_end'] = out['onnx_end_to_end_fps'] / out['torch_end_to_end_fps']
    out['best_end_to_end_over_target'] = max(out[f'{n}_end_to_end_fps'] for n in engines) / out['target_end_to_end_fps']
    out['best_tracked_over_target'] = max(out[f'{n}_end_to_end_tracked_fps'] for n in engines) / out['target_end_to_end_fps']
    return out

if __name__ == '__main__':
    print(bench_video_end_to_end())
