#!/usr/bin/env python3
"""PyTorch reference for the backprop-ninja training loop, timed per step.

Reproduces the training loop of Karpathy's "makemore part 4: becoming a
backprop ninja" (2-layer MLP with BatchNorm, block size 3, n_embd 10,
n_hidden 200, batch 32) in PyTorch on one CPU thread, so that the crate's
per-step time can be compared with it.

Modes:
  manual    under torch.no_grad(), the lecture's hand-written fused backward
            pass (exercise 4), then SGD  p -= lr * grad
  autograd  loss.backward(), then the same SGD update

Examples:
  python3 benches/pytorch_step.py --mode manual                 # 1000 warmup + 20000 timed steps
  python3 benches/pytorch_step.py --mode autograd --dtype float64
  python3 benches/pytorch_step.py --mode manual --full          # all 200000 steps + train/val loss

The last line of output is machine-readable:
  RESULT mode=<m> dtype=<d> us_per_step=<x> [train_loss=<l> val_loss=<l>]
"""

import argparse
import contextlib
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

BLOCK_SIZE = 3
N_EMBD = 10
N_HIDDEN = 200
BATCH_SIZE = 32
BN_EPS = 1e-5
VOCAB = ['.'] + [chr(ord('a') + i) for i in range(26)]  # '.'=0, a..z=1..26
STOI = {s: i for i, s in enumerate(VOCAB)}

# The repo is <root>/main and the data set lives in <root>/shared.
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / 'shared' / 'names.txt'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--mode', choices=['manual', 'autograd'], default='manual')
    p.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    p.add_argument('--data', type=Path, default=DEFAULT_DATA,
                   help=f'names file, one name per line (default: {DEFAULT_DATA})')
    p.add_argument('--steps', type=int, default=200000,
                   help='length of the full run; also fixes where lr drops (default 200000)')
    p.add_argument('--lr-decay-step', type=int, default=100000,
                   help='lr is 0.1 before this step and 0.01 from it (default 100000)')
    p.add_argument('--warmup', type=int, default=1000, help='untimed steps first (default 1000)')
    p.add_argument('--time-steps', type=int, default=20000,
                   help='time this many steps after warmup, then stop (default 20000); '
                        'ignored with --full')
    p.add_argument('--full', action='store_true',
                   help='run all --steps steps (timing every step after warmup), '
                        'then print the final train and val loss')
    p.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default 1)')
    p.add_argument('--seed', type=int, default=2147483647,
                   help='seed of the torch.Generator for init and batches (lecture: 2147483647)')
    p.add_argument('--print-every', type=int, default=10000,
                   help='with --full, print the minibatch loss every N steps (0: never)')
    args = p.parse_args(argv)
    if args.warmup < 0 or args.time_steps < 1 or args.steps < 1:
        p.error('--warmup must be >= 0, --time-steps and --steps >= 1')
    return args


def load_words(path):
    with open(path, 'r') as f:
        words = f.read().splitlines()
    words = [w for w in words if w]
    bad = sorted(set(''.join(words)) - set(STOI))
    if bad:
        sys.exit(f'error: {path} holds characters outside a-z: {bad[:10]}')
    return words


def build_dataset(words, dtype_idx=torch.int64):
    X, Y = [], []
    for w in words:
        context = [0] * BLOCK_SIZE
        for ch in w + '.':
            ix = STOI[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X, dtype=dtype_idx), torch.tensor(Y, dtype=dtype_idx)


def make_splits(words):
    words = list(words)
    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    return build_dataset(words[:n1]), build_dataset(words[n1:n2]), build_dataset(words[n2:])


def init_params(g, dtype):
    vocab_size = len(VOCAB)
    fan_in = N_EMBD * BLOCK_SIZE
    # Same shapes and scales as the lecture. Note: the lecture draws bngain and
    # bnbias from the global RNG (no generator=g); here every tensor comes from
    # g so that a run is reproducible from --seed alone.
    C = torch.randn((vocab_size, N_EMBD), generator=g)
    W1 = torch.randn((fan_in, N_HIDDEN), generator=g) * (5 / 3) / (fan_in ** 0.5)
    b1 = torch.randn(N_HIDDEN, generator=g) * 0.1
    W2 = torch.randn((N_HIDDEN, vocab_size), generator=g) * 0.1
    b2 = torch.randn(vocab_size, generator=g) * 0.1
    bngain = torch.randn((1, N_HIDDEN), generator=g) * 0.1 + 1.0
    bnbias = torch.randn((1, N_HIDDEN), generator=g) * 0.1
    return [t.to(dtype) for t in (C, W1, b1, W2, b2, bngain, bnbias)]


def forward(params, Xb, Yb):
    C, W1, b1, W2, b2, bngain, bnbias = params
    n = Xb.shape[0]
    emb = C[Xb]
    embcat = emb.view(n, -1)
    hprebn = embcat @ W1 + b1
    bnmeani = hprebn.mean(0, keepdim=True)
    bnvar = hprebn.var(0, keepdim=True, unbiased=True)  # Bessel: 1/(n-1)
    bnvar_inv = (bnvar + BN_EPS) ** -0.5
    bnraw = (hprebn - bnmeani) * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    return loss, (emb, embcat, bnvar_inv, bnraw, h, logits)


