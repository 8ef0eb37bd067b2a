"""The EDM pre-training step of the paper's CIFAR-10 network in PyTorch, for side-by-side timing with
experiments/gpu/stepbench (the same step in Go/GoMLX).

Network: EDM's DDPM++ U-Net ("ddpmpp" SongUNet: 128 channels, multipliers [2,2,2], 4 blocks per level, attention
at 16x16, dropout 0.2, resample filter [1,1], additive time injection, one attention head), written here from the
description in lib/nets/unet.go so that both sides train the same architecture (same parameter count, printed).
Step: EDM loss with log-normal sigma (P_mean -1.2, P_std 1.2), EDM preconditioning, Adam 2e-4, EMA 0.999.

    python3 experiments/gpu/torch_unet_step.py --batch 128 --steps 20 [--device cuda] [--tf32]
Prints one JSON line like stepbench's.
"""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=128)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
p.add_argument("--tf32", action="store_true", help="allow TF32 matmuls/convolutions (XLA's GPU default precision)")
p.add_argument("--channels", type=int, default=128)
args = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = args.tf32
torch.backends.cudnn.allow_tf32 = args.tf32
torch.backends.cudnn.benchmark = True


def gn(c):
    return nn.GroupNorm(min(32, c // 4), c, eps=1e-6)


class Block(nn.Module):
    """Residual block: conv(SiLU(GN(x))) [resampled], + Linear(emb), SiLU(GN), dropout, conv; skip; /sqrt2; attention."""

    def __init__(self, cin, cout, emb, up=False, down=False, attn=False, dropout=0.2):
        super().__init__()
        self.up, self.down, self.attn, self.dropout = up, down, attn, dropout
        self.norm0, self.conv0 = gn(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.affine = nn.Linear(emb, cout)
        self.norm1, self.conv1 = gn(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if (cin != cout or up or down) else None
        if attn:
            self.norm2, self.qkv, self.proj = gn(cout), nn.Conv2d(cout, 3 * cout, 1), nn.Conv2d(cout, cout, 1)

    def resample(self, x):
        if self.up:
            return F.interpolate(x, scale_factor=2, mode="nearest")
        if self.down:
            return F.avg_pool2d(x, 2)
        return x

    def forward(self, x, emb):
        orig = x
        x = self.conv0(self.resample(F.silu(self.norm0(x))))
        x = F.silu(self.norm1(x + self.affine(emb)[:, :, None, None]))
        x = self.conv1(F.dropout(x, self.dropout, self.training))
        s = self.skip(self.resample(orig)) if self.skip is not None else orig
        x = (x + s) * math.sqrt(0.5)
        if self.attn:
            b, c, h, w = x.shape
            q, k, v = self.qkv(self.norm2(x)).reshape(b, c, 3, h * w).unbind(2)
            a = torch.softmax(torch.einsum("bci,bcj->bij", q, k) / math.sqrt(c), dim=2)
            x = (self.proj(torch.einsum("bij,bcj->bci", a, v).reshape(b, c, h, w)) + x) * math.sqrt(0.5)
        return x


class UNet(nn.Module):
    def __init__(self, res=32, cin=3, ch=128, mult=(2, 2, 2), nb=4, attn_res=(16,), dropout=0.2):
        super().__init__()
        emb = 4 * ch
        self.freqs = ch // 2
        self.map0, self.map1 = nn.Linear(ch, emb), nn.Linear(emb, emb)
        self.enc, skips, cout = nn.ModuleList(), [], ch
        for level, m in enumerate(mult):
            r = res >> level
            if level == 0:
                self.enc.append(nn.Conv2d(cin, ch, 3, padding=1)); cout = ch
            else:
                self.enc.append(Block(cout, cout, emb, down=True, dropout=dropout))
            skips.append(cout)
            for _ in range(nb):
                c = cout; cout = ch * m
                self.enc.append(Block(c, cout, emb, attn=r in attn_res, dropout=dropout)); skips.append(cout)
        self.dec, self.cat = nn.ModuleList(), []
        for level in reversed(range(len(mult))):
            r = res >> level
            if level == len(mult) - 1:
                self.dec += [Block(cout, cout, emb, attn=True, dropout=dropout), Block(cout, cout, emb, dropout=dropout)]
                self.cat += [False, False]
            else:
                self.dec.append(Block(cout, cout, emb, up=True, dropout=dropout)); self.cat.append(False)
            for i in range(nb + 1):
                c = cout + skips.pop(); cout = ch * mult[level]
                self.dec.append(Block(c, cout, emb, attn=(i == nb and r in attn_res), dropout=dropout)); self.cat.append(True)
        self.out_norm, self.out_conv = gn(cout), nn.Conv2d(cout, cin, 3, padding=1)

    def forward(self, x, c_noise):
        f = (1 / 10000) ** (torch.arange(self.freqs, device=x.device) / (self.freqs - 1))
        e = c_noise[:, None] * f[None]
        e = torch.cat([torch.sin(e), torch.cos(e)], 1)
        e = F.silu(self.map1(F.silu(self.map0(e))))
        skips = []
        for blk in self.enc:
            x = blk(x) if isinstance(blk, nn.Conv2d) else blk(x, e)
            skips.append(x)
        for blk, cat in zip(self.dec, self.cat):
            if cat:
                x = torch.cat([x, skips.pop()], 1)
            x = blk(x, e)
        return self.out_conv(F.silu(self.out_norm(x)))


dev = torch.device(args.device)
net = UNet(ch=args.channels).to(dev)
ema = [q.detach().clone() for q in net.parameters()]
opt = torch.optim.Adam(net.parameters(), lr=2e-4)
sd, B = 0.5, args.batch
y = torch.rand(B, 3, 32, 32, device=dev) * 2 - 1


def step():
    sigma = torch.exp(torch.randn(B, device=dev) * 1.2 - 1.2)
    s = sigma[:, None, None, None]
    x = y + torch.randn_like(y) * s
    c_in, c_skip, c_out = 1 / torch.sqrt(s**2 + sd**2), sd**2 / (s**2 + sd**2), s * sd / torch.sqrt(s**2 + sd**2)
    d = c_skip * x + c_out * net(c_in * x, torch.log(sigma) / 4)
    loss = ((s**2 + sd**2) / (s * sd) ** 2 * (d - y) ** 2).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    with torch.no_grad():
        for e, q in zip(ema, net.parameters()):
            e.lerp_(q, 1 - 0.999)
    return loss


sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
t0 = time.time(); step(); sync(); first = time.time() - t0
step(); sync()
t0 = time.time()
for _ in range(args.steps):
    step()
sync()
dt = time.time() - t0
rate = args.steps / dt
print(json.dumps({"workload": "edm_step_unet_torch", "device": str(dev), "tf32": args.tf32, "batch": B,
                  "params": sum(q.numel() for q in net.parameters()), "first_step_s": first, "steps_per_s": rate,
                  "images_per_s": rate * B, "timed_steps": args.steps}))
