#!/usr/bin/env python3
"""Convert pytorch-fid's FID Inception weights into the safetensors file lib/fid reads.

Usage:
    python3 experiments/fid/convert_inception.py pt_inception-2015-12-05-6726825d.pth inception.safetensors
    python3 experiments/fid/convert_inception.py --selftest out.safetensors

The input is the PyTorch state dict pytorch-fid downloads from
https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth
(the TF 2015-12-05 Inception graph used by TF-FID, ported to torchvision's module names).

The output keeps the state dict's names and layouts: for each of the 94 conv layers L (e.g. "Mixed_5b.branch5x5_2")
the float32 tensors L.conv.weight [out, in, kh, kw], L.bn.weight, L.bn.bias, L.bn.running_mean, L.bn.running_var
[out]. The classifier (fc.*) and num_batches_tracked counters are dropped. Every expected tensor is checked against
the layer table below (name and shape); a mismatch stops the conversion with the tensor's name.

The file is safetensors (8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, raw
little-endian data), written by hand so that no package beyond torch is needed.

--selftest builds a fake state dict from the layer table (random values plus the extra entries the real file has)
and converts it; lib/fid's TestConverterNames uses it to check that the converter writes every tensor the Go
network expects.
"""
import json
import struct
import sys


def conv_table():
    """The 94 conv layers as (name, in, out, kh, kw), in forward order (torchvision Inception3 + pytorch-fid)."""
    t = []

    def add(name, cin, cout, kh, kw):
        t.append((name, cin, cout, kh, kw))

    add("Conv2d_1a_3x3", 3, 32, 3, 3)
    add("Conv2d_2a_3x3", 32, 32, 3, 3)
    add("Conv2d_2b_3x3", 32, 64, 3, 3)
    add("Conv2d_3b_1x1", 64, 80, 1, 1)
    add("Conv2d_4a_3x3", 80, 192, 3, 3)
    for p, cin, pool in (("Mixed_5b", 192, 32), ("Mixed_5c", 256, 64), ("Mixed_5d", 288, 64)):
        add(p + ".branch1x1", cin, 64, 1, 1)
        add(p + ".branch5x5_1", cin, 48, 1, 1)
        add(p + ".branch5x5_2", 48, 64, 5, 5)
        add(p + ".branch3x3dbl_1", cin, 64, 1, 1)
        add(p + ".branch3x3dbl_2", 64, 96, 3, 3)
        add(p + ".branch3x3dbl_3", 96, 96, 3, 3)
        add(p + ".branch_pool", cin, pool, 1, 1)
    add("Mixed_6a.branch3x3", 288, 384, 3, 3)
    add("Mixed_6a.branch3x3dbl_1", 288, 64, 1, 1)
    add("Mixed_6a.branch3x3dbl_2", 64, 96, 3, 3)
    add("Mixed_6a.branch3x3dbl_3", 96, 96, 3, 3)
    for p, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        add(p + ".branch1x1", 768, 192, 1, 1)
        add(p + ".branch7x7_1", 768, c7, 1, 1)
        add(p + ".branch7x7_2", c7, c7, 1, 7)
        add(p + ".branch7x7_3", c7, 192, 7, 1)
        add(p + ".branch7x7dbl_1", 768, c7, 1, 1)
        add(p + ".branch7x7dbl_2", c7, c7, 7, 1)
        add(p + ".branch7x7dbl_3", c7, c7, 1, 7)
        add(p + ".branch7x7dbl_4", c7, c7, 7, 1)
        add(p + ".branch7x7dbl_5", c7, 192, 1, 7)
        add(p + ".branch_pool", 768, 192, 1, 1)
    add("Mixed_7a.branch3x3_1", 768, 192, 1, 1)
    add("Mixed_7a.branch3x3_2", 192, 320, 3, 3)
    add("Mixed_7a.branch7x7x3_1", 768, 192, 1, 1)
    add("Mixed_7a.branch7x7x3_2", 192, 192, 1, 7)
    add("Mixed_7a.branch7x7x3_3", 192, 192, 7, 1)
    add("Mixed_7a.branch7x7x3_4", 192, 192, 3, 3)
    for p, cin in (("Mixed_7b", 1280), ("Mixed_7c", 2048)):
        add(p + ".branch1x1", cin, 320, 1, 1)
        add(p + ".branch3x3_1", cin, 384, 1, 1)
        add(p + ".branch3x3_2a", 384, 384, 1, 3)
        add(p + ".branch3x3_2b", 384, 384, 3, 1)
        add(p + ".branch3x3dbl_1", cin, 448, 1, 1)
        add(p + ".branch3x3dbl_2", 448, 384, 3, 3)
        add(p + ".branch3x3dbl_3a", 384, 384, 1, 3)
        add(p + ".branch3x3dbl_3b", 384, 384, 3, 1)
        add(p + ".branch_pool", cin, 192, 1, 1)
    return t


