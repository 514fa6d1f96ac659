"""The contrastive losses under DistributedDataParallel equal single-process training on the same global batch.

Two CPU processes (gloo backend) each hold part of one fixed global batch (equal halves, and an unequal 5/7
split). The convention tested (au_compendium.losses, section "Contrasting against the global batch"): rank r's
loss L_r = W/n * (sum of its anchors' terms), n the global number of valid anchors, so that
- the mean of L_r over ranks equals the single-process loss on the global batch, and
- the gradient w.r.t. rank r's local embeddings is W times the matching slice of the single-process gradient,
  so DDP's averaging of gradients over ranks gives exactly the single-process gradients; a real DDP model's
  parameter gradients are compared with a single-process model's.
Each run has a free localhost port, a process-group timeout and an overall deadline, so it cannot hang."""
import datetime, json, os, socket, time
from pathlib import Path
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from au_compendium.losses import au_contrastive_loss, gather_with_grad, identity_contrastive_loss

WORLD = 2
DEADLINE_S = 90        # the whole two-process run; normally a few seconds
PG_TIMEOUT_S = 30      # a collective waiting longer than this fails instead of hanging
N, C, D, H = 12, 4, 8, 10
# fork skips re-importing torch in each rank (seconds on a loaded machine); safe here because the ranks use no GPU
# and set one intra-op thread before any work, so they never enter an OpenMP region inherited from the parent.
START_METHOD = 'fork' if 'fork' in mp.get_all_start_methods() else 'spawn'
SPLITS = {'equal': [0, 6, 12], 'unequal': [0, 5, 12]}  # rank r holds rows SPLITS[s][r]:SPLITS[s][r+1]


def _global_batch() -> dict:
    "One fixed global batch: identity embeddings, per-AU embeddings with unlabelled entries, model inputs."
    g = torch.Generator().manual_seed(0)
    ids = torch.tensor([0, 1, 2, 0, 3, 1, 2, 4, 0, 3, 1, 5])  # 4 and 5 alone: negatives only
    labels = torch.randint(0, 2, (N, C), generator=g)
    labels[torch.rand(N, C, generator=g) < 0.2] = -1
    return dict(z=torch.randn(N, D, generator=g), ids=ids, id_w=torch.rand(6, generator=g) + 0.5,
                e=torch.randn(N, C, D, generator=g), labels=labels,
                au_w=torch.rand(C, generator=g) + 0.5, beta=torch.rand(C, generator=g) + 0.5,
                x=torch.randn(N, H, generator=g))


def _cases(b: dict):
    "(name, embeddings key, loss of (embeddings, rows, distributed)) for each loss configuration."
    ident = lambda w: lambda t, rows, dd: identity_contrastive_loss(t, b['ids'][rows], weights=w, distributed=dd)
    au = lambda scope: lambda t, rows, dd: au_contrastive_loss(t, b['labels'][rows], b['au_w'], b['beta'], scope=scope, distributed=dd)
    return [('identity', 'z', ident(None)), ('identity_weighted', 'z', ident(b['id_w'])),
            ('au_all', 'e', au('all')), ('au_within', 'e', au('within'))]


class _TwoHeads(nn.Module):
    "A tiny model with the two embeddings the losses see: z [n, D] and e [n, C, D]."
    def __init__(self):
        super().__init__()
        self.trunk, self.z, self.e = nn.Linear(H, 16), nn.Linear(16, D), nn.Linear(16, C * D)
    def forward(self, x):
        h = torch.relu(self.trunk(x))
        return self.z(h), self.e(h).reshape(-1, C, D)


def _model_loss(model, x, rows, b, dd):
    z, e = model(x)
    return (identity_contrastive_loss(z, b['ids'][rows], weights=b['id_w'], distributed=dd)
            + au_contrastive_loss(e, b['labels'][rows], b['au_w'], b['beta'], distributed=dd))


