"""The "focus"/"cnn" pyramid blend against VIFB's run_CNN.m: inputs, comparison, test rows.

Steps (see README.md in this folder)::

    python benchmarks/golden/cnn_fusion_compare.py write /tmp/cnnpar     # PNGs, weights, manifest
    octave --no-gui --quiet --eval "addpath('benchmarks/golden'); cnn_fusion_golden( \\
        '/tmp/cnnpar', '/tmp/cnnpar/out', '/abs/VIFB/methods/CNN', '/abs/es2_dir')" \\
        > /tmp/cnnpar/cnn.tsv
    python benchmarks/golden/cnn_fusion_compare.py compare /tmp/cnnpar   # markdown tables
    python benchmarks/golden/cnn_fusion_compare.py emit /tmp/cnnpar      # golden block of the test

The inputs, cases, weight maps and the float64 restatement of run_CNN.m's pyramid step live in
``tests/test_cnn_fusion_parity_octave.py`` (one source of truth); this script loads that module
by path. ``emit`` rewrites nothing: paste its output between the ``# GOLDEN-BEGIN`` /
``# GOLDEN-END`` markers of the test.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _golden_io import load_test_module, read_octave, save_png

import jointfilter as jf
from jointfilter.fusion import _blend


def _module():
    return load_test_module("test_cnn_fusion_parity_octave")


def _tsv(path: Path) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    info, rows = {}, {}
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "#":
            info[parts[2]] = parts[3]
        elif len(parts) == 3:
            rows[parts[0], parts[1]] = parts[2]
    return info, rows


def _sizes(rows: dict[tuple[str, str], str], name: str, nlev: int) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in rows[name, f"size_{lev}"].split()) for lev in range(1, nlev + 1)]


def _load(out: Path, rows, name: str, shape: tuple[int, int]) -> dict[str, object]:
    nlev = int(rows[name, "nlev"])
    sizes = _sizes(rows, name, nlev)
    res = {
        "nlev": nlev,
        "f": read_octave(out / f"{name}.f64", shape, "<f8"),
        "u8": read_octave(out / f"{name}.u8", shape, "u1"),
    }
    for key in ("L1", "L2", "W", "F"):
        res[key] = [
            read_octave(out / f"{name}_{key}_{lev + 1}.f64", sizes[lev], "<f8")
            for lev in range(nlev)
        ]
    return res


def cmd_write(out_dir: str) -> None:
    mod = _module()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    pairs = mod.cnn_pairs()
    files = {}
    for name, (ir, vis) in pairs.items():
        w = mod.weight_map(ir, vis)
        wfile = f"cnn_{name}_w.f32"
        np.ascontiguousarray(w.T, dtype="<f4").tofile(out / wfile)  # column-major
        files[name] = (
            save_png(out, f"cnn_{name}_ir", ir),
            save_png(out, f"cnn_{name}_vis", vis),
            wfile,
        )
    rows = []
    for c in mod.CASES:
        h, w = pairs[c.pair][0].shape
        rows.append("\t".join([c.name, *files[c.pair], str(h), str(w), str(c.nlev)]))
    (out / "cnn_cases.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {out}")


def _ours(mod, ir, vis, nlev):
    w = mod.weight_map(ir, vis)
    a, b = mod.unit32(ir), mod.unit32(vis)
    return w, _blend.pyramid_blend(a, b, w, levels=nlev, match_threshold=0.6)


def cmd_compare(case_dir: str) -> None:
    mod = _module()
    d = Path(case_dir)
    info, rows = _tsv(d / "cnn.tsv")
    print(f"reference run: {info}")
    pairs = mod.cnn_pairs()
    print(
        "\n| case | nlev (ours default) | emulation vs Octave: float, uint8 | ours float vs "
        "Octave: max, interior (16 px in) | fuse uint8 vs Octave: max, pixels > 1 | ours vs "
        "emulation with OUR_RULES |"
    )
    print("|---|---|---|---|---|---|")
    for c in mod.CASES:
        ir, vis = pairs[c.pair]
        ref = _load(d / "out", rows, c.name, ir.shape)
        nlev = ref["nlev"]
        w, ours = _ours(mod, ir, vis, nlev)
        w64 = w.astype(np.float64)
        emu = mod.lp_fusion(mod.unit(ir), mod.unit(vis), w64, nlev)
        e_f = np.abs(emu.fused - ref["f"]).max()
        e_u = "bit-exact" if np.array_equal(mod.matlab_uint8(emu.fused), ref["u8"]) else "DIFF"
        diff = np.abs(ours - ref["f"])
        inner = diff[16:-16, 16:-16].max() if min(diff.shape) > 32 else float("nan")
        fused8 = jf.fuse(ir, vis, method="focus", levels=nlev)
        d8 = np.abs(fused8.astype(int) - ref["u8"])
        ours_rules = mod.lp_fusion(mod.unit(ir), mod.unit(vis), w64, nlev, mod.OUR_RULES).fused
        print(
            f"| {c.name} {ir.shape} | {nlev} ({_blend.default_levels(ir.shape)}) | {e_f:.1e}, "
            f"{e_u} | {diff.max():.3f}, {inner:.3f} | {d8.max()}, {np.count_nonzero(d8 > 1)} / "
            f"{d8.size} | {np.abs(ours - ours_rules).max():.1e} |"
        )

    print("\nEach rule of ours alone in the float64 emulation, vs the reference (uint8 levels):")
    print("\n| case | rule | max | interior max (16 px in) | pixels > 1 |")
    print("|---|---|---|---|---|")
    for c in mod.CASES:
        ir, vis = pairs[c.pair]
        ref = _load(d / "out", rows, c.name, ir.shape)
        nlev = ref["nlev"]
        w64 = mod.weight_map(ir, vis).astype(np.float64)
        base = mod.matlab_uint8(mod.lp_fusion(mod.unit(ir), mod.unit(vis), w64, nlev).fused)
        for field, value in zip(mod.Rules._fields, mod.OUR_RULES, strict=True):
            rules = mod.REFERENCE_RULES._replace(**{field: value})
            got = mod.lp_fusion(mod.unit(ir), mod.unit(vis), w64, nlev, rules).fused
            dd = np.abs(mod.matlab_uint8(got).astype(int) - base)
            inner = dd[16:-16, 16:-16].max() if min(dd.shape) > 32 else -1
            print(
                f"| {c.name} | {field}={value} | {dd.max()} | {inner} | "
                f"{np.count_nonzero(dd > 1)} |"
            )


def _px(arr: np.ndarray, pts, cast=float) -> str:
    return ", ".join(f"{yx}: {cast(arr[yx])!r}" for yx in pts)


def cmd_emit(case_dir: str) -> None:
    mod = _module()
    d = Path(case_dir)
    info, rows = _tsv(d / "cnn.tsv")
    assert info.get("octave") == mod.OCTAVE_VERSION, info
    assert info.get("image") == mod.OCTAVE_IMAGE_PACKAGE, info
    pairs = mod.cnn_pairs()
    print("# pair -> sha256 (first 16 hex digits) of the uint8 (infrared, visible) pair")
    print("INPUT_FINGERPRINTS: dict[str, str] = {")
    for k, v in pairs.items():
        print(f'    "{k}": "{mod.fingerprint(v)}",')
    print("}")
    print("\n# pair -> our weight map fed to both sides: sha256 (16 hex digits), sum (float64),")
    print("# {(row, col): value}")
    print("WEIGHT_GOLDEN: dict[str, tuple[str, float, dict[tuple[int, int], float]]] = {")
    for k, (ir, vis) in pairs.items():
        w = mod.weight_map(ir, vis)
        pts = mod.pixels(w.shape)
        total = float(w.astype(np.float64).sum())
        print(f'    "{k}": ("{mod.sha16(w)}", {total!r}, {{{_px(w, pts)}}}),')
    print("}")

    print("\n# case -> run_CNN.m's pyramid step under Octave: depth, fused float (sum, sum of")
    print("# squares, pixels), uint8 (sha256, sum, pixels), per level: the infrared and visible")
    print("# Laplacian levels and the fused band (sum, sum of squares, corner pixels)")
    print("GOLDEN: dict[str, dict[str, object]] = {")
    for c in mod.CASES:
        ir, _ = pairs[c.pair]
        ref = _load(d / "out", rows, c.name, ir.shape)
        f, u8 = ref["f"], ref["u8"]
        pts = mod.pixels(f.shape)
        print(f'    "{c.name}": {{')
        print(f'        "nlev": {ref["nlev"]},')
        print(f'        "f_sum": {float(f.sum())!r},')
        print(f'        "f_sumsq": {float((f * f).sum())!r},')
        print(f'        "f_px": {{{_px(f, pts)}}},')
        print(f'        "u8_sha": "{mod.sha16(u8)}",')
        print(f'        "u8_sum": {int(u8.astype(np.int64).sum())},')
        print(f'        "u8_px": {{{_px(u8, pts, int)}}},')
        for key, label in (("L1", "lap_ir"), ("L2", "lap_vis"), ("F", "bands")):
            print(f'        "{label}": [')
            for lev in ref[key]:
                lp = mod.corner_pixels(lev.shape)
                print(
                    f"            ({float(lev.sum())!r}, {float((lev * lev).sum())!r}, "
                    f"{{{_px(lev, lp)}}}),"
                )
            print("        ],")
        print("    },")
    print("}")

    c = mod.CASE_BY_NAME[mod.FULL_CASE]
    ir, _ = pairs[c.pair]
    ref = _load(d / "out", rows, c.name, ir.shape)
    print(
        f"\n# the whole float output of case {c.name!r} (row-major, {ir.shape[0]} x {ir.shape[1]})"
    )
    print("FULL_OUTPUT = np.array(")
    print('    """')
    q = ref["f"].ravel()
    for i in range(0, q.size, 4):
        print("    " + " ".join(repr(float(v)) for v in q[i : i + 4]))
    print(f'    """.split(),\n    dtype=np.float64,\n).reshape{ir.shape}')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("write", "compare", "emit"):
        sub.add_parser(name).add_argument("dir")
    args = ap.parse_args()
    {"write": cmd_write, "compare": cmd_compare, "emit": cmd_emit}[args.cmd](args.dir)


if __name__ == "__main__":
    main()
