# PyTorch on CUDA, the same networks and iteration as `bench train` (issue #14's "within 3x of
# PyTorch on the same GPU"): the thesis's captcha DCGAN (SPEC §3, batch 64, 20x20x1; one D update
# on real + fake, one G update) and a WGAN-GP iteration on the same nets (critic without BN, 5
# critic steps, lambda 10). The nets mirror ../shared/bench/pytorch_captcha_dcgan.py (the CPU
# reference), moved to the GPU and timed with torch.cuda.synchronize() around each iteration.
# Usage: python3 pytorch_cuda_dcgan.py [iters]
import sys, time, statistics, torch, torch.nn as nn, torch.nn.functional as F

iters = int(sys.argv[1]) if len(sys.argv) > 1 else 50
if not torch.cuda.is_available():
    print('pytorch: no CUDA device; skipped'); sys.exit(0)
dev = torch.device('cuda')
torch.manual_seed(0)
torch.backends.cudnn.benchmark = True
B, Z = 64, 128

class D(nn.Module):
    def __init__(self, bn=True):
        super().__init__()
        self.c1 = nn.Conv2d(1, 64, 5, 2, 2)
        self.c2 = nn.Conv2d(64, 128, 5, 2, 2)
        self.f1 = nn.Linear(3200, 1024)
        self.bn = nn.BatchNorm1d(1024) if bn else nn.Identity()
        self.f2 = nn.Linear(1024, 1)
    def forward(self, x):
        h = F.leaky_relu(self.c1(x), 0.2)
        h = F.leaky_relu(self.c2(h), 0.2)
        h = F.leaky_relu(self.bn(self.f1(h.flatten(1))), 0.2)
        return self.f2(h)

class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.f1 = nn.Linear(Z, 1024); self.b1 = nn.BatchNorm1d(1024)
        self.f2 = nn.Linear(1024, 3200); self.b2 = nn.BatchNorm1d(3200)
        self.d1 = nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1); self.b3 = nn.BatchNorm2d(64)
        self.d2 = nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1)
    def forward(self, z):
        h = F.relu(self.b1(self.f1(z)))
        h = F.relu(self.b2(self.f2(h))).view(-1, 128, 5, 5)
        h = F.relu(self.b3(self.d1(h)))
        return torch.sigmoid(self.d2(h))

real = torch.rand(B, 1, 20, 20, device=dev)
ones, zeros = torch.ones(B, 1, device=dev), torch.zeros(B, 1, device=dev)

def make_dcgan():
    d, g = D().to(dev), G().to(dev)
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    def step():
        fake = g(torch.randn(B, Z, device=dev))
        od.zero_grad(set_to_none=True)
        (bce(d(real), ones) + bce(d(fake.detach()), zeros)).backward(); od.step()
        og.zero_grad(set_to_none=True)
        bce(d(fake), ones).backward(); og.step()
    return step

def make_wgangp(ncritic=5, lam=10.0):
    d, g = D(bn=False).to(dev), G().to(dev)
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    def step():
        for _ in range(ncritic):
            with torch.no_grad():
                fake = g(torch.randn(B, Z, device=dev))
            od.zero_grad(set_to_none=True)
            eps = torch.rand(B, 1, 1, 1, device=dev)
            xh = (eps * real + (1 - eps) * fake).requires_grad_(True)
            gr, = torch.autograd.grad(d(xh).sum(), xh, create_graph=True)
            gp = lam * ((gr.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
            (d(fake).mean() - d(real).mean() + gp).backward(); od.step()
        og.zero_grad(set_to_none=True)
        (-d(g(torch.randn(B, Z, device=dev))).mean()).backward(); og.step()
    return step

def bench(name, step, warm=10):
    for _ in range(warm): step()
    torch.cuda.synchronize()
    ts = []
    for _ in range(iters):
        t = time.perf_counter(); step(); torch.cuda.synchronize(); ts.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter()
    for _ in range(iters): step()
    torch.cuda.synchronize()
    pipelined = (time.perf_counter() - t) * 1e3 / iters
    print(f'pytorch {torch.__version__} {torch.cuda.get_device_name()} · {name}: median {statistics.median(ts):.2f} ms/it synced · '
          f'pipelined {pipelined:.2f} ms/it · n={iters}', flush=True)

bench('captcha DCGAN (1 D + 1 G)', make_dcgan())
bench('captcha WGAN-GP (5 D + 1 G)', make_wgangp())
