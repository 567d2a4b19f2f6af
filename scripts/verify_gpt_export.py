#!/usr/bin/env python3
"""Check a GPT gradient export of the crate against PyTorch autograd (float64).

Usage:
  python3 scripts/verify_gpt_export.py FILE.safetensors [--tol 1e-6] [--floor 1e-8]
  python3 scripts/verify_gpt_export.py --self-test [--keep DIR]

FILE holds, in float64 unless said otherwise:
  - the parameters, named as in makemore's Transformer state_dict:
      transformer.wte.weight (V, C), transformer.wpe.weight (block_size, C),
      transformer.h.{i}.ln_1.weight/.bias (C,),
      transformer.h.{i}.attn.c_attn.weight (3C, C) [.bias (3C,)],
      transformer.h.{i}.attn.c_proj.weight (C, C) /.bias (C,),
      transformer.h.{i}.ln_2.weight/.bias,
      transformer.h.{i}.mlp.c_fc.weight (4C, C) /.bias (4C,),
      transformer.h.{i}.mlp.c_proj.weight (C, 4C) /.bias (C,),
      transformer.ln_f.weight/.bias, lm_head.weight (V, C) [lm_head.bias (V,)]
    Linear weights in PyTorch's (out, in) layout. Optional tensors (the
    biases in brackets, a whole attn.c_proj) are used when present;
  - X (B, T) and Y (B, T) integer token indices, Y = -1 where ignored;
  - loss, shape () or (1,): the crate's mean cross-entropy over the
    targets that are not -1;
  - grad.<name> for every parameter, with its shape;
  - optionally logits (B, T, V), compared when present;
  - metadata (strings): n_head (required), and n_layer, n_embd, block_size,
    vocab_size (checked against the tensors when present), activation
    (relu | gelu_tanh, default gelu_tanh, makemore's GELU).

This script builds that Transformer in PyTorch (float64), loads the
parameters with load_state_dict(strict=True), runs the forward pass with
F.cross_entropy(ignore_index=-1) and loss.backward(), and prints a table: for
the loss and every gradient, the shape, the largest absolute difference and
the norm-wise relative error ||ours - torch|| / max(||torch||, floor). It exits
0 if the loss and every gradient are within --tol, 1 if one is not or one is
missing or has the wrong shape, 2 if the file cannot be used at all.

--self-test writes such files itself from random PyTorch models (makemore's
GELU Transformer with biases, and the lecture's ReLU model with bias-free
q/k/v and a biased lm_head), built by the other implementation of this
repository, the GPT class of benches/pytorch_gpt.py (its own attention, GELU
by F.gelu), checks that they PASS, and that copies with one gradient entry
perturbed by 1e-4 FAIL.
"""

import argparse
import math
import sys
import tempfile
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

try:
    from safetensors.torch import load_file, save_file
    from safetensors import safe_open
except ImportError:  # pragma: no cover
    sys.exit('error: needs the safetensors package (pip install safetensors)')

LN_EPS = 1e-5
ACTIVATIONS = {'relu': 'relu', 'gelu_tanh': 'gelu_tanh', 'gelu': 'gelu_tanh',
               'gelu-tanh': 'gelu_tanh', 'newgelu': 'gelu_tanh'}


class Unusable(Exception):
    """The file cannot be checked at all (exit 2)."""


# --- the model: makemore's Transformer, its parts optional ----------------------

class CausalSelfAttention(nn.Module):
    def __init__(self, C, n_head, qkv_bias, proj, proj_bias):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(C, 3 * C, bias=qkv_bias)
        self.c_proj = nn.Linear(C, C, bias=proj_bias) if proj else None

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, hs).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = F.softmax(att.masked_fill(~mask, float('-inf')), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return y if self.c_proj is None else self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, C, activation, fc_bias, proj_bias):
        super().__init__()
        self.c_fc = nn.Linear(C, 4 * C, bias=fc_bias)
        self.c_proj = nn.Linear(4 * C, C, bias=proj_bias)
        self.activation = activation

    def forward(self, x):
        h = self.c_fc(x)
        if self.activation == 'relu':
            h = F.relu(h)
        else:  # makemore's NewGELU, written out
            h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h ** 3)))
        return self.c_proj(h)