def manual_step(params, Xb, Yb, lr):
    """Forward + the lecture's fused manual backward + SGD, under no_grad."""
    C, W1, b1, W2, b2, bngain, bnbias = params
    n = Xb.shape[0]
    loss, (emb, embcat, bnvar_inv, bnraw, h, logits) = forward(params, Xb, Yb)
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h ** 2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnbias = dhpreact.sum(0, keepdim=True)
    # The lecture's fused BatchNorm backward, written in terms of dhpreact.
    # (Equivalently bnvar_inv/n * (n*dbnraw - dbnraw.sum(0) - n/(n-1)*bnraw*(dbnraw*bnraw).sum(0))
    # with dbnraw = bngain*dhpreact; multiplying that form by bngain again counts the gain twice.)
    dhprebn = bngain * bnvar_inv / n * (
        n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    dC.index_add_(0, Xb.view(-1), demb.view(-1, C.shape[1]))
    grads = (dC, dW1, db1, dW2, db2, dbngain, dbnbias)
    for p, grad in zip(params, grads):
        p -= lr * grad
    return loss


def autograd_step(params, Xb, Yb, lr):
    for p in params:
        p.grad = None
    loss, _ = forward(params, Xb, Yb)
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    return loss


@torch.no_grad()
def calibrated_losses(params, splits):
    """The lecture's eval: BatchNorm statistics over the whole training set."""
    C, W1, b1, W2, b2, bngain, bnbias = params
    (Xtr, Ytr), (Xdev, Ydev), _ = splits
    embcat = C[Xtr].view(Xtr.shape[0], -1)
    hpreact = embcat @ W1 + b1
    bnmean = hpreact.mean(0, keepdim=True)
    bnvar = hpreact.var(0, keepdim=True, unbiased=True)
    out = {}
    for name, (x, y) in (('train', (Xtr, Ytr)), ('val', (Xdev, Ydev))):
        embcat = C[x].view(x.shape[0], -1)
        hpreact = embcat @ W1 + b1
        hpreact = bngain * (hpreact - bnmean) * (bnvar + BN_EPS) ** -0.5 + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        out[name] = F.cross_entropy(logits, y).item()
    return out


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)

    words = load_words(args.data)
    splits = make_splits(words)
    (Xtr, Ytr), (Xdev, _), (Xte, _) = splits

    g = torch.Generator().manual_seed(args.seed)
    params = init_params(g, dtype)
    if args.mode == 'autograd':
        for p in params:
            p.requires_grad_(True)
        step_fn = autograd_step
    else:
        step_fn = manual_step

    if args.full:
        total = args.steps
    else:
        total = min(args.steps, args.warmup + args.time_steps)
    warmup = min(args.warmup, total)
    timed = total - warmup

    print(f'torch {torch.__version__}  dtype={args.dtype}  mode={args.mode}  '
          f'threads={torch.get_num_threads()}')
    print(f'data {args.data}: {len(words)} words; train/val/test examples '
          f'{Xtr.shape[0]}/{Xdev.shape[0]}/{Xte.shape[0]}')
    print(f'params {sum(p.nelement() for p in params)}; steps {total} '
          f'(warmup {warmup} untimed, {timed} timed)' + ('' if args.full else ' [--full not given]'))

    ntr = Xtr.shape[0]

    def run(start, stop, loss=None):
        # manual mode: the whole loop under no_grad, as in the lecture
        with torch.no_grad() if args.mode == 'manual' else contextlib.nullcontext():
            for i in range(start, stop):
                ix = torch.randint(0, ntr, (BATCH_SIZE,), generator=g)
                Xb, Yb = Xtr[ix], Ytr[ix]
                lr = 0.1 if i < args.lr_decay_step else 0.01
                loss = step_fn(params, Xb, Yb, lr)
                if args.full and args.print_every and i % args.print_every == 0:
                    print(f'{i:7d}/{total:7d}: {loss.item():.4f}')
        return loss

    loss = run(0, warmup)
    t0 = time.perf_counter()
    loss = run(warmup, total, loss)
    elapsed = time.perf_counter() - t0
    us = elapsed / timed * 1e6 if timed > 0 else float('nan')

    if loss is not None:
        print(f'last minibatch loss: {loss.item():.4f}')
    print(f'timed {timed} steps in {elapsed:.3f} s: {us:.2f} us/step')
    result = f'RESULT mode={args.mode} dtype={args.dtype} us_per_step={us:.2f}'
    if args.full:
        losses = calibrated_losses([p.detach() for p in params], splits)
        print(f"train loss {losses['train']:.4f}  val loss {losses['val']:.4f}")
        result += f" train_loss={losses['train']:.4f} val_loss={losses['val']:.4f}"
    print(result)


if __name__ == '__main__':
    main()
