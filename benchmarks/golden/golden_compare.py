"""Golden fusion-metric values from the reference MATLAB codes: inputs, comparison, test rows.

Steps (see README.md in this folder)::

    python benchmarks/golden/golden_compare.py write /tmp/golden        # PNG triples
    octave --no-gui --quiet --eval "addpath('benchmarks/golden'); \\
        vifb_golden('/tmp/golden', '/path/to/VIFB', '/path/to/other/refs', ...)" > golden.tsv
    python benchmarks/golden/golden_compare.py compare golden.tsv      # markdown table
    python benchmarks/golden/golden_compare.py emit golden.tsv         # rows for the test

The triples, the key map and the tolerances live in ``tests/test_metrics_golden.py`` (one
source of truth); this script loads that module by path.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from _golden_io import load_test_module

from jointfilter.metrics import fusion_metrics


def _golden_module():
    return load_test_module("test_metrics_golden")


def _read_tsv(path: str) -> tuple[dict[str, str], list[tuple[str, str, str, float | None]]]:
    info: dict[str, str] = {}
    rows = []
    for line in Path(path).read_text().splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        case, mode, key, val = parts
        if case == "#":
            info[key] = val
        elif not key.endswith(":imag"):  # Octave's ifft2 leaves ~1e-14 imaginary parts
            rows.append((case, mode, key, None if val == "ERR" else float(val)))
    return info, rows


def cmd_write(out_dir: str) -> None:
    import imageio.v3 as iio
    import numpy as np

    mod = _golden_module()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for case, (ir, vis, fused) in mod.make_cases().items():
        for name, img in (("ir", ir), ("vis", vis), ("fused", fused)):
            path = out / f"{case}_{name}.png"
            iio.imwrite(path, img)
            assert np.array_equal(iio.imread(path), img)  # lossless round trip
        print(case, mod.fingerprint((ir, vis, fused)))


def cmd_compare(tsv: str) -> None:
    mod = _golden_module()
    info, rows = _read_tsv(tsv)
    cases = mod.make_cases()
    print(f"reference run: {info}")
    print("| case | colour mode | reference code | metric/variant | reference | ours | rel. diff |")
    print("|---|---|---|---|---|---|---|")
    for case, mode, key, ref in rows:
        metric, variant = mod.KEYMAP[key]
        ir, vis, fused = cases[case]
        ours = fusion_metrics(
            ir, vis, fused, metrics=[metric], variant={metric: variant}, color_mode=mod.MODES[mode]
        )[metric].value
        if ref is None:
            ref_s, rel_s = "error", "-"
        else:
            ref_s = f"{ref:.12g}"
            rel = abs(ours - ref) / abs(ref) if ref != 0 else abs(ours)
            rel_s = f"{rel:.1e}"
            if not rel <= mod.tolerance(case, mode, key):
                rel_s += " **over tolerance**"
        flag = " (O)" if mod.octave_derived(case, mode, key) else ""
        print(
            f"| {case} | {mod.MODES[mode]} | {key}{flag} | {metric}/{variant} | {ref_s} | "
            f"{ours:.12g} | {rel_s} |"
        )


def cmd_emit(tsv: str) -> None:
    mod = _golden_module()
    _, rows = _read_tsv(tsv)
    cases = mod.make_cases()
    print("FINGERPRINTS = {")
    for case in sorted({r[0] for r in rows}):
        print(f'    "{case}": "{mod.fingerprint(cases[case])}",')
    print("}")
    print("GOLDEN: dict[tuple[str, str, str], float] = {")
    for case, mode, key, ref in rows:
        if ref is None or not math.isfinite(ref):
            continue
        print(f'    ("{case}", "{mode}", "{key}"): {ref!r},')
    print("}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("write").add_argument("dir")
    sub.add_parser("compare").add_argument("tsv")
    sub.add_parser("emit").add_argument("tsv")
    args = ap.parse_args()
    if args.cmd == "write":
        cmd_write(args.dir)
    elif args.cmd == "compare":
        cmd_compare(args.tsv)
    else:
        cmd_emit(args.tsv)


if __name__ == "__main__":
    main()
