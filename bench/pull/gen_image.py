#!/usr/bin/env python3
"""Writes a multi-layer test image as an OCI image layout, for the pull benchmark.

    gen_image.py OUT_DIR --tag TAG --mb UNCOMPRESSED_MB [--layers N] [--seed S]

Each layer is a gzip tar (level 1) of generated files: mostly incompressible bytes (like the
binaries and already-compressed data of real images) plus some compressible text, so the
compressed image is about 80% of UNCOMPRESSED_MB. Layer sizes shrink from the bottom up, as in real images
(a large base, smaller layers on top). Deterministic for a given seed; stdlib only; prints
the manifest digest and the total compressed size.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile


def blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def layer_tar(rng, index, size):
    """An uncompressed tar of about `size` bytes of files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        written, n = 0, 0
        while written < size:
            file_size = min(size - written, rng.choice([4 << 10, 64 << 10, 512 << 10, 2 << 20]))
            if n % 5 == 4:
                line = ("layer %d file %d: the quick brown fox jumps over the lazy dog\n" % (index, n)).encode()
                content = (line * (file_size // len(line) + 1))[:file_size]
            else:
                content = rng.randbytes(file_size)
            info = tarfile.TarInfo("usr/share/bench/l%02d/f%05d.bin" % (index, n))
            info.size = len(content)
            info.mode = 0o644
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(content))
            written += file_size
            n += 1
    return buf.getvalue()


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tag", default="latest")
    ap.add_argument("--mb", type=int, default=256)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--seed", default="tug-bench")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "blobs", "sha256"), exist_ok=True)
    weights = [args.layers - i for i in range(args.layers)]
    total = args.mb << 20
    layers, diff_ids, compressed = [], [], 0
    for i, w in enumerate(weights):
        raw = layer_tar(rng, i, max(1 << 20, total * w // sum(weights)))
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        gz = gzip.compress(raw, compresslevel=1, mtime=0)
        compressed += len(gz)
        layers.append({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": blob(args.out, gz),
            "size": len(gz),
        })
    config = json.dumps({
        "created": "2024-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "bench layer %d" % i} for i in range(args.layers)],
    }, separators=(",", ":")).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": blob(args.out, config), "size": len(config)},
        "layers": layers,
    }, separators=(",", ":")).encode()
    mdigest = blob(args.out, manifest)
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": mdigest, "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": args.tag},
    }]}
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(args.out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    print("%s %d" % (mdigest, compressed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
