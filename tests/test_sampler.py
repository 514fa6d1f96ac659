"""Sampler properties that need more than a notebook cell: DataLoader workers, uniformity of the draws, long runs."""
import numpy as np
import pytest
from scipy.stats import chisquare
from torch.utils.data import DataLoader, Dataset
from au_compendium.core import Config
from au_compendium.sampler import (HardPairSampler, RandomPairSampler, fast_negatives, fast_positives, negatives, positives,
                                   sampler_from_config, unit_checks)
from au_compendium.testing import synthetic_frame_table

class Positions(Dataset):
    "A dataset whose item is its own index, so that loaded batches can be compared with the sampler's lists."
    def __init__(self, n): self.n = n
    def __len__(self): return self.n
    def __getitem__(self, i): return i

@pytest.fixture(scope='module')
def table():
    return synthetic_frame_table(n_subjects=6, videos=3, frames=120, aus=(1, 2, 4, 6, 12, 25), p_unlabelled=0.1, seed=1)

@pytest.mark.parametrize('cls', [HardPairSampler, RandomPairSampler])
def test_workers_do_not_change_batches(table, cls):
    "The batch sampler runs in the main process: 0 or 2 workers load the same batches, epoch after epoch."
    def run(workers):
        s = cls(table, batch_size=8, seed=5, steps_per_epoch=6)
        dl = DataLoader(Positions(len(table)), batch_sampler=s, num_workers=workers)
        return [[b.tolist() for b in dl] for _ in range(2)]   # two epochs: the sampler moves on by itself
    one, two = run(0), run(2)
    assert one == two
    assert one[0] != one[1]
    assert all(len(b) == 32 for e in one for b in e)

def test_set_epoch_resumes(table):
    s = HardPairSampler(table, batch_size=4, seed=2, steps_per_epoch=3)
    epochs = [list(s) for _ in range(3)]
    s.set_epoch(2)
    assert list(s) == epochs[2]
    assert list(HardPairSampler(table, batch_size=4, seed=2, steps_per_epoch=3).batches(1)) == epochs[1]

def _draw_counts(fn, q, n, tries=None):
    rng = np.random.default_rng(0)
    if tries is None: res, ok = fn(np.full(n, q), rng.random(n))
    else: res, ok = fn(np.full(n, q), rng.random((n, tries)))
    return np.unique(res[ok], return_counts=True)

def test_draws_are_uniform_over_candidates(table):
    "Rejection draws and exact draws are both uniform over the same candidate set (chi-square)."
    s = HardPairSampler(table, batch_size=4, min_gap=10)
    ix, n = s.index, 6000
    rng = np.random.default_rng(3)
    checked = 0
    for q in rng.permutation(s.anchors)[:60]:
        need = s._need[[q]]
        for fast, exact in ((lambda q, u: fast_negatives(ix, q, u), lambda q, u: negatives(ix, q, u)),
                            (lambda q, u: fast_positives(ix, q, u, np.repeat(need, len(q))),
                             lambda q, u: positives(ix, q, u, np.repeat(need, len(q))))):
            cand = np.unique(exact(np.full(2000, q), (np.arange(2000) + 0.5) / 2000)[0])
            cand = cand[cand >= 0]
            if not 3 <= len(cand) <= 200: continue
            for counts_of in (lambda: _draw_counts(exact, q, n), lambda: _draw_counts(fast, q, n, tries=64)):
                vals, counts = counts_of()
                assert set(vals) <= set(cand)
                full = np.zeros(len(cand)); full[np.searchsorted(cand, vals)] = counts
                assert chisquare(full).pvalue > 1e-4, (q, len(cand))
            checked += 1
    assert checked >= 20

def test_hard_pairs_dominate_random_pairs(table):
    hard = HardPairSampler(table, batch_size=16, seed=0, p_temporal=0.2, min_gap=10)
    rand = RandomPairSampler(table, batch_size=16, seed=0)
    share = {}
    for name, s in (('hard', hard), ('random', rand)):
        u = np.concatenate([np.asarray(b).reshape(-1, 4) for b in s])
        c = unit_checks(s.bits, u, min_gap=10)
        share[name] = (c.pos_hard.mean(), (c.neg_a_hard.mean() + c.neg_p_hard.mean()) / 2)
    assert share['hard'][1] > 0.9 > 0.3 > share['random'][1]
    assert share['hard'][0] > 0.6 and share['hard'][0] > 2 * share['random'][0]

def test_from_config(table):
    cfg = Config(batch_frames=20, min_gap=7, overlap_ratio=1.0, p_temporal=0.0, window=2, seed=9, steps_per_epoch=4, aus=[1, 2, 12])
    s = sampler_from_config(table, cfg)
    assert isinstance(s, HardPairSampler) and len(s) == 4
    assert (s.index.min_gap, s.overlap_ratio, s.p_temporal, s.index.window, s.seed, s.bits.aus) == (7, 1.0, 0.0, 2, 9, ['AU1', 'AU2', 'AU12'])
    assert all(len(b) == 20 for b in s)
    r = sampler_from_config(table, cfg.replace(sampler='random'))
    assert isinstance(r, RandomPairSampler) and r.batch_size == 5 and len(r) == 4
    one_pass = sampler_from_config(table, cfg.replace(steps_per_epoch=0))
    assert len(one_pass) == int(np.ceil(len(one_pass.anchors) / 5))