class Block(nn.Module):
    def __init__(self, C, n_head, activation, flags):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C, eps=LN_EPS)
        self.attn = CausalSelfAttention(C, n_head, flags['qkv_bias'], flags['attn_proj'],
                                        flags['attn_proj_bias'])
        self.ln_2 = nn.LayerNorm(C, eps=LN_EPS)
        self.mlp = MLP(C, activation, flags['fc_bias'], flags['mlp_proj_bias'])

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, vocab, block, C, n_head, n_layer, activation, flags):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, C),
            wpe=nn.Embedding(block, C),
            h=nn.ModuleList(Block(C, n_head, activation, flags) for _ in range(n_layer)),
            ln_f=nn.LayerNorm(C, eps=LN_EPS),
        ))
        self.lm_head = nn.Linear(C, vocab, bias=flags['lm_head_bias'])

    def forward(self, idx, targets):
        T = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe.weight[:T]
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                               ignore_index=-1)
        return logits, loss


# --- reading an export -----------------------------------------------------------

def read_export(path):
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework='pt') as f:
            meta = f.metadata() or {}
    except Exception as e:  # noqa: BLE001 - any reason the file cannot be read
        raise Unusable(f'{path}: cannot read as safetensors: {e}') from e
    return tensors, meta


def describe_model(tensors, meta):
    """The model's sizes and optional parts, from the tensors and metadata."""
    def need(name):
        if name not in tensors:
            raise Unusable(f'the parameter {name} is missing')
        return tensors[name]

    wte, wpe = need('transformer.wte.weight'), need('transformer.wpe.weight')
    if wte.ndim != 2 or wpe.ndim != 2 or wte.shape[1] != wpe.shape[1]:
        raise Unusable(f'wte {tuple(wte.shape)} and wpe {tuple(wpe.shape)} must be (V, C) and '
                       '(block_size, C)')
    vocab, C = wte.shape
    block = wpe.shape[0]
    layers = sorted({int(k.split('.')[2]) for k in tensors if k.startswith('transformer.h.')})
    if layers != list(range(len(layers))):
        raise Unusable(f'the blocks transformer.h.{{i}} are not numbered 0..n-1: {layers}')
    n_layer = len(layers)
    sizes = {'vocab_size': vocab, 'n_embd': C, 'block_size': block, 'n_layer': n_layer}
    for key, value in sizes.items():
        if key in meta and int(meta[key]) != value:
            raise Unusable(f'metadata {key}={meta[key]} but the tensors say {value}')
    if 'n_head' not in meta:
        raise Unusable('metadata n_head is missing (the heads cannot be read off the tensors)')
    n_head = int(meta['n_head'])
    if n_head < 1 or C % n_head:
        raise Unusable(f'n_head {n_head} does not divide n_embd {C}')
    act = meta.get('activation', 'gelu_tanh').lower()
    if act not in ACTIVATIONS:
        raise Unusable(f'activation {act!r} is not one of {sorted(ACTIVATIONS)}')
    h0 = 'transformer.h.0.'
    flags = {
        'qkv_bias': h0 + 'attn.c_attn.bias' in tensors,
        'attn_proj': h0 + 'attn.c_proj.weight' in tensors,
        'attn_proj_bias': h0 + 'attn.c_proj.bias' in tensors,
        'fc_bias': h0 + 'mlp.c_fc.bias' in tensors,
        'mlp_proj_bias': h0 + 'mlp.c_proj.bias' in tensors,
        'lm_head_bias': 'lm_head.bias' in tensors,
    }
    if n_layer == 0:
        flags.update(qkv_bias=False, attn_proj=False, attn_proj_bias=False, fc_bias=False,
                     mlp_proj_bias=False)
    return dict(vocab=vocab, block=block, C=C, n_head=n_head, n_layer=n_layer,
                activation=ACTIVATIONS[act], flags=flags)


def rel_err(ours, ref, floor):
    return ((ours - ref).norm() / max(ref.norm().item(), floor)).item()


