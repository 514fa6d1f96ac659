"""The recipe on 24 other people: baseline + person normalisation and the default (patent + person normalisation), seed 0, folds 2
and 1, on `data/synthfacs-s7` through the manifest path. Numbers: reports/controls-s7.{csv,md} and section 14 of README.md (runs of
commit 7fa1dd0's code, 2026-12-07, two at a time with one thread each on the 2-core CPU beside other work). Make the data first:
`au-synthfacs --subjects 24 --videos 2 --frames 200 --seed 7 --out data/synthfacs-s7`.
usage: python reports/diagnosis/s7_controls.py [--finished-only]"""
import sys
from au_compendium.core import repo_root
from au_compendium.experiments import run_grid, CONTROLS, summarise, markdown_summary
root = repo_root()
grid = dict(configs={k: CONTROLS[k] for k in ('baseline + person normalisation', 'default (patent + person normalisation)')},
            folds=(2, 1), seeds=(0,), base=dict(dataset='manifest', data_root=str(root/'data'/'synthfacs-s7')))
runs = run_grid(grid, root/'reports'/'runs'/'controls-s7', jobs=2, engine='library', finished_only='--finished-only' in sys.argv)
s = summarise(runs, 'mean_f1', reference='baseline + person normalisation')
(root/'reports'/'controls-s7.md').write_text(markdown_summary(s, "The controls on `s7`: 24 other people through the manifest path, seed 0",
                                                             "python reports/diagnosis/s7_controls.py"))
runs.drop(columns=['run_dir']).to_csv(root/'reports'/'controls-s7.csv', index=False)
