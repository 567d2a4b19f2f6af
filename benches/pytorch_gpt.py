#!/usr/bin/env python3
"""PyTorch reference for the GPT of lecture 7 ("Let's build GPT"), timed per step.

The crate trains its GPT with hand-written backward passes; this script trains
the same networks with PyTorch autograd and torch.optim.AdamW, f32, on one CPU
thread, so that the two can be compared step for step and loss for loss.

Settings:
  --setting shakespeare  the lecture's CPU-sized model on running text
                         (default data: tiny Shakespeare): vocabulary = the
                         sorted set of the file's characters, first 90% train,
                         last 10% val, random windows; batch 16, block 32,
                         n_embd 64, 4 heads, 4 layers, no dropout, ReLU
                         feed-forward 4x, q/k/v without bias, lm_head with
                         bias, PyTorch's default initialisation; AdamW lr 1e-3
                         (betas 0.9/0.999, eps 1e-8, weight decay 0.01).
                         209,729 parameters on tiny Shakespeare (65 chars).
  --setting names        makemore's Transformer on a names file: every name a
                         row ".name." padded to block = longest + 1 (16 for
                         names.txt), padded targets -1 (ignored); 4 layers,
                         4 heads, n_embd 64, GELU (tanh form), fused q/k/v with
                         bias, lm_head without bias, PyTorch's default
                         initialisation (--init normal02: makemore's N(0, 0.02));
                         AdamW lr 5e-4, betas 0.9/0.99, eps 1e-8, weight decay
                         0.01, the gradient norm clipped at 1 (makemore's);
                         batch 32; test set = min(1000, 10%) of the words after
                         a seeded shuffle. 204,544 parameters on names.txt.

Both models use makemore's parameter names (transformer.wte, transformer.h.0.
attn.c_attn, ...), the names the crate's safetensors export uses.

Modes (one of):
  --time N     warm up, then time N training steps (batch sampling + forward +
               backward + AdamW) and print the mean per step, split by phase
  --train N    train N steps; print the train and val (names: test) loss on
               fixed evaluation batches at step 0, every --eval-every steps
               and at the end

The last line of output is machine-readable:
  RESULT setting=<s> mode=time steps=<n> us_per_step=<wall> cpu_us_per_step=<process CPU>
  RESULT setting=<s> mode=train steps=<n> us_per_step=<wall> train_loss=<l> val_loss=<l>

Examples:
  python3 benches/pytorch_gpt.py --setting shakespeare --time 200
  python3 benches/pytorch_gpt.py --setting names --train 5000 --eval-every 500
  python3 benches/pytorch_gpt.py --setting shakespeare --attn heads --time 200   # the lecture's Head modules

Reference runs (torch 2.15.0, CPU, default seeds, --train 5000 --eval-every 500):
  shakespeare              step 5000: train loss 1.6475, val loss 1.8108
  names                    step 5000: train loss 1.9673, test loss 2.0124
  names --init normal02    step 5000: train loss 2.0558, test loss 2.0612
  names --init normal02 --clip 0       train loss 2.0565, test loss 2.0619

Needs `pip install torch numpy`.
"""

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

# The repository sits beside the data: <root>/<checkout>/benches/this.py and
# <root>/shared/{tinyshakespeare,names}.txt.
SHARED = Path(__file__).resolve().parents[1].parent / 'shared'


@dataclass(frozen=True)
class Setting:
    data: Path
    batch: int
    block: int | None       # None: the longest name + 1
    n_embd: int
    n_head: int
    n_layer: int
    activation: str         # 'relu' or 'gelu_tanh'
    qkv_bias: bool
    lm_head_bias: bool
    init: str               # 'torch' (PyTorch defaults) or 'normal02' (makemore)
    lr: float
    betas: tuple
    eps: float
    weight_decay: float
    seed: int
    eval_batches: int       # fixed evaluation batches per split
    clip: float | None      # gradient-norm clipping (makemore: 1.0)
    expected_params: int    # on the default data


SETTINGS = {
    'shakespeare': Setting(
        data=SHARED / 'tinyshakespeare.txt', batch=16, block=32, n_embd=64, n_head=4,
        n_layer=4, activation='relu', qkv_bias=False, lm_head_bias=True, init='torch',
        lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, seed=1337,
        eval_batches=200, clip=None, expected_params=209_729),
    'names': Setting(
        data=SHARED / 'names.txt', batch=32, block=None, n_embd=64, n_head=4,
        n_layer=4, activation='gelu_tanh', qkv_bias=True, lm_head_bias=False,
        init='torch', lr=5e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01,
        seed=3407, eval_batches=10, clip=1.0, expected_params=204_544),
}