def check(path, tol=1e-6, floor=1e-8, out=print):
    """Prints the comparison table; returns 0 (PASS), 1 (FAIL) or 2 (unusable)."""
    try:
        tensors, meta = read_export(path)
        cfg = describe_model(tensors, meta)
        params = {k: v for k, v in tensors.items()
                  if not k.startswith('grad.') and k not in ('X', 'Y', 'loss', 'logits')}
        for k, v in params.items():
            if v.dtype != torch.float64:
                raise Unusable(f'{k} is {v.dtype}, expected float64')
        model = Transformer(cfg['vocab'], cfg['block'], cfg['C'], cfg['n_head'],
                            cfg['n_layer'], cfg['activation'], cfg['flags']).double()
        try:
            model.load_state_dict(params, strict=True)
        except RuntimeError as e:
            raise Unusable(f'the parameters do not fit the Transformer they describe: {e}') from e
        for k in ('X', 'Y', 'loss'):
            if k not in tensors:
                raise Unusable(f'{k} is missing')
        X, Y = tensors['X'], tensors['Y']
        if X.is_floating_point() or Y.is_floating_point():
            raise Unusable(f'X and Y must be integers, got {X.dtype} and {Y.dtype}')
        X, Y = X.long(), Y.long()
        if X.ndim != 2 or X.shape != Y.shape or X.shape[1] > cfg['block']:
            raise Unusable(f'X {tuple(X.shape)} and Y {tuple(Y.shape)} must both be (B, T) '
                           f'with T <= block_size {cfg["block"]}')
        if X.min() < 0 or X.max() >= cfg['vocab'] or Y.min() < -1 or Y.max() >= cfg['vocab']:
            raise Unusable(f'token indices outside 0..{cfg["vocab"] - 1} (Y: or -1)')
        if (Y != -1).sum() == 0:
            raise Unusable('every target is ignored (-1): the loss is undefined')
    except Unusable as e:
        out(f'error: {e}')
        return 2

    logits, loss = model(X, Y)
    logits.retain_grad()
    loss.backward()

    f = cfg['flags']
    out(f'{path}: n_layer {cfg["n_layer"]}, n_head {cfg["n_head"]}, n_embd {cfg["C"]}, '
        f'block_size {cfg["block"]}, vocab_size {cfg["vocab"]}, {cfg["activation"]}, '
        f'batch {tuple(X.shape)}, {(Y != -1).sum().item()} targets counted')
    out('biases: ' + ', '.join(f'{k} {"yes" if v else "no"}' for k, v in f.items()))
    width = max(24, *(len('grad.' + k) for k in params)) + 1
    out(f'{"tensor":<{width}} {"shape":<14} {"max abs diff":>13} {"rel err":>10}  ok')
    failed = []

    def row(name, ours, ref):
        if ours is None:
            out(f'{name:<{width}} {"":<14} {"":>13} {"":>10}  MISSING')
            failed.append(name)
            return
        ours = ours.to(torch.float64).reshape(ours.shape)
        if ours.numel() == ref.numel() == 1:
            ours, ref = ours.reshape(()), ref.reshape(())
        if ours.shape != ref.shape:
            out(f'{name:<{width}} {str(tuple(ours.shape)):<14} {"":>13} {"":>10}  '
                f'SHAPE (torch: {tuple(ref.shape)})')
            failed.append(name)
            return
        diff = (ours - ref).abs().max().item() if ours.numel() else 0.0
        err = rel_err(ours, ref, floor)
        ok = err <= tol and math.isfinite(err)
        if not ok:
            failed.append(name)
        out(f'{name:<{width}} {str(tuple(ref.shape)):<14} {diff:>13.3e} {err:>10.3e}  '
            f'{"yes" if ok else "NO"}')

    row('loss', tensors['loss'], loss.detach())
    if 'logits' in tensors:
        row('logits', tensors['logits'], logits.detach())
    for name, p in model.named_parameters():
        row('grad.' + name, tensors.get('grad.' + name), p.grad)
    extra = sorted(k for k in tensors if k.startswith('grad.')
                   and k[5:] not in dict(model.named_parameters()))
    if extra:
        out(f'note: gradients of no parameter, not checked: {", ".join(extra)}')
    if failed:
        out(f'FAIL: {len(failed)} of the tensors above ({", ".join(failed[:6])}'
            f'{", ..." if len(failed) > 6 else ""}) beyond --tol {tol:g}')
        return 1
    out(f'PASS: the loss and every gradient within --tol {tol:g} (norm-wise relative error)')
    return 0


# --- self-test ------------------------------------------------------------------------

