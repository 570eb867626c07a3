"""torch_models.py - PyTorch twins of the models of src/nn/models, with the
same parameter names, and a small safetensors reader/writer (json + numpy:
Debian 12 has no safetensors package).

    make_model(meta) -> torch.nn.Module      from a parity_dump file's metadata
    make_act(name, learn, alpha, beta, gamma) the activation modules
    st_read(path) -> (tensors: {name: numpy array}, metadata: {key: str})
    st_write(path, tensors, metadata)

Models (names as src/nn/models/*.c register them):
  mlp     blocks.{i}.fc (Linear), blocks.{i}.ln (LayerNorm), blocks.{i}.act,
          head (Linear), on flattened images
  resnet  conv1, bn1, act, layer{1,2,3}.{j}.conv1/bn1/act1/conv2/bn2/act2,
          linear; convolutions 3x3 without bias, option-A shortcuts
          (F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p)), p = (cout - cin) // 2),
          global average pool
  gpt     nanoGPT: transformer.wte, .wpe, .h.{i}.ln_1/attn.c_attn/attn.c_proj/
          ln_2/mlp.c_fc/mlp.act/mlp.c_proj, .ln_f; lm_head tied to wte;
          no dropout (the parity runs use 0)

GoLU is computed in float64 and rounded to float32: libgolu's float32
kernels are correctly rounded and torch's float32 exp chain is not, and the
parity test compares the models, not the exp implementations.
"""

import json
import math
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ------------------------------------------------------------ safetensors ---

_DTYPES = {
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"),
}


