#!/usr/bin/env python3
"""PyTorch's REINFORCE + KL step of RLHF, on the crate's model and rollout, timed.

The crate's bench (`cargo bench --features bench --bench rlhf_step` with
RLHF_STEP_EXPORT=FILE) writes its model at initialisation (makemore's
Transformer on the chat format of the names' characters: vocabulary 45,
block 53, n_embd 64, 4 layers, 4 heads, GELU, c_attn with bias, lm_head
without; the GPT class of benches/pytorch_gpt.py) and a rollout of 16 prompts
x 8 answers = 128 rows sampled from it (or from the chat checkpoint
RLHF_STEP_POLICY names, sft's): idx, tokens, mask (N, T), rewards (N,),
the reference's logp_ref (N, T), and the losses and clipped gradients of its
first two updates. This script loads them and runs the same step with
autograd, f32, on one thread:

  logp     = log_softmax(policy(idx)).gather(tokens)                  (N, T)
  A        = rewards - the mean of their group of 8                   (N,)
  pg       = -1/M sum(mask * A * logp)            M the answer tokens
  u        = logp_ref - logp;  kl = 1/M sum(mask * (expm1(u) - u))    (k3)
  loss     = pg + 0.05 * kl;  loss.backward()
  clip_grad_norm_(1.0);  AdamW(lr 1e-4, betas (0.9, 0.99), eps 1e-8,
                               weight_decay 0.01).step()

First it checks that its two steps agree with the crate's (the losses, the
clipped gradients; the first step is at the reference, where the KL and its
gradient are 0, the second is not), then times, as the crate's bench times
its own (3 warm-up steps, then 25 steps timed one by one; the fastest, the
median, and the median CPU time of the thread, which leaves out the time a
shared machine kept it waiting):

  update               the step above on the fixed rollout, logp_ref given
                       (the crate: rlhf::update)
  with_rewards_update  the advantages and the reference's forward under
                       no_grad (logp_ref), then the step (the crate:
                       rlhf::with_rewards + rlhf::update in one workspace;
                       REINFORCE reads no logp_old)
  rollout_update       sampling the 128 answers first, with a KV cache, all
                       rows in one batch until each has drawn
                       <|assistant_end|> or the block is full, at
                       temperature 1 (the crate: rlhf::sample, whose rows
                       leave the batch as they end), then with_rewards_update;
                       the rewards stay the exported ones

The last lines are machine-readable:
  RESULT side=torch what=<row> ms_per_step=<fastest> median_ms=<median>
         cpu_median_ms=<median CPU> ...

Usage:
  RLHF_STEP_EXPORT=/tmp/r.safetensors cargo bench --features bench --bench rlhf_step
  python3 benches/rlhf_step.py /tmp/r.safetensors
or `bash benches/rlhf_step.sh`, which runs both and prints the table.
Needs `pip install torch safetensors`.
"""

import argparse
import copy
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pytorch_gpt import GPT, count_params  # noqa: E402

try:
    from safetensors import safe_open
except ImportError:  # pragma: no cover
    sys.exit('error: needs the safetensors package (pip install safetensors)')

# makemore's Transformer on the chat format's 45 tokens, block 53: the
# crate's Gpt::num_params for the same config (tests/it checks it).
EXPECTED_PARAMS = 209_216
WARMUP, STEPS = 3, 25
KL_COEF = 0.05
CLIP = 1.0
ADAMW = dict(lr=1e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)


def load(path):
    """The export's tensors and metadata."""
    tensors = {}
    with safe_open(str(path), framework='pt') as f:
        meta = f.metadata() or {}
        for k in f.keys():
            tensors[k] = f.get_tensor(k)
    if meta.get('format') != 'backprop-ninja rlhf step':
        sys.exit(f'error: {path}: not an export of benches/rlhf_step.rs '
                 f'(format {meta.get("format")!r})')
    return tensors, meta


def token_logprobs(model, idx, tokens):
    """(N, T) the log-probability of each token."""
    logits, _ = model(idx)
    return F.log_softmax(logits, dim=-1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)


def advantages(rewards, group):
    g = rewards.view(-1, group)
    return (g - g.mean(dim=1, keepdim=True)).reshape(-1)


