"""Guided filter and GFF against the reference MATLAB codes: inputs, comparison, test rows.

Steps (see README.md in this folder)::

    python benchmarks/golden/parity_compare.py write /tmp/parity            # PNGs + manifests
    octave --no-gui --quiet --eval "addpath('benchmarks/golden'); he_gf_golden( \\
        '/tmp/parity', '/tmp/parity/out', '/abs/he', '/abs/he_uint16')" > /tmp/parity/gf.tsv
    octave --no-gui --quiet --eval "addpath('benchmarks/golden'); gff_golden( \\
        '/tmp/parity', '/tmp/parity/out', '/abs/VIFB/methods/GFF', '/abs/he')" > /tmp/parity/gff.tsv
    python benchmarks/golden/parity_compare.py compare /tmp/parity      # markdown tables
    python benchmarks/golden/parity_compare.py emit /tmp/parity         # golden block of the test

The inputs, case lists and the GFF emulation live in ``tests/test_reference_parity_octave.py``
(one source of truth); this script loads that module by path. ``emit`` rewrites nothing: paste
its output between the ``# GOLDEN-BEGIN`` / ``# GOLDEN-END`` markers of the test.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
from _golden_io import load_test_module, read_octave, save_png

import jointfilter as jf
from jointfilter import _reference as ref


def _module():
    return load_test_module("test_reference_parity_octave")


def _info(tsv: Path) -> dict[str, str]:
    out = {}
    for line in tsv.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "#":
            out[parts[2]] = parts[3]
    return out


def cmd_write(out_dir: str) -> None:
    mod = _module()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    files = {k: save_png(out, k, v) for k, v in mod.gf_images().items()}
    rows = [
        f"{c.name}\t{c.function}\t{files[c.target]}\t{files[c.guide]}\t{c.radius}\t{c.eps!r}\t"
        f"{c.subsample}"
        for c in mod.GF_CASES
    ]
    (out / "gf_cases.tsv").write_text("\n".join(rows) + "\n")
    rows = [f"{kind}\t{n}\t{p}" for kind, n, p in mod.RESIZE_CASES]
    (out / "resize_cases.tsv").write_text("\n".join(rows) + "\n")
    rows = []
    for name, (vis, ir) in mod.gff_pairs().items():
        vis_png, ir_png = save_png(out, f"gff_{name}_vis", vis), save_png(out, f"gff_{name}_ir", ir)
        rows.append(f"{name}\t{vis_png}\t{ir_png}")
    (out / "gff_cases.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {out}")


def _gf_ref(mod, case, images) -> tuple[np.ndarray, np.ndarray]:
    p, g = mod.unit(images[case.target]), mod.unit(images[case.guide])
    return p, g


def cmd_compare(case_dir: str) -> None:
    mod = _module()
    d = Path(case_dir)
    out = d / "out"
    print(f"reference run: {_info(d / 'gf.tsv')}")
    images = mod.gf_images()
    print("\n| case | r | eps | s | ours float64 reference | ours core (float32) |")
    print("|---|---|---|---|---|---|")
    for c in mod.GF_CASES:
        f = out / f"{c.name}.f64"
        if not f.exists():
            print(f"| {c.name} | {c.radius} | {c.eps:g} | {c.subsample} | missing | missing |")
            continue
        p, g = _gf_ref(mod, c, images)
        want = read_octave(f, p.shape, "<f8")
        r64 = ref.guided_filter(p, g, c.radius, c.eps, border="clipped", subsample=c.subsample)
        core = jf.guided_filter(
            p.astype(np.float32), g.astype(np.float32), radius=c.radius, eps=c.eps,
            subsample=c.subsample, border="clipped", data_range=1.0, precision="double",
        )  # fmt: skip
        e64 = np.abs(r64 - want).max()
        e32 = np.abs(core - want).max()
        print(f"| {c.name} | {c.radius} | {c.eps:g} | {c.subsample} | {e64:.1e} | {e32:.1e} |")

    print("\n| imresize | n | s or h | Octave vs ours |")
    print("|---|---|---|---|")
    for kind, n, p in mod.RESIZE_CASES:
        if kind == "nearest":
            got = read_octave(out / f"nearest_{n}_{p}.f64", (-(-n // p),), "<f8").astype(int) - 1
            ok = np.array_equal(got, ref.decimation_indices(n, p))
            print(f"| nearest | {n} | {p} | {'equal' if ok else got.tolist()} |")
        else:
            taps = read_octave(out / f"bilinear_{p}_{n}.f64", (n, p), "<f8")
            print(f"| bilinear | {n} | {p} | {np.abs(taps - _taps(p, n)).max():.1e} |")

    print(f"\nreference run: {_info(d / 'gff.tsv')}")
    print("\n| pair | GFF.m uint8 vs emulation | ours uint8 vs GFF.m: max, pixels | "
          "ours float vs nq | ours uint8 vs uint8(nq) |")  # fmt: skip
    print("|---|---|---|---|---|")
    for name, (vis, ir) in mod.gff_pairs().items():
        shape = vis.shape
        g8 = read_octave(out / f"{name}.u8", shape, "u1")
        nq = read_octave(out / f"{name}_nq.f64", shape, "<f8")
        emu, _ = mod.gff_emulation([vis, ir])
        ours8 = jf.fuse(ir, vis, method="guided")
        oursf = jf.fuse(mod.unit(ir).astype(np.float32), mod.unit(vis).astype(np.float32),
                        method="guided", data_range=1.0, clip=False)  # fmt: skip
        d8 = np.abs(ours8.astype(int) - g8)
        same = "bit-exact" if np.array_equal(mod.matlab_uint8(emu), g8) else "DIFFERENT"
        nq8 = mod.matlab_uint8(nq)
        print(
            f"| {name} | {same} | {d8.max()}, {np.count_nonzero(d8)} / {d8.size} | "
            f"{np.abs(oursf - nq).max():.1e} | {np.count_nonzero(ours8 != nq8)} pixels |"
        )


def _taps(h: int, n: int) -> np.ndarray:
    i0, i1, fr = ref.linear_interp_weights(h, n)
    m = np.zeros((n, h))
    m[np.arange(n), i0] += 1.0 - fr
    m[np.arange(n), i1] += fr
    return m


def cmd_emit(case_dir: str) -> None:
    mod = _module()
    out = Path(case_dir) / "out"
    images = mod.gf_images()
    print("INPUT_FINGERPRINTS: dict[str, str] = {")
    for k, v in images.items():
        print(f'    "{k}": "{mod.fingerprint((v,))}",')
    for k, v in mod.gff_pairs().items():
        print(f'    "gff_{k}": "{mod.fingerprint(v)}",')
    print("}")

    print("\n# case -> (sum, sum of squares, {(row, col): value}) of the Octave output")
    print("GF_GOLDEN: dict[str, tuple[float, float, dict[tuple[int, int], float]]] = {")
    for c in mod.GF_CASES:
        if c.name in mod.FULL_CASES:
            continue
        q = read_octave(out / f"{c.name}.f64", images[c.target].shape, "<f8")
        px = ", ".join(f"{yx}: {float(q[yx])!r}" for yx in mod.pixels(q.shape))
        print(f'    "{c.name}": ({float(q.sum())!r}, {float((q * q).sum())!r}, {{{px}}}),')
    print("}")
    print("\n# case -> the whole Octave output, row-major, whitespace-separated (see gf_full)")
    print("GF_FULL: dict[str, str] = {")
    for c in mod.GF_CASES:
        if c.name not in mod.FULL_CASES:
            continue
        q = read_octave(out / f"{c.name}.f64", images[c.target].shape, "<f8").ravel()
        print(f'    "{c.name}": """')
        for i in range(0, q.size, 4):
            print(" ".join(repr(float(v)) for v in q[i : i + 4]))
        print('""",')
    print("}")

    print("\n# (n, s) -> 0-based rows picked by Octave's imresize((1:n)', 1/s, 'nearest')")
    print("NEAREST_ROWS: dict[tuple[int, int], list[int]] = {")
    for kind, n, p in mod.RESIZE_CASES:
        if kind == "nearest":
            got = read_octave(out / f"nearest_{n}_{p}.f64", (-(-n // p),), "<f8").astype(int) - 1
            print(f"    ({n}, {p}): {got.tolist()},")
    print("}")
    print("\n# (h, n) -> per output row (first column, its weight, second column, its weight) of")
    print("# Octave's imresize(eye(h), [n h], 'bilinear')")
    print("BILINEAR_TAPS: dict[tuple[int, int], list[tuple[int, float, int, float]]] = {")
    for kind, n, h in mod.RESIZE_CASES:
        if kind == "bilinear" and h <= 12:
            taps = read_octave(out / f"bilinear_{h}_{n}.f64", (n, h), "<f8")
            rows = []
            for t in taps:
                nz = np.flatnonzero(t)
                i, j = (nz[0], nz[0]) if len(nz) == 1 else nz
                w1 = float(t[j]) if len(nz) == 2 else 0.0
                rows.append(f"({i}, {float(t[i])!r}, {j}, {w1!r})")
            print(f"    ({h}, {n}): [{', '.join(rows)}],")
    print("}")

    print("\n# pair -> GFF.m uint8 output: sha256 (first 16 hex digits), sum, {(row, col): value};")
    print("# and the 'nq' variant (no weight quantisation): sum, {(row, col): value} in [0, 1]")
    print("GFF_GOLDEN: dict[str, dict[str, object]] = {")
    for name, (vis, _) in mod.gff_pairs().items():
        g8 = read_octave(out / f"{name}.u8", vis.shape, "u1")
        nq = read_octave(out / f"{name}_nq.f64", vis.shape, "<f8")
        pts = mod.pixels(vis.shape)
        print(f'    "{name}": {{')
        print(f'        "u8_sha": "{hashlib_hex(g8)}",')
        print(f'        "u8_sum": {int(g8.astype(np.int64).sum())},')
        print(f'        "u8_px": {{{", ".join(f"{yx}: {int(g8[yx])}" for yx in pts)}}},')
        print(f'        "nq_sum": {float(nq.sum())!r},')
        print(f'        "nq_px": {{{", ".join(f"{yx}: {float(nq[yx])!r}" for yx in pts)}}},')
        print("    },")
    print("}")


def hashlib_hex(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("write", "compare", "emit"):
        sub.add_parser(name).add_argument("dir")
    args = ap.parse_args()
    {"write": cmd_write, "compare": cmd_compare, "emit": cmd_emit}[args.cmd](args.dir)


if __name__ == "__main__":
    main()
