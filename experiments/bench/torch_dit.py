"""W3 on the same network: nets.DiT (lib/nets/dit*.go) written in PyTorch, trained by the same flow-matching step as
experiments/bench's W3 (batch 64 from a pool of synthetic 28x28 stroke images, x0 ~ N(0, I), t ~ U(0, 1),
loss = mean((v(x_t, t) - (x1 - x0))^2), Adam 1e-3). Same configuration, same parameter count (checked against
--expect-params), same layer order; attention written as two batched matmuls and a softmax, as in Go. Timing and
the JSON line come from the PyTorch peer's common.py (PEER, default ../shared/peer/torch)."""
import math, os, sys

sys.path.insert(0, os.environ.get("PEER", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/peer/torch")))
from common import base_parser, setup, time_windows, report, n_params  # noqa: E402  (common re-execs with tuned env)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

p = base_parser(__doc__)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--patch", type=int, default=4)
p.add_argument("--hidden", type=int, default=96)
p.add_argument("--depth", type=int, default=4)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--mlp-ratio", type=int, default=4)
p.add_argument("--freqs", type=int, default=16)
p.add_argument("--pool", type=int, default=4096)
p.add_argument("--expect-params", type=int, default=0, help="fail unless the model has exactly this many parameters")
args = p.parse_args(); setup(args)
H = W = 28
C = 1


def linear(i, o, zero=False):
    m = nn.Linear(i, o)
    if zero:
        nn.init.zeros_(m.weight)
    else:
        nn.init.xavier_uniform_(m.weight)
    nn.init.zeros_(m.bias)
    return m


def layer_norm(x):  # no affine, eps 1e-6 (ditLayerNorm)
    xc = x - x.mean(-1, keepdim=True)
    return xc / torch.sqrt(xc.pow(2).mean(-1, keepdim=True) + 1e-6)


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class Block(nn.Module):
    def __init__(self, h, heads, ratio):
        super().__init__()
        self.heads = heads
        self.ada = linear(h, 6 * h, zero=True)
        self.q, self.k, self.v, self.proj = (linear(h, h) for _ in range(4))
        self.fc1, self.fc2 = linear(h, ratio * h), linear(ratio * h, h)

    def attention(self, a):
        b, n, h = a.shape
        dh = h // self.heads
        split = lambda t: t.reshape(b, n, self.heads, dh).transpose(1, 2)  # [b, heads, n, dh]
        q, k, v = split(self.q(a)) / math.sqrt(dh), split(self.k(a)), split(self.v(a))
        att = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, n, h))

    def forward(self, z, sc):
        s1, c1, g1, s2, c2, g2 = self.ada(sc).chunk(6, dim=-1)
        z = z + g1.unsqueeze(1) * self.attention(modulate(layer_norm(z), s1, c1))
        m = self.fc2(nn.functional.silu(self.fc1(modulate(layer_norm(z), s2, c2))))
        return z + g2.unsqueeze(1) * m


class DiT(nn.Module):
    def __init__(self, patch, h, depth, heads, ratio, nfreq):
        super().__init__()
        self.patch, self.h = patch, h
        pd = C * patch * patch
        self.embed = linear(pd, h)
        self.freqs = torch.tensor([0.5 * (32 / 0.5) ** (k / (nfreq - 1)) for k in range(nfreq)])
        self.t1, self.t2 = linear(2 * nfreq + 1, h), linear(h, h)
        self.blocks = nn.ModuleList(Block(h, heads, ratio) for _ in range(depth))
        self.final_ada, self.out = linear(h, 2 * h, zero=True), linear(h, pd, zero=True)
        self.register_buffer("pos", self.pos_embed(H // patch, W // patch, h))

    @staticmethod
    def pos_embed(gh, gw, h):
        q = h // 4
        om = torch.tensor([10000 ** (-k / q) for k in range(q)])
        def code(pos):
            a = pos[:, None] * om[None]
            return torch.cat([torch.sin(a), torch.cos(a)], -1)
        i, j = torch.meshgrid(torch.arange(gh, dtype=torch.float32), torch.arange(gw, dtype=torch.float32), indexing="ij")
        return torch.cat([code(i.reshape(-1)), code(j.reshape(-1))], -1)  # [n, h]

    def forward(self, x, t):
        b, p = x.shape[0], self.patch
        gh, gw = H // p, W // p
        tok = x.reshape(b, C, gh, p, gw, p).permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, C * p * p)
        z = self.embed(tok) + self.pos
        arg = t[:, None] * self.freqs[None]
        e = torch.cat([t[:, None], torch.sin(arg), torch.cos(arg)], -1)
        sc = nn.functional.silu(self.t2(nn.functional.silu(self.t1(e))))
        for blk in self.blocks:
            z = blk(z, sc)
        shift, scale = self.final_ada(sc).chunk(2, dim=-1)
        out = self.out(modulate(layer_norm(z), shift, scale))  # [b, n, C p p]
        return out.reshape(b, gh, gw, C, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, C * H * W)


def macs(patch, h, depth, ratio, nfreq):  # nets.DiT.MACs: matrix products of one forward pass of one image
    n, pd, r = (H // patch) * (W // patch), C * patch * patch, ratio * h
    m = n * pd * h + (2 * nfreq + 1) * h + h * h
    block = h * 6 * h + n * (4 * h * h + 2 * h * r) + 2 * n * n * h
    return m + depth * block + h * 2 * h + n * h * pd


def blob_images(n, gen):  # 3 anisotropic Gaussian strokes per image, in [-1, 1] (speed does not depend on content)
    yy, xx = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    img = torch.zeros(n, 28, 28)
    for _ in range(3):
        cx, cy = (torch.rand(n, 1, 1, generator=gen) * 14 + 7 for _ in range(2))
        th = torch.rand(n, 1, 1, generator=gen) * math.pi
        a, bb = torch.rand(n, 1, 1, generator=gen) * 6 + 2, torch.rand(n, 1, 1, generator=gen) + 1
        u = (xx - cx) * torch.cos(th) + (yy - cy) * torch.sin(th)
        v = -(xx - cx) * torch.sin(th) + (yy - cy) * torch.cos(th)
        img = torch.maximum(img, torch.exp(-0.5 * ((u / a) ** 2 + (v / bb) ** 2)))
    return (img * 2 - 1).reshape(n, 28 * 28)


model = DiT(args.patch, args.hidden, args.depth, args.heads, args.mlp_ratio, args.freqs)
if args.expect_params and n_params(model) != args.expect_params:
    sys.exit(f"torch_dit: {n_params(model)} parameters, Go's DiT has {args.expect_params}: the ports differ")
data = blob_images(args.pool, torch.Generator().manual_seed(args.seed))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
B = args.batch
losses = []


def step():
    x1 = data[torch.randint(0, args.pool, (B,))]
    x0 = torch.randn_like(x1)
    t = torch.rand(B)
    xt = (1 - t[:, None]) * x0 + t[:, None] * x1
    loss = (model(xt, t) - (x1 - x0)).pow(2).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    losses.append(loss.item())


rates = time_windows(step, args)
flops = 6 * macs(args.patch, args.hidden, args.depth, args.mlp_ratio, args.freqs) * B
report("W3_fm_dit_train", args, rates, extra={
    "batch": B, "params": n_params(model), "flops_per_step_est": flops,
    "gflops_at_median": flops * sorted(rates)[len(rates) // 2] / 1e9,
    "loss_first": round(losses[0], 4), "loss_last": round(sum(losses[-20:]) / len(losses[-20:]), 4), "steps_total": len(losses)})
