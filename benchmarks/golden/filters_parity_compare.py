"""WGIF, GDGIF and dark-channel steps against public MATLAB codes: inputs, comparison, test rows.

Steps (see README.md in this folder)::

    python benchmarks/golden/filters_parity_compare.py write /tmp/fparity
    octave --no-gui --quiet --eval "addpath('benchmarks/golden'); edge_aware_golden( \\
        '/tmp/fparity', '/tmp/fparity/out', '/abs/he', '/abs/kou_gdgif', '/abs/kou_wgif', \\
        '/abs/luxiush_src')" > /tmp/fparity/ea.tsv
    octave --no-gui --quiet --eval "addpath('benchmarks/golden'); dcp_golden( \\
        '/tmp/fparity', '/tmp/fparity/out', '/abs/metin', '/abs/tanay')" > /tmp/fparity/dcp.tsv
    python benchmarks/golden/filters_parity_compare.py compare /tmp/fparity   # markdown tables
    python benchmarks/golden/filters_parity_compare.py emit /tmp/fparity      # golden block

The inputs, case lists and the emulations live in ``tests/test_filters_parity_octave.py`` (one
source of truth); this script loads that module by path. ``emit`` rewrites nothing: paste its
output between the ``# GOLDEN-BEGIN`` / ``# GOLDEN-END`` markers of the test.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
from _golden_io import load_test_module, read_octave, save_png


def _module():
    return load_test_module("test_filters_parity_octave")


def _tsv(path: Path) -> dict[str, dict[str, float]]:
    """``name -> key -> value`` of a driver's output (``#`` info lines as ``#`` entries)."""
    out: dict[str, dict[str, float]] = {}
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "#":
            out.setdefault("#", {})[parts[2]] = parts[3]
        elif len(parts) == 3:
            out.setdefault(parts[0], {})[parts[1]] = float(parts[2])
    return out


def cmd_write(out_dir: str) -> None:
    mod = _module()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    files = {k: save_png(out, f"ea_{k}", v) for k, v in mod.ea_images().items()}
    rows = [
        f"{c.name}\t{c.function}\t{files[c.target]}\t{files[c.guide]}\t{c.radius}\t{c.lam!r}"
        for c in mod.EA_CASES
    ]
    (out / "ea_cases.tsv").write_text("\n".join(rows) + "\n")
    files = {k: save_png(out, f"dcp_{k}", v) for k, v in mod.dcp_images().items()}
    rows = [f"{c.name}\t{files[c.image]}\t{c.patch}\t{c.omega!r}" for c in mod.DCP_CASES]
    (out / "dcp_cases.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {out}")