def _worker(rank: int, port: int, out_dir: str):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=WORLD,
                            timeout=datetime.timedelta(seconds=PG_TIMEOUT_S))
    try:
        b, res = _global_batch(), {}
        for split, bounds in SPLITS.items():
            lo, hi = bounds[rank], bounds[rank + 1]
            rows = slice(lo, hi)
            # the gather itself: every rank's rows in order; backward sums the gradient over ranks
            xl = b['x'][rows].clone().requires_grad_()
            xg = gather_with_grad(xl)
            coef = torch.arange(N * H, dtype=torch.float32).reshape(N, H)
            (xg * coef).sum().backward()
            res[f'gather/{split}'] = dict(value=(xg.detach() - b['x']).abs().max().item(),
                                          grad=(xl.grad - WORLD * coef[rows]).abs().max().item(), scale=1.0)
            for name, key, loss_fn in _cases(b):
                local = b[key][rows].clone().requires_grad_()
                ld = loss_fn(local, rows, 'auto' if name == 'au_all' else True)  # 'auto' must find the group
                ld.backward()
                mean = ld.detach().clone(); dist.all_reduce(mean); mean /= WORLD
                full = b[key].clone().requires_grad_()
                ls = loss_fn(full, slice(None), False)
                ls.backward()
                res[f'{name}/{split}'] = dict(loss=abs(mean.item() - ls.item()), loss_value=ls.item(),
                                             local_vs_full=abs(ld.item() - ls.item()),
                                             grad=(local.grad / WORLD - full.grad[rows]).abs().max().item(),
                                             scale=full.grad[rows].abs().max().item())
            # a real DDP model: its averaged parameter gradients equal a single-process model's
            torch.manual_seed(1); single = _TwoHeads()
            torch.manual_seed(1); ddp = nn.parallel.DistributedDataParallel(_TwoHeads())
            _model_loss(ddp, b['x'][rows], rows, b, True).backward()
            _model_loss(single, b['x'], slice(None), b, False).backward()
            diffs = [(p.grad - q.grad).abs().max().item() for p, q in zip(ddp.module.parameters(), single.parameters())]
            res[f'ddp_model/{split}'] = dict(grad=max(diffs), scale=max(q.grad.abs().max().item() for q in single.parameters()))
        # train()'s gradient averaging: one all-reduce for a whole parameter group, the ranks' mean in every tensor
        from au_compendium.train import _grad_averager
        model = _TwoHeads(); model.e.bias.requires_grad_(False)            # a frozen tensor: no gradient, left alone
        for i, p in enumerate(q for q in model.parameters() if q.requires_grad): p.grad = torch.full_like(p, 10. * rank + i)
        calls, real = [], dist.all_reduce
        dist.all_reduce = lambda *a, **k: calls.append(1) or real(*a, **k)
        try: _grad_averager(WORLD)(list(model.parameters()))
        finally: dist.all_reduce = real
        want = [5. * (WORLD - 1) + i for i in range(sum(q.requires_grad for q in model.parameters()))]   # mean of 10r + i over ranks
        res['grad_averager'] = dict(calls=len(calls), err=max((p.grad - w).abs().max().item() for p, w in
                                                             zip((q for q in model.parameters() if q.requires_grad), want)),
                                    frozen_grad=model.e.bias.grad is None)
        (Path(out_dir) / f'rank{rank}.json').write_text(json.dumps(res))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def results(tmp_path_factory) -> list[dict]:
    "Run the two ranks once; each writes its measurements as JSON."
    if not (dist.is_available() and dist.is_gloo_available()): pytest.skip('torch.distributed with gloo is not available')
    out = tmp_path_factory.mktemp('ddp')
    if START_METHOD == 'fork': import torch._dynamo  # DDP imports it: once here rather than in every rank
    ctx = mp.start_processes(_worker, args=(_free_port(), str(out)), nprocs=WORLD, join=False, start_method=START_METHOD)
    deadline = time.monotonic() + DEADLINE_S
    try:
        while not ctx.join(timeout=max(0.5, deadline - time.monotonic())):  # raises if a rank failed
            if time.monotonic() >= deadline: pytest.fail(f'distributed test did not finish within {DEADLINE_S} s')
    finally:
        for p in ctx.processes:
            if p.is_alive(): p.kill()
    return [json.loads((out / f'rank{r}.json').read_text()) for r in range(WORLD)]


def test_gather_with_grad(results):
    for rank, res in enumerate(results):
        for split in SPLITS:
            r = res[f'gather/{split}']
            assert r['value'] == 0, (rank, split, r)
            assert r['grad'] == 0, f'rank {rank} {split}: gather backward is not the rank-summed slice: {r}'


@pytest.mark.parametrize('name', ['identity', 'identity_weighted', 'au_all', 'au_within'])
@pytest.mark.parametrize('split', list(SPLITS))
def test_distributed_loss_equals_single_process(results, name, split):
    for rank, res in enumerate(results):
        r = res[f'{name}/{split}']
        assert r['loss_value'] > 0.1, r  # a real loss, not a degenerate zero
        assert r['loss'] < 1e-5, f'rank {rank}: mean over ranks != single-process loss: {r}'
        assert r['scale'] > 1e-4, r      # gradients are not trivially zero
        assert r['grad'] < 1e-5 * max(1., r['scale']), f'rank {rank}: local gradient / W != single-process slice: {r}'
    # each rank's own value is its share, not the global loss (so the test above is not vacuous)
    assert max(res[f'{name}/{split}']['local_vs_full'] for res in results) > 1e-3


@pytest.mark.parametrize('split', list(SPLITS))
def test_ddp_parameter_gradients_equal_single_process(results, split):
    for rank, res in enumerate(results):
        r = res[f'ddp_model/{split}']
        assert r['scale'] > 1e-4, r
        assert r['grad'] < 1e-5 * max(1., r['scale']), f'rank {rank}: DDP gradients differ from single-process: {r}'


def test_gradient_averaging_is_one_all_reduce(results):
    "train()'s hook averages every gradient over the ranks with a single flat all-reduce per parameter group."
    for rank, res in enumerate(results):
        r = res['grad_averager']
        assert r['calls'] == 1, f'rank {rank}: {r["calls"]} all-reduce calls for one parameter group'
        assert r['err'] == 0 and r['frozen_grad'], (rank, r)
