#!/usr/bin/env python3
"""PyTorch reference for the backprop-ninja training loop, timed per step.

Reproduces, in PyTorch on one CPU thread, so that the crate's per-step time
can be compared with it, the training loop of Karpathy's

  --model mlp      "makemore part 4: becoming a backprop ninja" (2-layer MLP
                   with BatchNorm, block size 3, n_embd 10, n_hidden 200)
  --model wavenet  "makemore part 5: building a WaveNet" (block size 8,
                   n_embd 24, n_hidden 128, three levels of
                   FlattenConsecutive(2), Linear, BatchNorm1d, Tanh; the
                   lecture's own layer classes), lr 0.01 from step 150000

both with batch 32.

Modes:
  manual    under torch.no_grad(), the lecture's hand-written fused backward
            pass (exercise 4), then SGD  p -= lr * grad  (MLP only)
  autograd  loss.backward(), then the same SGD update

Examples:
  python3 benches/pytorch_step.py --mode manual                 # 1000 warmup + 20000 timed steps
  python3 benches/pytorch_step.py --mode autograd --dtype float64
  python3 benches/pytorch_step.py --mode manual --full          # all 200000 steps + train/val loss
  python3 benches/pytorch_step.py --model wavenet --mode autograd

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
    p.add_argument('--model', choices=['mlp', 'wavenet'], default='mlp')
    p.add_argument('--mode', choices=['manual', 'autograd'], default=None,
                   help='default: manual for the MLP, autograd for the WaveNet')
    p.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    p.add_argument('--data', type=Path, default=DEFAULT_DATA,
                   help=f'names file, one name per line (default: {DEFAULT_DATA})')
    p.add_argument('--steps', type=int, default=200000,
                   help='length of the full run; also fixes where lr drops (default 200000)')
    p.add_argument('--lr-decay-step', type=int, default=None,
                   help='lr is 0.1 before this step and 0.01 from it '
                        '(default 100000 for the MLP, 150000 for the WaveNet)')
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
    if args.mode is None:
        args.mode = 'autograd' if args.model == 'wavenet' else 'manual'
    if args.model == 'wavenet' and args.mode == 'manual':
        p.error('--mode manual is the MLP\'s hand-written backward (part 4); the WaveNet runs --mode autograd')
    if args.lr_decay_step is None:
        args.lr_decay_step = 150000 if args.model == 'wavenet' else 100000
    return args


def load_words(path):
    with open(path, 'r') as f:
        words = f.read().splitlines()
    words = [w for w in words if w]
    bad = sorted(set(''.join(words)) - set(STOI))
    if bad:
        sys.exit(f'error: {path} holds characters outside a-z: {bad[:10]}')
    return words


def build_dataset(words, block_size=BLOCK_SIZE, dtype_idx=torch.int64):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = STOI[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X, dtype=dtype_idx), torch.tensor(Y, dtype=dtype_idx)


def make_splits(words, block_size=BLOCK_SIZE):
    words = list(words)
    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    return tuple(build_dataset(part, block_size)
                 for part in (words[:n1], words[n1:n2], words[n2:]))


# --- makemore part 5: the WaveNet, with the lecture's layer classes ---------

WAVENET_BLOCK_SIZE = 8
WAVENET_N_EMBD = 24
WAVENET_N_HIDDEN = 128


class Linear:
    def __init__(self, fan_in, fan_out, g, dtype, bias=True):
        self.weight = (torch.randn((fan_in, fan_out), generator=g) / fan_in ** 0.5).to(dtype)
        self.bias = torch.zeros(fan_out, dtype=dtype) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, dtype, eps=BN_EPS, momentum=0.1):
        self.eps, self.momentum, self.training = eps, momentum, True
        self.gamma = torch.ones(dim, dtype=dtype)
        self.beta = torch.zeros(dim, dtype=dtype)
        self.running_mean = torch.zeros(dim, dtype=dtype)
        self.running_var = torch.ones(dim, dtype=dtype)

    def __call__(self, x):
        if self.training:
            dim = 0 if x.ndim == 2 else (0, 1)
            xmean = x.mean(dim, keepdim=True)
            xvar = x.var(dim, keepdim=True)  # Bessel: 1/(n-1), n = B*T
        else:
            xmean, xvar = self.running_mean, self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                m = self.momentum
                self.running_mean = (1 - m) * self.running_mean + m * xmean.view(-1)
                self.running_var = (1 - m) * self.running_var + m * xvar.view(-1)
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


class Embedding:
    def __init__(self, num, dim, g, dtype):
        self.weight = torch.randn((num, dim), generator=g).to(dtype)

    def __call__(self, ix):
        self.out = self.weight[ix]
        return self.out

    def parameters(self):
        return [self.weight]


class FlattenConsecutive:
    def __init__(self, n):
        self.n = n

    def __call__(self, x):
        B, T, C = x.shape
        x = x.view(B, T // self.n, C * self.n)
        if x.shape[1] == 1:
            x = x.squeeze(1)
        self.out = x
        return self.out

    def parameters(self):
        return []


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        self.out = x
        return self.out

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def wavenet(g, dtype):
    n_embd, n_hidden, vocab_size = WAVENET_N_EMBD, WAVENET_N_HIDDEN, len(VOCAB)
    layers = [Embedding(vocab_size, n_embd, g, dtype)]
    width = n_embd
    for _ in range(3):
        layers += [FlattenConsecutive(2), Linear(width * 2, n_hidden, g, dtype, bias=False),
                   BatchNorm1d(n_hidden, dtype), Tanh()]
        width = n_hidden
    layers.append(Linear(n_hidden, vocab_size, g, dtype))
    model = Sequential(layers)
    with torch.no_grad():
        model.layers[-1].weight *= 0.1  # last layer: less confident
    return model


def wavenet_step(model, Xb, Yb, lr):
    params = model.parameters()
    loss = F.cross_entropy(model(Xb), Yb)
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    return loss


@torch.no_grad()
def wavenet_losses(model, splits):
    """The lecture's eval: BatchNorm with its running statistics."""
    for layer in model.layers:
        layer.training = False
    (Xtr, Ytr), (Xdev, Ydev), _ = splits
    return {name: F.cross_entropy(model(x), y).item()
            for name, (x, y) in (('train', (Xtr, Ytr)), ('val', (Xdev, Ydev)))}


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
    block_size = WAVENET_BLOCK_SIZE if args.model == 'wavenet' else BLOCK_SIZE
    splits = make_splits(words, block_size)
    (Xtr, Ytr), (Xdev, _), (Xte, _) = splits

    g = torch.Generator().manual_seed(args.seed)
    if args.model == 'wavenet':
        model = wavenet(g, dtype)
        params = model.parameters()
        for p in params:
            p.requires_grad_(True)
        step_fn = lambda params, Xb, Yb, lr: wavenet_step(model, Xb, Yb, lr)  # noqa: E731
    else:
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

    print(f'torch {torch.__version__}  model={args.model}  dtype={args.dtype}  mode={args.mode}  '
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
    result = f'RESULT model={args.model} mode={args.mode} dtype={args.dtype} us_per_step={us:.2f}'
    if args.full:
        if args.model == 'wavenet':
            losses = wavenet_losses(model, splits)
        else:
            losses = calibrated_losses([p.detach() for p in params], splits)
        print(f"train loss {losses['train']:.4f}  val loss {losses['val']:.4f}")
        result += f" train_loss={losses['train']:.4f} val_loss={losses['val']:.4f}"
    print(result)


if __name__ == '__main__':
    main()