# --- the model ---------------------------------------------------------------

class CausalSelfAttention(nn.Module):
    """All heads from one fused projection c_attn (q | k | v), then c_proj."""

    def __init__(self, n_embd, n_head, block, qkv_bias):
        super().__init__()
        assert n_embd % n_head == 0
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=qkv_bias)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.register_buffer('mask', torch.tril(torch.ones(block, block, dtype=torch.bool)),
                             persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * hs ** -0.5       # (B, nh, T, T)
        att = att.masked_fill(~self.mask[:T, :T], float('-inf'))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)      # heads side by side
        return self.c_proj(y)


class Head(nn.Module):
    """The lecture's single head: its own key, query and value (no bias)."""

    def __init__(self, n_embd, head_size, block):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer('mask', torch.tril(torch.ones(block, block, dtype=torch.bool)),
                             persistent=False)

    def forward(self, x):
        T = x.shape[1]
        k, q, v = self.key(x), self.query(x), self.value(x)
        wei = (q @ k.transpose(-2, -1)) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(~self.mask[:T, :T], float('-inf'))
        return F.softmax(wei, dim=-1) @ v


class MultiHead(nn.Module):
    """The lecture's MultiHeadAttention: separate heads, concatenated, c_proj."""

    def __init__(self, n_embd, n_head, block):
        super().__init__()
        self.heads = nn.ModuleList(Head(n_embd, n_embd // n_head, block) for _ in range(n_head))
        self.c_proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(torch.cat([h(x) for h in self.heads], dim=-1))


class MLP(nn.Module):
    def __init__(self, n_embd, activation):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)
        self.activation = activation

    def forward(self, x):
        h = self.c_fc(x)
        h = F.relu(h) if self.activation == 'relu' else F.gelu(h, approximate='tanh')
        return self.c_proj(h)


class Block(nn.Module):
    """Pre-norm: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))."""

    def __init__(self, n_embd, n_head, block, activation, qkv_bias, per_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = (MultiHead(n_embd, n_head, block) if per_head
                     else CausalSelfAttention(n_embd, n_head, block, qkv_bias))
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, activation)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block, n_embd, n_head, n_layer, activation, qkv_bias,
                 lm_head_bias, init='torch', per_head=False):
        super().__init__()
        self.block = block
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, n_embd),
            wpe=nn.Embedding(block, n_embd),
            h=nn.ModuleList(Block(n_embd, n_head, block, activation, qkv_bias, per_head)
                            for _ in range(n_layer)),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab, bias=lm_head_bias)
        if init == 'normal02':
            self.apply(_init_normal02)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe.weight[:T]
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1),
                               ignore_index=-1)
        return logits, loss


def _init_normal02(m):
    """makemore's (and GPT-2's) initialisation."""
    if isinstance(m, (nn.Linear, nn.Embedding)):
        nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if getattr(m, 'bias', None) is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


# --- data ----------------------------------------------------------------------

class TextData:
    """Running text: first 90% train, last 10% val, random windows."""

    def __init__(self, path, block):
        with open(path, encoding='utf-8') as f:  # universal newlines, as the crate
            text = f.read().removeprefix('\ufeff')
        self.chars = sorted(set(text))
        stoi = {c: i for i, c in enumerate(self.chars)}
        data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
        n = int(0.9 * len(data))
        self.splits = {'train': data[:n], 'val': data[n:]}
        self.block = block
        for name, d in self.splits.items():
            if len(d) <= block:
                sys.exit(f'error: {path}: the {name} split has {len(d)} characters, '
                         f'too short for a block of {block}')

    def describe(self):
        return (f'{len(self.chars)} characters in the vocabulary; train/val '
                f'{len(self.splits["train"])}/{len(self.splits["val"])} characters')

    def batch(self, split, B, g):
        d = self.splits[split]
        ix = torch.randint(len(d) - self.block, (B,), generator=g)
        x = torch.stack([d[i:i + self.block] for i in ix])
        y = torch.stack([d[i + 1:i + 1 + self.block] for i in ix])
        return x, y

    def eval_set(self, split, B, count, g):
        return [self.batch(split, B, g) for _ in range(count)]


