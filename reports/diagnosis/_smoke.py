"""The diagnosis scripts' smoke switch (tests/test_diagnosis.py runs every script with it).

DIAG_SMOKE, when set, is a JSON object of `Config` overrides (a tiny SynthFACS folder read as a manifest, 32 px images, small
embeddings, a few steps), applied on top of every `Config` a script builds, and it shrinks the scripts' own loop counts
(batches averaged, bootstrap draws, timing rounds) through `smoke(full, tiny)`. Unset, nothing changes: each script computes
what its section of README.md quotes. A script imports this file from its own folder (Python puts a script's folder first on
`sys.path`)."""
import json, os

def _read() -> dict:
    text = os.environ.get('DIAG_SMOKE', '')
    if not text: return {}
    try: v = json.loads(text)
    except json.JSONDecodeError as e: raise SystemExit(f"DIAG_SMOKE must be a JSON object of Config overrides, got {text!r} ({e})")
    if not isinstance(v, dict) or not v: raise SystemExit(f"DIAG_SMOKE must be a non-empty JSON object of Config overrides, got {text!r}")
    return v

SMOKE: dict = _read()   # {} outside a smoke test

def smoke(full, tiny):
    "`full` normally, `tiny` under DIAG_SMOKE: a script's own loop counts (draws, batches, rounds)."
    return tiny if SMOKE else full

def smoke_config(cfg):
    "`cfg` with DIAG_SMOKE's overrides on top (unchanged when DIAG_SMOKE is unset)."
    return cfg.replace(**SMOKE) if SMOKE else cfg