def expected_shapes():
    """Maps every tensor name the output must hold to its shape."""
    m = {}
    for name, cin, cout, kh, kw in conv_table():
        m[name + ".conv.weight"] = [cout, cin, kh, kw]
        for s in ("weight", "bias", "running_mean", "running_var"):
            m[name + ".bn." + s] = [cout]
    return m


def select(state_dict):
    """Checks state_dict against the table and returns {name: float32 contiguous tensor} of the expected names."""
    want = expected_shapes()
    out = {}
    for name, shape in want.items():
        if name not in state_dict:
            sys.exit("convert_inception: the state dict lacks %r: is it pytorch-fid's "
                     "pt_inception-2015-12-05-6726825d.pth?" % name)
        t = state_dict[name]
        if list(t.shape) != shape:
            sys.exit("convert_inception: tensor %r has shape %s, want %s" % (name, list(t.shape), shape))
        out[name] = t.detach().to("cpu").float().contiguous()
    ignored = sorted(k for k in state_dict if k not in want)
    unexpected = [k for k in ignored if not (k.startswith("fc.") or k.endswith("num_batches_tracked"))]
    if unexpected:
        print("convert_inception: note: ignoring %d unexpected tensors, e.g. %s" % (len(unexpected), unexpected[:3]))
    return out


def write_safetensors(path, tensors):
    """Writes {name: float32 tensor} as safetensors (F32, names sorted, header space-padded to 8 bytes)."""
    names = sorted(tensors)
    header, offset, blobs = {}, 0, []
    for name in names:
        data = tensors[name].numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def fake_state_dict():
    """A state dict shaped like the real one (random values, plus fc.* and num_batches_tracked entries)."""
    import torch
    g = torch.Generator().manual_seed(0)
    sd = {name: torch.randn(*shape, generator=g) for name, shape in expected_shapes().items()}
    for name, *_ in conv_table():
        sd[name + ".bn.num_batches_tracked"] = torch.tensor(0)
    sd["fc.weight"] = torch.randn(1008, 2048, generator=g)
    sd["fc.bias"] = torch.randn(1008, generator=g)
    return sd


def main(argv):
    if len(argv) == 3 and argv[1] == "--selftest":
        tensors = select(fake_state_dict())
        write_safetensors(argv[2], tensors)
        print("convert_inception: self-test wrote %d tensors to %s" % (len(tensors), argv[2]))
        return
    if len(argv) != 3:
        sys.exit(__doc__)
    import torch
    sd = torch.load(argv[1], map_location="cpu")
    if isinstance(sd, dict) and "state_dict" in sd and not any(k.endswith(".conv.weight") for k in sd):
        sd = sd["state_dict"]
    tensors = select(sd)
    write_safetensors(argv[2], tensors)
    n = sum(t.numel() for t in tensors.values())
    print("convert_inception: wrote %d tensors (%d values) to %s" % (len(tensors), n, argv[2]))


if __name__ == "__main__":
    main(sys.argv)
