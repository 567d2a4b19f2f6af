#!/usr/bin/env python3
"""Checks the reward model's gradients of `check --model reward --export FILE`
against PyTorch's autograd.

The file holds, in float64, the reward model of a small makemore GPT: the
trunk's parameters named as makemore's state_dict, `reward_head.weight`
(1, C) and `reward_head.bias` (1,), 3 pairs as `X` (2N, T) (the chosen rows,
then the rejected ones) and `end` (2N,) (each row's end-of-answer position),
the rewards `r`, the Bradley-Terry `loss` and every gradient as
`grad.<name>`. The trunk is verify_gpt_export.py's Transformer (loaded
without its lm_head); the head reads the last LayerNorm's output at `end`:

    r = ln_f(x)[b, end[b]] @ w.T + b        loss = -mean(logsigmoid(r_c - r_r))

Usage: python3 scripts/verify_reward_export.py reward_check.safetensors
(needs: pip install torch safetensors). Prints the comparison; exits 0 on
PASS, 1 on FAIL, 2 if the file cannot be used.
"""

import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_gpt_export import Transformer, Unusable, describe_model, read_export, rel_err  # noqa: E402


def check(path, tol=1e-6, floor=1e-8, out=print):
    try:
        tensors, meta = read_export(path)
        for k in ('X', 'end', 'loss', 'reward_head.weight', 'reward_head.bias'):
            if k not in tensors:
                raise Unusable(f'{k} is missing')
        cfg = describe_model(tensors, meta)
        cfg['flags']['lm_head_bias'] = False
        model = Transformer(cfg['vocab'], cfg['block'], cfg['C'], cfg['n_head'],
                            cfg['n_layer'], cfg['activation'], cfg['flags']).double()
        trunk = {k: v for k, v in tensors.items() if k.startswith('transformer.')}
        missing, unexpected = model.load_state_dict(trunk, strict=False)
        if unexpected or any(not k.startswith('lm_head') for k in missing):
            raise Unusable(f'the trunk does not fit: missing {missing}, unexpected {unexpected}')
        w = tensors['reward_head.weight'].clone().requires_grad_(True)
        b = tensors['reward_head.bias'].clone().requires_grad_(True)
        X, end = tensors['X'].long(), tensors['end'].long()
        if X.ndim != 2 or X.shape[0] % 2 or end.shape != (X.shape[0],):
            raise Unusable(f'X {tuple(X.shape)} must be (2N, T) and end (2N,)')
    except Unusable as e:
        out(f'UNUSABLE: {e}')
        return 2
    T = X.shape[1]
    tr = model.transformer
    x = tr.wte(X) + tr.wpe.weight[:T]
    for block in tr.h:
        x = block(x)
    x = tr.ln_f(x)
    rows = torch.arange(X.shape[0])
    r = x[rows, end] @ w.T[:, 0] + b[0]
    n = X.shape[0] // 2
    loss = -F.logsigmoid(r[:n] - r[n:]).mean()
    loss.backward()
    ours = {'loss': tensors['loss'].reshape(()), 'r': tensors['r']}
    worst = 0.0
    out(f'{"":40} {"rel. error":>12}')
    for name, ref in [('loss', loss.detach()), ('r', r.detach())]:
        e = rel_err(ours[name], ref, floor)
        worst = max(worst, e)
        out(f'{name:40} {e:12.2e}')
    refs = {k: p.grad for k, p in model.named_parameters() if p.grad is not None}
    refs['reward_head.weight'] = w.grad
    refs['reward_head.bias'] = b.grad
    for name in sorted(k for k in tensors if not k.startswith('grad.') and k in refs):
        g = tensors.get('grad.' + name)
        if g is None:
            out(f'UNUSABLE: grad.{name} is missing')
            return 2
        e = rel_err(g, refs[name], floor)
        worst = max(worst, e)
        out(f'{"grad." + name:40} {e:12.2e}')
    verdict = 'PASS' if worst <= tol else 'FAIL'
    out(f'{verdict}: worst relative error {worst:.2e} (tolerance {tol:g})')
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(check(sys.argv[1]))
