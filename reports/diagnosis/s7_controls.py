"""The recipe on 24 other people: baseline + person normalisation and the default (patent + person normalisation), seed 0, folds 2
and 1, on `data/synthfacs-s7` through the manifest path. Pinned: the numbers in reports/controls-s7.{csv,md} and reports/README.md
come from runs of commit 7fa1dd0's code (2026-12-07, two at a time with one thread each on the 2-core CPU beside other work).
Make the data first: `au-synthfacs --subjects 24 --videos 2 --frames 200 --seed 7 --out data/synthfacs-s7`.
Under DIAG_SMOKE (tests/test_diagnosis.py) it trains the tiny configuration on fold 1 and writes into $OUT instead.
usage: python reports/diagnosis/s7_controls.py [--finished-only]"""
import os, sys
from pathlib import Path
from _smoke import SMOKE
from au_compendium.experiments import run_grid, CONTROLS, summarise, markdown_summary
root = Path(__file__).resolve().parents[2] if not SMOKE else None
out = Path(os.environ.get('OUT', '.')) if SMOKE else root/'reports'
grid = dict(configs={k: CONTROLS[k] for k in ('baseline + person normalisation', 'default (patent + person normalisation)')},
            folds=(1,) if SMOKE else (2, 1), seeds=(0,),
            base=SMOKE or dict(dataset='manifest', data_root=str(root/'data'/'synthfacs-s7')))
runs = run_grid(grid, out/'runs'/'controls-s7', nb=Path(__file__).resolve().parents[2]/'nbs'/'train.ipynb', jobs=1 if SMOKE else 2, engine='library', finished_only='--finished-only' in sys.argv,
                progress=None if SMOKE else print)
s = summarise(runs, 'mean_f1', reference='baseline + person normalisation')
out.mkdir(parents=True, exist_ok=True)
(out/'controls-s7.md').write_text(markdown_summary(s, "The controls on `s7`: 24 other people through the manifest path, seed 0",
                                                   "python reports/diagnosis/s7_controls.py"))
runs.drop(columns=['run_dir']).to_csv(out/'controls-s7.csv', index=False)