def st_read(path):
    """The tensors (numpy arrays, in file order) and the metadata of a file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: shorter than the 8-byte header length" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError("%s: header length %d past the end of the file" % (path, n))
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    data = memoryview(blob)[8 + n :]
    out = {}
    for name, d in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        dt = _DTYPES.get(d["dtype"])
        if dt is None:
            raise ValueError("%s: %s: unknown dtype %s" % (path, name, d["dtype"]))
        b, e = d["data_offsets"]
        shape = tuple(int(s) for s in d["shape"])
        count = int(np.prod(shape)) if shape else 1
        if e - b != count * dt.itemsize or e > len(data):
            raise ValueError("%s: %s: bad data offsets" % (path, name))
        out[name] = np.frombuffer(data[b:e], dtype=dt).reshape(shape).copy()
    return out, dict(meta)


def st_write(path, tensors, metadata=None):
    """Writes {name: numpy array} (in dict order) and string metadata."""
    header = {}
    chunks = []
    off = 0
    for name, a in tensors.items():
        a = np.asarray(a)
        key = next((k for k, dt in _DTYPES.items() if dt.kind == a.dtype.kind and dt.itemsize == a.dtype.itemsize), None)
        if key is None:
            raise ValueError("%s: dtype %s not supported" % (name, a.dtype))
        raw = np.ascontiguousarray(a, dtype=_DTYPES[key]).tobytes()
        header[name] = {"dtype": key, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


# ------------------------------------------------------------ activations ---


class GoLU(nn.Module):
    """alpha * x * exp(-beta * exp(-gamma * x)), in float64, rounded to the
    input's dtype. alpha, beta, gamma are parameters (shape (1,)) when
    learnable, constants otherwise."""

    def __init__(self, alpha=1.0, beta=1.0, gamma=1.0, learn=False):
        super().__init__()
        self.learn = learn
        if learn:
            self.alpha = nn.Parameter(torch.tensor([alpha], dtype=torch.float32))
            self.beta = nn.Parameter(torch.tensor([beta], dtype=torch.float32))
            self.gamma = nn.Parameter(torch.tensor([gamma], dtype=torch.float32))
        else:
            self.consts = (float(alpha), float(beta), float(gamma))

    def forward(self, x):
        xd = x.double()
        if self.learn:
            a, b, g = self.alpha.double(), self.beta.double(), self.gamma.double()
        else:
            a, b, g = self.consts
        return (a * xd * torch.exp(-b * torch.exp(-g * xd))).to(x.dtype)


def make_act(name, learn=False, alpha=None, beta=None, gamma=None):
    """The activation module of a libgolu activation name, with libgolu's
    default parameters unless given."""
    name = name.lower()
    if name == "golu":
        return GoLU(
            1.0 if alpha is None else alpha,
            1.0 if beta is None else beta,
            1.0 if gamma is None else gamma,
            learn,
        )
    if name == "relu":
        return nn.ReLU()
    if name in ("leaky_relu", "leakyrelu"):
        return nn.LeakyReLU(0.01 if alpha is None else alpha)
    if name == "prelu":
        return nn.PReLU(num_parameters=1, init=0.25 if alpha is None else alpha)
    if name == "elu":
        return nn.ELU(1.0 if alpha is None else alpha)
    if name == "gelu":
        return nn.GELU()
    if name == "gelu_tanh":
        return nn.GELU(approximate="tanh")
    if name in ("silu", "swish"):
        return nn.SiLU()
    if name == "mish":
        return nn.Mish()
    raise ValueError("unknown activation %s" % name)


# ------------------------------------------------------------------- mlp ---


class MLPBlock(nn.Module):
    def __init__(self, din, width, act):
        super().__init__()
        self.fc = nn.Linear(din, width)
        self.ln = nn.LayerNorm(width, eps=1e-5)
        self.act = act

    def forward(self, x):
        return self.act(self.ln(self.fc(x)))


class MLP(nn.Module):
    """depth blocks of Linear -> LayerNorm -> act, then Linear(classes)."""

    def __init__(self, din, width, depth, classes, act_factory):
        super().__init__()
        self.blocks = nn.ModuleList(
            [MLPBlock(din if i == 0 else width, width, act_factory()) for i in range(depth)]
        )
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = x.flatten(1)
        for b in self.blocks:
            x = b(x)
        return self.head(x)


# ---------------------------------------------------------------- resnet ---


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, act_factory):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        self.act1 = act_factory()
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)
        self.act2 = act_factory()
        self.stride = stride
        self.pad = (cout - cin) // 2
        self.identity = stride == 1 and cin == cout

    def shortcut(self, x):
        if self.identity:
            return x
        s = self.stride
        return F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, self.pad, self.pad))

    def forward(self, x):
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


class ResNet(nn.Module):
    """CIFAR ResNet of depth 6n+2, stage widths w, 2w, 4w, option-A shortcuts."""

    def __init__(self, in_c, width, depth, classes, act_factory):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_c, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width, eps=1e-5, momentum=0.1)
        self.act = act_factory()
        cin = width
        for stage in range(3):
            cout = width << stage
            blocks = []
            for j in range(n):
                stride = 2 if stage > 0 and j == 0 else 1
                blocks.append(BasicBlock(cin, cout, stride, act_factory))
                cin = cout
            setattr(self, "layer%d" % (stage + 1), nn.Sequential(*blocks))
        self.linear = nn.Linear(4 * width, classes)

    def forward(self, x):
        out = self.act(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = out.mean(dim=(2, 3))
        return self.linear(out)


# ------------------------------------------------------------------- gpt ---


class CausalSelfAttention(nn.Module):
    def __init__(self, C, nh):
        super().__init__()
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.nh = nh

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        hs = C // self.nh
        q = q.view(B, T, self.nh, hs).transpose(1, 2)
        k = k.view(B, T, self.nh, hs).transpose(1, 2)
        v = v.view(B, T, self.nh, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device))
        att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class GPTMLP(nn.Module):
    def __init__(self, C, act):
        super().__init__()
        self.c_fc = nn.Linear(C, 4 * C)
        self.act = act
        self.c_proj = nn.Linear(4 * C, C)

    def forward(self, x):
        return self.c_proj(self.act(self.c_fc(x)))


class GPTBlock(nn.Module):
    def __init__(self, C, nh, act):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C, eps=1e-5)
        self.attn = CausalSelfAttention(C, nh)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5)
        self.mlp = GPTMLP(C, act)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, context, width, layers, heads, act_factory):
        super().__init__()
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(vocab, width),
                wpe=nn.Embedding(context, width),
                h=nn.ModuleList([GPTBlock(width, heads, act_factory()) for _ in range(layers)]),
                ln_f=nn.LayerNorm(width, eps=1e-5),
            )
        )
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied

    def forward(self, idx):
        B, T = idx.shape
        pos = torch.arange(T, dtype=torch.long, device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for blk in self.transformer.h:
            x = blk(x)
        return self.lm_head(self.transformer.ln_f(x))


# --------------------------------------------------------------- factory ---


# ------------------------------------------------------------------ unet ---


def gn_groups(c):
    """GroupNorm's groups in src/nn/models/unet.c: the largest of 8, 4, 2, 1
    that divides the channels."""
    return next(g for g in (8, 4, 2, 1) if c % g == 0)


class UNetBlock(nn.Module):
    """act2(gn2(conv2(act1(gn1(conv1(x))) [+ temb(ta)])) + skip(x))."""

    def __init__(self, cin, cout, tdim, act_factory):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.gn1 = nn.GroupNorm(gn_groups(cout), cout, eps=1e-5)
        self.act1 = act_factory()
        self.temb = nn.Linear(tdim, cout) if tdim else None
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.gn2 = nn.GroupNorm(gn_groups(cout), cout, eps=1e-5)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.act2 = act_factory()

    def forward(self, x, ta):
        h = self.act1(self.gn1(self.conv1(x)))
        if self.temb is not None:
            h = h + self.temb(ta)[:, :, None, None]
        h = self.gn2(self.conv2(h))
        return self.act2(h + (self.skip(x) if self.skip is not None else x))


class TimeEmbed(nn.Module):
    """sinusoid(t, width) -> Linear(width, 4 width) -> act."""

    def __init__(self, width, act):
        super().__init__()
        self.width = width
        self.lin1 = nn.Linear(width, 4 * width)
        self.act = act

    def forward(self, t):
        h = self.width // 2
        f = torch.exp(-math.log(10000.0) * torch.arange(h, dtype=torch.float64) / h)
        a = t.double()[:, None] * f[None, :]
        return self.act(self.lin1(torch.cat([torch.sin(a), torch.cos(a)], 1).float()))


class UNet(nn.Module):
    """levels of widths w, 2w, 4w: stem conv, down blocks with 2x2 average
    pooling, up blocks on (upsampled, skip) concatenated, 1x1 head; with
    time, x is (b, c*h*w + 1), the image then its step."""

    def __init__(self, in_c, side, width, levels, out_c, time, act_factory):
        super().__init__()
        self.in_c, self.side, self.levels = in_c, side, levels
        wd = [width << i for i in range(levels)]
        tdim = 4 * width if time else 0
        self.time = TimeEmbed(width, act_factory()) if time else None
        self.stem = nn.Conv2d(in_c, width, 3, padding=1)
        self.down = nn.ModuleList(
            [UNetBlock(wd[i - 1] if i else width, wd[i], tdim, act_factory) for i in range(levels)]
        )
        self.up = nn.ModuleList(
            [UNetBlock(wd[i + 1] + wd[i], wd[i], tdim, act_factory) for i in range(levels - 1)]
        )
        self.head = nn.Conv2d(width, out_c, 1)

    def forward(self, x):
        ta = None
        if self.time is not None:
            ta = self.time(x[:, -1])
            x = x[:, :-1].reshape(x.shape[0], self.in_c, self.side, self.side)
        h = self.stem(x)
        skips = []
        for i, blk in enumerate(self.down):
            h = blk(h, ta)
            if i + 1 < self.levels:
                skips.append(h)
                h = F.avg_pool2d(h, 2)
        for i in reversed(range(self.levels - 1)):
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            h = self.up[i](torch.cat([h, skips[i]], 1), ta)
        return self.head(h)


def make_model(meta):
    """The twin of a parity_dump file's model, from its metadata."""
    act = meta["act"]
    learn = meta.get("learn_act", "0") == "1"
    a, b, g = (float(meta[k]) for k in ("alpha", "beta", "gamma"))

    def act_factory():
        return make_act(act, learn, a, b, g)

    kind = meta["model"]
    if kind == "mlp":
        c, h, w = (int(v) for v in meta["input"].split(","))
        return MLP(c * h * w, int(meta["width"]), int(meta["depth"]), int(meta["classes"]), act_factory)
    if kind == "resnet":
        c, _, _ = (int(v) for v in meta["input"].split(","))
        return ResNet(c, int(meta["width"]), int(meta["depth"]), int(meta["classes"]), act_factory)
    if kind == "gpt":
        if float(meta.get("dropout", "0")) != 0.0:
            raise ValueError("the gpt twin has no dropout (dropout %s)" % meta["dropout"])
        return GPT(
            int(meta["vocab"]),
            int(meta["context"]),
            int(meta["width"]),
            int(meta["layers"]),
            int(meta["heads"]),
            act_factory,
        )
    if kind in ("unet", "ddpm"):
        c, h, _ = (int(v) for v in meta["input"].split(","))
        ddpm = kind == "ddpm"
        out_c = c if ddpm else int(meta["classes"])
        return UNet(c, h, int(meta["width"]), int(meta["depth"]), out_c, ddpm, act_factory)
    raise ValueError("unknown model %s" % kind)


def state_names(model):
    """The names the C model registers: parameters (tied ones once) and
    buffers, without BatchNorm's num_batches_tracked."""
    names = [n for n, _ in model.named_parameters()]
    names += [n for n, _ in model.named_buffers() if not n.endswith("num_batches_tracked")]
    return names