def write_export(path, model, X, Y, meta, perturb=None):
    """An export in the crate's layout from a PyTorch model: state_dict as is
    (its Linear weights are (out, in)), float64, gradients by autograd."""
    model.zero_grad()
    logits, loss = model(X, Y)
    loss.backward()
    out = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    out.update(X=X.clone(), Y=Y.clone(), loss=loss.detach().reshape(()).clone(),
               logits=logits.detach().contiguous())
    for name, p in model.named_parameters():
        out['grad.' + name] = p.grad.detach().clone().contiguous()
    if perturb:
        out[perturb].view(-1)[0] += 1e-4
    save_file(out, str(path), metadata={k: str(v) for k, v in meta.items()})


def bench_model(vocab, block, C, n_head, n_layer, act, flags):
    """The GPT of benches/pytorch_gpt.py, a second implementation, so that
    the self-test compares two programs; this file's own if it is not there."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'benches'))
    sys.dont_write_bytecode = True  # no __pycache__ left in benches/
    try:
        from pytorch_gpt import GPT
    except ImportError:
        print('note: benches/pytorch_gpt.py not found; the self-test writes with this file\'s model')
        return Transformer(vocab, block, C, n_head, n_layer, act, flags)
    finally:
        sys.path.pop(0)
    assert flags['attn_proj'] and flags['attn_proj_bias'] and flags['fc_bias'] \
        and flags['mlp_proj_bias']
    return GPT(vocab, block, C, n_head, n_layer, act, flags['qkv_bias'], flags['lm_head_bias'])


def self_test(keep=None):
    g = torch.Generator().manual_seed(7)
    cases = [
        ('makemore', 'gelu_tanh', dict(qkv_bias=True, attn_proj=True, attn_proj_bias=True,
                                       fc_bias=True, mlp_proj_bias=True, lm_head_bias=False)),
        ('lecture', 'relu', dict(qkv_bias=False, attn_proj=True, attn_proj_bias=True,
                                 fc_bias=True, mlp_proj_bias=True, lm_head_bias=True)),
    ]
    vocab, block, C, n_head, n_layer, B, T = 7, 6, 8, 2, 2, 3, 5
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(keep) if keep else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        for name, act, flags in cases:
            torch.manual_seed(1)
            model = bench_model(vocab, block, C, n_head, n_layer, act, flags).double()
            with torch.no_grad():  # away from PyTorch's init, so LayerNorm's weights matter
                for p in model.parameters():
                    p.add_(0.3 * torch.randn(p.shape, generator=g, dtype=torch.float64))
            X = torch.randint(vocab, (B, T), generator=g)
            Y = torch.randint(vocab, (B, T), generator=g)
            Y[0, 3:] = -1  # a padded row, as makemore's
            meta = dict(n_layer=n_layer, n_head=n_head, n_embd=C, block_size=block,
                        vocab_size=vocab, activation=act)
            good, bad = where / f'{name}.safetensors', where / f'{name}_broken.safetensors'
            write_export(good, model, X, Y, meta)
            victim = 'grad.transformer.h.1.attn.c_attn.weight'
            write_export(bad, model, X, Y, meta, perturb=victim)
            print(f'--- self-test {name}: a correct export must PASS')
            passed = check(good) == 0
            print(f'--- self-test {name}: {victim} off by 1e-4 must FAIL')
            lines = []
            failed = check(bad, out=lines.append) == 1
            print('\n'.join(line for line in lines if 'NO' in line or 'FAIL' in line))
            ok &= passed and failed
        # An unusable file is exit 2, not a crash.
        junk = where / 'junk.safetensors'
        junk.write_bytes(b'not a safetensors file')
        print('--- self-test: a file that is no export is refused')
        ok &= check(junk) == 2
    print('self-test', 'OK' if ok else 'FAILED')
    return 0 if ok else 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('file', nargs='?', help='safetensors file written by the crate')
    p.add_argument('--tol', type=float, default=1e-6,
                   help='largest norm-wise relative error accepted (default 1e-6)')
    p.add_argument('--floor', type=float, default=1e-8,
                   help='smallest denominator of the relative error (default 1e-8)')
    p.add_argument('--self-test', action='store_true',
                   help='check files written here from PyTorch models (no FILE)')
    p.add_argument('--keep', metavar='DIR', help='with --self-test, keep its files in DIR')
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    if args.self_test:
        return self_test(args.keep)
    if not args.file:
        p.error('give FILE or --self-test')
    return check(args.file, args.tol, args.floor)


if __name__ == '__main__':
    sys.exit(main())