def losses(logp, logp_ref, adv, mask):
    m = mask.sum()
    pg = -(adv[:, None] * logp * mask).sum() / m
    u = logp_ref - logp
    kl = ((torch.expm1(u) - u) * mask).sum() / m
    return pg + KL_COEF * kl, pg, kl


def step(policy, opt, batch, adv, logp_ref):
    """One optimiser step; the losses."""
    idx, tokens, mask = batch
    logp = token_logprobs(policy, idx, tokens)
    loss, pg, kl = losses(logp, logp_ref, adv, mask)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), CLIP)
    opt.step()
    return loss, pg, kl


@torch.no_grad()
def reference_logprobs(model, batch):
    idx, tokens, _ = batch
    return token_logprobs(model, idx, tokens)


@torch.no_grad()
def sample(model, prompts, end, temperature=1.0):
    """Answers after `prompts (N, P)` drawn with a KV cache, all rows in one
    batch until each drew `end` or the block is full; the batch (idx, tokens,
    mask) as the crate's rlhf::sample builds it."""
    n, p = prompts.shape
    block = model.block
    t = model.transformer
    caches = [None] * len(t.h)
    seq = prompts
    x_new = prompts  # the positions the cache has not seen
    done = torch.zeros(n, dtype=torch.bool)
    ended_at = torch.full((n,), block, dtype=torch.long)
    while seq.shape[1] < block and not bool(done.all()):
        start = seq.shape[1] - x_new.shape[1]
        tt = x_new.shape[1]
        x = t.wte(x_new) + t.wpe.weight[start:start + tt]
        for li, blk in enumerate(t.h):
            h = blk.ln_1(x)
            attn = blk.attn
            C = h.shape[-1]
            hs = C // attn.n_head
            q, k, v = attn.c_attn(h).split(C, dim=2)
            q = q.view(n, tt, attn.n_head, hs).transpose(1, 2)
            k = k.view(n, tt, attn.n_head, hs).transpose(1, 2)
            v = v.view(n, tt, attn.n_head, hs).transpose(1, 2)
            if caches[li] is not None:
                k = torch.cat([caches[li][0], k], dim=2)
                v = torch.cat([caches[li][1], v], dim=2)
            caches[li] = (k, v)
            att = (q @ k.transpose(-2, -1)) * hs ** -0.5
            total = k.shape[2]
            causal = attn.mask[start:start + tt, :total]
            att = att.masked_fill(~causal, float('-inf'))
            y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(n, tt, C)
            x = x + attn.c_proj(y)
            x = x + blk.mlp(blk.ln_2(x))
        logits = model.lm_head(t.ln_f(x[:, -1]))
        probs = F.softmax(logits / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1)
        newly = (nxt[:, 0] == end) & ~done
        ended_at[newly] = seq.shape[1]
        done |= newly
        seq = torch.cat([seq, nxt], dim=1)
        x_new = nxt
    # Each row up to its end token (or the block), padded with 0.
    lengths = torch.minimum(ended_at + 1, torch.tensor(seq.shape[1]))
    T = int(lengths.max()) - 1
    pos = torch.arange(T)
    valid = pos[None, :] < (lengths[:, None] - 1)
    idx = torch.where(valid, seq[:, :T], 0)
    tokens = torch.where(valid, seq[:, 1:T + 1], 0)
    mask = (valid & (pos[None, :] + 1 >= p)).to(torch.float32)
    return idx, tokens, mask


def check(name, ours, theirs, tol):
    err = float((ours - theirs).norm() / max(float(theirs.norm()), 1e-12))
    ok = err <= tol
    print(f'  {name:<34} relative error {err:.2e} {"ok" if ok else "FAIL"}')
    return ok