class NameData:
    """makemore's rows: x = . w1 .. wn 0 ..., y = w1 .. wn . -1 ..."""

    def __init__(self, path, seed):
        with open(path, encoding='utf-8') as f:
            words = [w.strip() for w in f.read().splitlines()]
        words = [w for w in words if w]
        self.chars = ['.'] + sorted(set(''.join(words)))
        stoi = {c: i for i, c in enumerate(self.chars)}
        self.block = max(len(w) for w in words) + 1
        test_size = min(1000, int(len(words) * 0.1))
        perm = torch.randperm(len(words), generator=torch.Generator().manual_seed(seed)).tolist()
        parts = {'train': [words[i] for i in perm[:-test_size]],
                 'val': [words[i] for i in perm[-test_size:]]}
        self.splits = {}
        for name, ws in parts.items():
            x = torch.zeros(len(ws), self.block, dtype=torch.long)
            y = torch.full((len(ws), self.block), -1, dtype=torch.long)
            for r, w in enumerate(ws):
                ix = torch.tensor([stoi[c] for c in w], dtype=torch.long)
                x[r, 1:1 + len(w)] = ix
                y[r, :len(w)] = ix
                y[r, len(w)] = 0
            self.splits[name] = (x, y)

    def describe(self):
        return (f'{len(self.chars)} tokens in the vocabulary, block {self.block}; train/test '
                f'{len(self.splits["train"][0])}/{len(self.splits["val"][0])} names')

    def batch(self, split, B, g):
        x, y = self.splits[split]
        ix = torch.randint(len(x), (B,), generator=g)
        return x[ix], y[ix]

    def eval_set(self, split, B, count, g):
        """makemore evaluates 10 batches of 100 rows; here they are fixed:
        the test set in order (all 1000 names of names.txt), and as many
        training rows drawn once."""
        x, y = self.splits[split]
        n = min(len(x), 100 * count)
        if split == 'train':
            ix = torch.randint(len(x), (n,), generator=g)
            x, y = x[ix], y[ix]
        return [(x[i:i + 100], y[i:i + 100]) for i in range(0, n, 100)]


# --- training ------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--setting', choices=sorted(SETTINGS), required=True)
    p.add_argument('--data', type=Path, default=None,
                   help='text file (shakespeare) or names file (names); default: ../shared/')
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument('--time', type=int, metavar='N', help='time N steps after warm-up')
    mode.add_argument('--train', type=int, metavar='STEPS', help='train STEPS steps')
    p.add_argument('--warmup', type=int, default=20, help='untimed steps before --time (default 20)')
    p.add_argument('--eval-every', type=int, default=500,
                   help='with --train, evaluate every N steps (default 500; 0: only at the ends)')
    p.add_argument('--eval-batches', type=int, default=None,
                   help='fixed evaluation batches per split (default: 200 for shakespeare, '
                        'the lecture\'s eval_iters; 10 of 100 rows for names, makemore\'s)')
    p.add_argument('--seed', type=int, default=None,
                   help='seed of the initialisation and of the batches (default: 1337 '
                        'shakespeare, the lecture\'s; 3407 names, makemore\'s)')
    p.add_argument('--attn', choices=['fused', 'heads'], default='fused',
                   help='shakespeare: one fused q|k|v projection (default) or the lecture\'s '
                        'separate Head modules (same function, same parameter count)')
    p.add_argument('--adamw', choices=['default', 'foreach', 'fused'], default='default',
                   help='torch.optim.AdamW\'s implementation: PyTorch\'s default choice (on the '
                        'CPU a loop over the parameters), foreach=True or fused=True')
    p.add_argument('--init', choices=['torch', 'normal02'], default=None,
                   help='initialisation (default: torch, PyTorch\'s defaults; normal02 is '
                        'makemore\'s _init_weights, N(0, 0.02) weights and zero biases)')
    p.add_argument('--clip', type=float, default=None,
                   help='clip the gradient norm to this (default: 1.0 for names, as makemore; '
                        'none for shakespeare, as the lecture); 0 turns clipping off')
    p.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default 1)')
    args = p.parse_args(argv)
    n = args.time if args.time is not None else args.train
    if n < 1 or args.warmup < 0 or args.eval_every < 0:
        p.error('N and STEPS must be >= 1, --warmup and --eval-every >= 0')
    if args.attn == 'heads' and args.setting != 'shakespeare':
        p.error('--attn heads is the lecture\'s model: --setting shakespeare only')
    return args


def count_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def evaluate(model, sets):
    model.eval()
    out = {}
    for split, batches in sets.items():
        total, count = 0.0, 0
        for x, y in batches:
            _, loss = model(x, y)
            n = int((y != -1).sum())
            total += loss.item() * n
            count += n
        out[split] = total / count  # the mean over every counted target
    model.train()
    return out