def cmd_compare(case_dir: str) -> None:
    mod = _module()
    d = Path(case_dir)
    out = d / "out"
    ea = _tsv(d / "ea.tsv")
    print(f"reference run: {ea.get('#')}")
    print("\n| case | r | lambda | ours float64 reference | ours public (float32) | imag |")
    print("|---|---|---|---|---|---|")
    for c in mod.EA_CASES:
        f = out / f"{c.name}.f64"
        if not f.exists():
            print(f"| {c.name} | {c.radius} | {c.lam:g} | missing | missing | |")
            continue
        x, _ = mod.ea_inputs(c)
        want = read_octave(f, x.shape)
        r64 = mod.ours_reference(c)
        pub = mod.ours_public(c)
        print(
            f"| {c.name} | {c.radius} | {c.lam:g} | {np.abs(r64 - want).max():.1e} | "
            f"{np.abs(pub - want).max():.1e} | {ea[c.name]['imag_max']:.1e} |"
        )

    dcp = _tsv(d / "dcp.tsv")
    print(f"\nreference run: {dcp.get('#')}")
    print(
        "\n| case | dc vs ours | dcvh vs dc | dct vs dc | A (metin) | A (tanay) | A (ours) | "
        "t vs ours (same A) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    images = mod.dcp_images()
    for c in mod.DCP_CASES:
        rgb8 = images[c.image]
        shape = rgb8.shape[:2]
        dc = read_octave(out / f"{c.name}_dc.f64", shape)
        dcvh = read_octave(out / f"{c.name}_dcvh.f64", shape)
        dct_f = out / f"{c.name}_dct.f64"
        dct = read_octave(dct_f, shape) if dct_f.exists() else None
        t = read_octave(out / f"{c.name}_t.f64", shape)
        row = dcp[c.name]
        a_metin = np.array([row[f"A{j}"] for j in (1, 2, 3)])
        a_tanay = np.array([row[f"At{j}"] for j in (1, 2, 3)]) if "At1" in row else None
        ours_dc = mod.ours_dark_channel(rgb8, c.patch // 2)
        ours_a = mod.ours_airlight(rgb8, c.patch // 2)
        ours_t = mod.ours_transmission(rgb8, c.patch // 2, c.omega, a_metin)

        def fmt(a):
            return "-" if a is None else "(" + ", ".join(f"{v * 255:.0f}" for v in a) + ")"

        dct_s = "-" if dct is None else f"{np.abs(dct - dc).max():.1e}"
        print(
            f"| {c.name} | {np.abs(ours_dc - dc).max():.1e} | {np.abs(dcvh - dc).max():.1e} | "
            f"{dct_s} | {fmt(a_metin)} | {fmt(a_tanay)} | {fmt(ours_a)} | "
            f"{np.abs(ours_t - t).max():.1e} |"
        )


def cmd_emit(case_dir: str) -> None:
    mod = _module()
    d = Path(case_dir)
    out = d / "out"
    print("INPUT_FINGERPRINTS: dict[str, str] = {")
    for k, v in mod.ea_images().items():
        print(f'    "ea_{k}": "{mod.fingerprint((v,))}",')
    for k, v in mod.dcp_images().items():
        print(f'    "dcp_{k}": "{mod.fingerprint((v,))}",')
    print("}")

    ea = _tsv(d / "ea.tsv")
    print("\n# case -> (sum, sum of squares, {(row, col): value}, max |imag|) of the Octave output")
    print("# (real part; GDGIF's output is complex where a variance product rounds below zero)")
    print("EA_GOLDEN: dict[str, tuple[float, float, dict[tuple[int, int], float], float]] = {")
    for c in mod.EA_CASES:
        if c.name in mod.EA_FULL_CASES:
            continue
        x, _ = mod.ea_inputs(c)
        q = read_octave(out / f"{c.name}.f64", x.shape)
        px = ", ".join(f"{yx}: {float(q[yx])!r}" for yx in mod.pixels(q.shape))
        im = ea[c.name]["imag_max"]
        print(f'    "{c.name}": ({float(q.sum())!r}, {float((q * q).sum())!r}, {{{px}}}, {im!r}),')
    print("}")
    print("\n# case -> the whole Octave output, row-major, whitespace-separated (see ea_full)")
    print("EA_FULL: dict[str, str] = {")
    for c in mod.EA_CASES:
        if c.name not in mod.EA_FULL_CASES:
            continue
        x, _ = mod.ea_inputs(c)
        q = read_octave(out / f"{c.name}.f64", x.shape).ravel()
        print(f'    "{c.name}": """')
        for i in range(0, q.size, 4):
            print(" ".join(repr(float(v)) for v in q[i : i + 4]))
        print('""",')
    print("}")

    dcp = _tsv(d / "dcp.tsv")
    images = mod.dcp_images()
    print("\n# case -> dark channel (uint8 levels: sha256 prefix, sum), airlights as uint8 levels")
    print("# (metin: ceil(0.001 N), L2 norm; tanay: floor(0.001 N), L2 norm) and the transmission")
    print("# with metin's airlight: sum, sum of squares, {(row, col): value}")
    print("DCP_GOLDEN: dict[str, dict[str, object]] = {")
    for c in mod.DCP_CASES:
        shape = images[c.image].shape[:2]
        dc = read_octave(out / f"{c.name}_dc.f64", shape)
        dc8 = np.floor(dc * 255.0 + 0.5).astype(np.uint8)
        assert np.array_equal(dc8.astype(np.float64) / 255.0, dc)
        t = read_octave(out / f"{c.name}_t.f64", shape)
        row = dcp[c.name]
        a = [round(row[f"A{j}"] * 255.0) for j in (1, 2, 3)]
        at = [round(row[f"At{j}"] * 255.0) for j in (1, 2, 3)]
        px = ", ".join(f"{yx}: {float(t[yx])!r}" for yx in mod.pixels(shape))
        print(f'    "{c.name}": {{')
        print(f'        "dc_sha": "{hashlib.sha256(dc8.tobytes()).hexdigest()[:16]}",')
        print(f'        "dc_sum": {int(dc8.astype(np.int64).sum())},')
        print(f'        "air_metin": {tuple(a)},')
        print(f'        "air_tanay": {tuple(at)},')
        print(f'        "t_sum": {float(t.sum())!r},')
        print(f'        "t_sumsq": {float((t * t).sum())!r},')
        print(f'        "t_px": {{{px}}},')
        print("    },")
    print("}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("write", "compare", "emit"):
        sub.add_parser(name).add_argument("dir")
    args = ap.parse_args()
    {"write": cmd_write, "compare": cmd_compare, "emit": cmd_emit}[args.cmd](args.dir)


if __name__ == "__main__":
    main()
