#!/usr/bin/env python3
"""Check the gradients in a crate export against PyTorch autograd (float64).

Usage:
  python3 scripts/verify_export.py FILE.safetensors [--tol 1e-6] [--rel norm|elem] [--floor 1e-8]

FILE is written by the crate's `check --export FILE`. It holds the parameters
C (V,E), W1 (block*E,H), b1 (H,), W2 (H,V), b2 (V,), bngain (1,H), bnbias (1,H);
the batch Xb (n,block) and Yb (n,) as integers; the scalar `loss` (shape () or
(1,)); and one gradient `d<name>` per forward variable and parameter of the
lecture's chunked forward pass, each with its variable's shape.

This script rebuilds that forward pass exactly as in "makemore part 4: becoming
a backprop ninja" in float64, calls retain_grad() on every intermediate, runs
loss.backward(), and prints the lecture's cmp table for every gradient in the
file. It exits 0 only if the loss matches, every expected tensor is present,
every gradient's shape matches, and every gradient's relative error is below
--tol; 1 otherwise; 2 if the file cannot be used at all.

Relative error (--rel):
  norm (default)  ||a - b||_2 / max(||b||_2, floor)            over the whole tensor
  elem            max_i |a_i - b_i| / max(|b_i|, floor)        element-wise
where a is the crate's gradient and b PyTorch's. The floor (default 1e-8)
turns the test into an absolute one for gradients that are analytically zero
and hold only rounding noise in both programs (dlogit_maxes, db1: BatchNorm
cancels b1).
"""

import argparse
import sys

import torch

try:
    from safetensors.torch import load_file
except ImportError:  # pragma: no cover
    sys.exit('error: needs the safetensors package (pip install safetensors)')

BN_EPS = 1e-5
PARAMS = ['C', 'W1', 'b1', 'W2', 'b2', 'bngain', 'bnbias']
# Gradients in the lecture's order (exercise 1's cmp calls), then the parameters'.
INTERMEDIATES = ['logprobs', 'probs', 'counts_sum_inv', 'counts_sum', 'counts',
                 'norm_logits', 'logit_maxes', 'logits', 'h', 'hpreact', 'bnraw',
                 'bnvar_inv', 'bnvar', 'bndiff2', 'bndiff', 'bnmeani', 'hprebn',
                 'embcat', 'emb']
GRAD_ORDER = ['logprobs', 'probs', 'counts_sum_inv', 'counts_sum', 'counts',
              'norm_logits', 'logit_maxes', 'logits', 'h', 'W2', 'b2', 'hpreact',
              'bngain', 'bnbias', 'bnraw', 'bnvar_inv', 'bnvar', 'bndiff2', 'bndiff',
              'bnmeani', 'hprebn', 'embcat', 'W1', 'b1', 'emb', 'C']


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('file', help='safetensors file written by `check --export FILE`')
    p.add_argument('--tol', type=float, default=1e-6,
                   help='largest relative error accepted (default 1e-6)')
    p.add_argument('--rel', choices=['norm', 'elem'], default='norm',
                   help='norm-wise (default) or element-wise relative error')
    p.add_argument('--floor', type=float, default=1e-8,
                   help='smallest denominator of the relative error (default 1e-8)')
    return p.parse_args(argv)


def forward_backward(P, Xb, Yb):
    """The lecture's chunked forward pass, float64, with every grad retained."""
    C, W1, b1, W2, b2, bngain, bnbias = (P[k] for k in PARAMS)
    n = Xb.shape[0]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff ** 2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdim=True)  # Bessel's correction
    bnvar_inv = (bnvar + BN_EPS) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum ** -1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()

    local = locals()
    inter = {k: local[k] for k in INTERMEDIATES}
    for t in inter.values():
        t.retain_grad()
    loss.backward()
    grads = {k: t.grad for k, t in inter.items()}
    grads.update({k: P[k].grad for k in PARAMS})
    return loss.detach(), grads


def rel_error(a, b, how, floor):
    diff = (a - b).abs()
    if how == 'norm':
        return (diff.norm() / max(b.norm().item(), floor)).item()
    return (diff / b.abs().clamp_min(floor)).max().item()