def main(argv=None):
    args = parse_args(argv)
    s = SETTINGS[args.setting]
    torch.set_num_threads(args.threads)
    seed = s.seed if args.seed is None else args.seed
    path = args.data or s.data
    torch.manual_seed(seed)

    data = TextData(path, s.block) if args.setting == 'shakespeare' else NameData(path, seed)
    block = data.block
    model = GPT(len(data.chars), block, s.n_embd, s.n_head, s.n_layer, s.activation,
                s.qkv_bias, s.lm_head_bias, init=args.init or s.init, per_head=args.attn == 'heads')
    impl = {'default': {}, 'foreach': {'foreach': True}, 'fused': {'fused': True}}[args.adamw]
    opt = torch.optim.AdamW(model.parameters(), lr=s.lr, betas=s.betas, eps=s.eps,
                            weight_decay=s.weight_decay, **impl)
    n_params = count_params(model)
    print(f'torch {torch.__version__}  setting={args.setting}  attn={args.attn}  adamw={args.adamw}  '
          f'threads={torch.get_num_threads()}  dtype=float32  seed={seed}')
    print(f'data {path}: {data.describe()}')
    print(f'params {n_params} (transformer {count_params(model.transformer)}, '
          f'lm_head {count_params(model.lm_head)})')
    if path == s.data and n_params != s.expected_params:
        sys.exit(f'error: {n_params} parameters, the setting has {s.expected_params}')
    print(f'batch {s.batch}, block {block}, n_embd {s.n_embd}, n_head {s.n_head}, '
          f'n_layer {s.n_layer}, {s.activation}, AdamW lr {s.lr} betas {s.betas} eps {s.eps} '
          f'weight_decay {s.weight_decay}, clip {s.clip if args.clip is None else (args.clip or None)}')

    clip = s.clip if args.clip is None else (args.clip or None)
    g = torch.Generator().manual_seed(seed)
    phases = {'batch': 0.0, 'forward': 0.0, 'backward': 0.0, 'adamw': 0.0}

    def step(timed):
        t0 = time.perf_counter()
        xb, yb = data.batch('train', s.batch, g)
        t1 = time.perf_counter()
        _, loss = model(xb, yb)
        t2 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        if timed:
            phases['batch'] += t1 - t0
            phases['forward'] += t2 - t1
            phases['backward'] += t3 - t2
            phases['adamw'] += t4 - t3
        return loss

    if args.time is not None:
        for _ in range(args.warmup):
            step(False)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.time):
            loss = step(True)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        us = elapsed / args.time * 1e6
        cpu_us = cpu / args.time * 1e6
        split = '  '.join(f'{k} {v / args.time * 1e6:.0f}' for k, v in phases.items())
        print(f'last minibatch loss {loss.item():.4f}')
        print(f'timed {args.time} steps after {args.warmup} warm-up: {us:.1f} us/step '
              f'({split} us); process CPU time {cpu_us:.1f} us/step')
        print(f'RESULT setting={args.setting} mode=time steps={args.time} us_per_step={us:.1f} '
              f'cpu_us_per_step={cpu_us:.1f}')
        return

    eval_g = torch.Generator().manual_seed(seed + 1)
    count = args.eval_batches or s.eval_batches
    sets = {split: data.eval_set(split, s.batch, count, eval_g) for split in ('train', 'val')}
    val_name = 'val' if args.setting == 'shakespeare' else 'test'
    print(f'evaluation: {sum(len(b) for b, _ in sets["train"])} train rows, '
          f'{sum(len(b) for b, _ in sets["val"])} {val_name} rows, fixed')

    def report(i):
        losses = evaluate(model, sets)
        print(f'step {i:5d}: train loss {losses["train"]:.4f}, {val_name} loss {losses["val"]:.4f}',
              flush=True)
        return losses

    report(0)
    elapsed = 0.0  # training steps only, not the evaluations
    for i in range(1, args.train + 1):
        t0 = time.perf_counter()
        step(False)
        elapsed += time.perf_counter() - t0
        if args.eval_every and i % args.eval_every == 0 and i != args.train:
            report(i)
    losses = report(args.train)
    us = elapsed / args.train * 1e6
    print(f'{args.train} steps in {elapsed:.1f} s of training (evaluations not counted)')
    print(f'RESULT setting={args.setting} mode=train steps={args.train} us_per_step={us:.1f} '
          f'train_loss={losses["train"]:.4f} val_loss={losses["val"]:.4f}')


if __name__ == '__main__':
    main()