def timed_rows(rows):
    """Each row's step: WARMUP untimed, then STEPS timed one by one; the
    fastest and the median wall-clock time, and the median CPU time of the
    thread (time.thread_time, the crate's /proc/thread-self/schedstat), in
    ms."""
    for what, run in rows:
        for _ in range(WARMUP):
            run()
        wall, cpu = [], []
        for _ in range(STEPS):
            t0, c0 = time.perf_counter(), time.thread_time()
            run()
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.thread_time() - c0) * 1e3)
        wall.sort()
        cpu.sort()
        print(f'RESULT side=torch what={what} ms_per_step={wall[0]:.2f} '
              f'median_ms={wall[STEPS // 2]:.2f} cpu_median_ms={cpu[STEPS // 2]:.2f} '
              f'warmup={WARMUP} steps={STEPS}', flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('export', type=Path, help='the file RLHF_STEP_EXPORT names')
    ap.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default 1)')
    ap.add_argument('--tol', type=float, default=1e-4,
                    help='the largest relative error of the check (default 1e-4)')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(1337)

    tensors, meta = load(args.export)
    vocab, block = int(meta['vocab_size']), int(meta['block_size'])
    n_embd, n_head, n_layer = int(meta['n_embd']), int(meta['n_head']), int(meta['n_layer'])
    group = int(meta['group'])
    end = int(meta['assistant_end'])
    policy = GPT(vocab, block, n_embd, n_head, n_layer, 'gelu_tanh', qkv_bias=True,
                 lm_head_bias=False)
    params = {k: v for k, v in tensors.items() if k.startswith(('transformer.', 'lm_head.'))}
    policy.load_state_dict(params, strict=True)
    n_params = count_params(policy)
    if str(n_params) != meta['params'] or ((vocab, block) == (45, 53)
                                           and n_params != EXPECTED_PARAMS):
        sys.exit(f'error: {n_params} parameters; the crate has {meta["params"]}, '
                 f'this script expects {EXPECTED_PARAMS}')
    reference = copy.deepcopy(policy).requires_grad_(False)
    batch = (tensors['idx'], tensors['tokens'], tensors['mask'].to(torch.float32))
    rewards = tensors['rewards']
    N, T = batch[0].shape
    starts = tensors['mask'].to(torch.long).argmax(dim=1)
    if int(starts.min()) != int(starts.max()):
        sys.exit('error: the rollout\'s prompts are not all of one length')
    prompt_len = int(starts[0]) + 1
    prompts = tensors['idx'][:, :prompt_len]
    print(f'torch {torch.__version__}, threads {torch.get_num_threads()}, float32; '
          f'{n_params} parameters; rollout {N} rows x {T} positions, '
          f'{int(batch[2].sum())} answer tokens, groups of {group}')

    # The crate's two first steps, from the same weights.
    ok = True
    fresh = copy.deepcopy(policy)
    opt = torch.optim.AdamW(fresh.parameters(), **ADAMW)
    logp_ref = reference_logprobs(reference, batch)
    print('check against the crate:')
    ok &= check('logp_ref (answer tokens)', logp_ref * batch[2], tensors['logp_ref'] * batch[2],
                args.tol)
    adv = advantages(rewards, group)
    for s in (1, 2):
        loss, pg, kl = step(fresh, opt, batch, adv, tensors['logp_ref'])
        for name, v in (('loss', loss), ('policy_loss', pg), ('kl', kl)):
            theirs = tensors[f'step{s}.{name}']
            if s == 1 and name == 'kl':
                ok &= abs(float(v.detach())) < 1e-6 and float(theirs) == 0.0
                print(f'  step 1 kl {float(v.detach()):.2e} (crate {float(theirs):.2e}) at the reference')
            else:
                ok &= check(f'step {s} {name}', v.detach(), theirs, args.tol)
        ours = torch.cat([p.grad.reshape(-1) for _, p in fresh.named_parameters()])
        theirs = torch.cat([tensors[f'step{s}.grad.{k}'].reshape(-1)
                            for k, _ in fresh.named_parameters()])
        ok &= check(f'step {s} clipped gradients (all)', ours, theirs, args.tol)
    if not ok:
        sys.exit('error: the PyTorch step is not the crate\'s')

    def trainer():
        p = copy.deepcopy(policy)
        return p, torch.optim.AdamW(p.parameters(), **ADAMW)

    p1, o1 = trainer()
    given_ref = tensors['logp_ref']

    def update():
        step(p1, o1, batch, adv, given_ref)

    p2, o2 = trainer()

    def with_rewards_update():
        a = advantages(rewards, group)
        lr = reference_logprobs(reference, batch)
        step(p2, o2, batch, a, lr)

    p4, o4 = trainer()

    def rollout_update():
        b = sample(p4, prompts, end)
        a = advantages(rewards, group)
        lr = reference_logprobs(reference, b)
        step(p4, o4, b, a, lr)

    timed_rows([
        ('update', update),
        ('with_rewards_update', with_rewards_update),
        ('rollout_update', rollout_update),
    ])


if __name__ == '__main__':
    main()
