"""Causal multi-head self-attention in PyTorch, at lecture 7's size, for
comparison with `cargo bench --features bench --bench attention`.

B 16, T 32, n_embd 64, 4 heads, f32, one thread: the forward pass, and the
forward and backward passes together (gradients of x and of every
parameter), of the lecture's explicit version (q @ kᵀ, masked_fill, softmax,
att @ v) and of F.scaled_dot_product_attention.

    python3 benches/pytorch_attention.py
"""

import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(1337)
B, T, C, NH = 16, 32, 64, 4


class CausalSelfAttention(nn.Module):
    def __init__(self, fused):
        super().__init__()
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.fused = fused
        self.register_buffer("tril", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (z.view(B, T, NH, C // NH).transpose(1, 2) for z in (q, k, v))
        if self.fused:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * k.size(-1) ** -0.5
            att = att.masked_fill(self.tril == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


def timed(f, n=2000):
    for _ in range(200):
        f()
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n * 1e6


x = torch.randn(B, T, C, requires_grad=True)
dout = torch.randn(B, T, C) * 1e-3
for fused in (False, True):
    layer = CausalSelfAttention(fused)

    def forward():
        with torch.no_grad():
            layer(x)

    def forward_backward():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        layer(x).backward(dout)

    name = "sdpa" if fused else "explicit"
    print(f"pytorch {name:8} forward          {timed(forward):8.1f} µs")
    print(f"pytorch {name:8} forward+backward {timed(forward_backward):8.1f} µs")