def main(argv=None):
    args = parse_args(argv)
    try:
        T = load_file(args.file)
    except Exception as e:  # noqa: BLE001 - any reason the file is unusable
        print(f'error: cannot load {args.file}: {e}')
        return 2

    problems = []
    missing = [k for k in PARAMS + ['Xb', 'Yb', 'loss'] if k not in T]
    if missing:
        print(f'error: missing tensors needed for the forward pass: {", ".join(missing)}')
        return 2

    float_dtypes = sorted({str(t.dtype).replace('torch.', '') for t in T.values()
                           if t.is_floating_point()})
    print(f'file {args.file}: {len(T)} tensors; stored float dtypes: {", ".join(float_dtypes)}')
    if any(d != 'float64' for d in float_dtypes):
        print('warning: not all tensors are float64; a tolerance of '
              f'{args.tol:g} may be out of reach for lower precision')

    for k in ('Xb', 'Yb'):
        if T[k].is_floating_point() or T[k].is_complex():
            print(f'error: {k} must be an integer tensor, got {T[k].dtype}')
            return 2
    Xb = T['Xb'].long()
    Yb = T['Yb'].long()
    P = {k: T[k].to(torch.float64).clone().requires_grad_(True) for k in PARAMS}

    # Shapes of the forward pass's inputs.
    if Xb.dim() != 2 or Yb.dim() != 1 or Yb.shape[0] != Xb.shape[0]:
        print(f'error: Xb must be (n, block) and Yb (n,); got {tuple(Xb.shape)} and {tuple(Yb.shape)}')
        return 2
    n, block = Xb.shape
    if P['C'].dim() != 2:
        print(f'error: C must be (V, E), got {tuple(P["C"].shape)}')
        return 2
    V, E = P['C'].shape
    H = P['b1'].shape[0] if P['b1'].dim() == 1 else -1
    want = {'C': (V, E), 'W1': (block * E, H), 'b1': (H,), 'W2': (H, V), 'b2': (V,),
            'bngain': (1, H), 'bnbias': (1, H)}
    bad = [f'{k} {tuple(P[k].shape)} (want {want[k]})' for k in PARAMS
           if tuple(P[k].shape) != want[k]]
    if bad or H < 1 or n < 2:
        print('error: inconsistent shapes: ' + '; '.join(bad or [f'n={n}, H={H}']))
        return 2
    if Xb.min() < 0 or Xb.max() >= V or Yb.min() < 0 or Yb.max() >= V:
        print(f'error: Xb/Yb hold indices outside 0..{V - 1}')
        return 2
    print(f'n={n} block={block} V={V} E={E} H={H}')

    ref_loss, ref = forward_backward(P, Xb, Yb)

    # The loss.
    if T['loss'].numel() != 1 or T['loss'].dim() > 1:
        problems.append(f'loss has shape {tuple(T["loss"].shape)}, want () or (1,)')
        loss_ok = False
        file_loss = float('nan')
    else:
        file_loss = T['loss'].to(torch.float64).reshape(()).item()
        loss_err = abs(file_loss - ref_loss.item()) / max(abs(ref_loss.item()), args.floor)
        loss_ok = loss_err < args.tol
    print(f'loss: file {file_loss:.17g}  pytorch {ref_loss.item():.17g}  '
          f'-> {"ok" if loss_ok else "MISMATCH"}')
    if not loss_ok and not problems:
        problems.append(f'loss differs: relative error {loss_err:.3e} >= {args.tol:g}')

    # The gradients.
    if args.rel == 'norm':
        how = f'norm-wise relative error ||a-b||_2 / max(||b||_2, {args.floor:g})'
    else:
        how = f'element-wise relative error max |a-b| / max(|b|, {args.floor:g})'
    print(f'relerr = {how}; a = file, b = PyTorch autograd; pass if relerr < {args.tol:g}')
    print(f'{"name":15s} | {"shape":13s} | exact | approximate | {"maxdiff":9s} | '
          f'{"relerr":9s} | verdict')
    print('-' * 84)
    names = [k for k in T if k.startswith('d') and k[1:] in ref]
    order = {k: i for i, k in enumerate(GRAD_ORDER)}
    names.sort(key=lambda k: order[k[1:]])
    for gname in names:
        b = ref[gname[1:]]
        a = T[gname]
        if tuple(a.shape) != tuple(b.shape):
            print(f'{gname:15s} | {str(tuple(a.shape)):13s} | shape mismatch: want {tuple(b.shape)}')
            problems.append(f'{gname}: shape {tuple(a.shape)}, want {tuple(b.shape)}')
            continue
        if not a.is_floating_point():
            print(f'{gname:15s} | {str(tuple(a.shape)):13s} | not a float tensor ({a.dtype})')
            problems.append(f'{gname}: dtype {a.dtype}')
            continue
        a = a.to(torch.float64)
        ex = torch.all(a == b).item()
        app = torch.allclose(a, b)
        maxdiff = (a - b).abs().max().item()
        err = rel_error(a, b, args.rel, args.floor)
        ok = err < args.tol  # False for nan too
        if not ok:
            problems.append(f'{gname}: relerr {err:.3e} >= {args.tol:g}')
        print(f'{gname:15s} | {str(tuple(a.shape)):13s} | {str(ex):5s} | {str(app):11s} | '
              f'{maxdiff:9.2e} | {err:9.2e} | {"ok" if ok else "FAIL"}')

    expected = ['d' + k for k in GRAD_ORDER]
    absent = [k for k in expected if k not in T]
    if absent:
        print(f'missing gradients: {", ".join(absent)}')
        problems.append('missing: ' + ', '.join(absent))
    known = set(PARAMS) | {'Xb', 'Yb', 'loss'} | set(expected)
    extra = [k for k in T if k not in known]
    if extra:
        print(f'note: tensors not checked (unknown names): {", ".join(extra)}')

    checked = len(names)
    if problems:
        print(f'FAIL: {len(problems)} problem(s) over {checked} gradients checked:')
        for p in problems:
            print(f'  - {p}')
        return 1
    print(f'PASS: loss and all {checked} gradients match PyTorch autograd (relerr < {args.tol:g})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
