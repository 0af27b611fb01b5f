"""Our architectures reproduce the official state_dict layouts (so official checkpoints load)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from jointfilter.models import _zoo  # noqa: E402
from jointfilter.models.convert import load_official, unwrap_state_dict  # noqa: E402

CASES = [
    ("mirnet_denoise_state_dict.json", "mirnet"),
    ("mirnet_enhance_state_dict.json", "mirnet"),
    ("mirnet_v2_denoise_state_dict.json", "mirnet_v2"),
    ("mirnet_v2_enhance_state_dict.json", "mirnet_v2"),
    ("ivif_blur_cnn_state_dict.json", "blur_cnn"),
]


def _official(arch: str):
    m = _zoo.build(arch)
    return m.net if arch == "blur_cnn" else m


@pytest.mark.parametrize(("fname", "arch"), CASES)
def test_state_dict_layout_matches_official(models_dir, fname: str, arch: str) -> None:
    path = models_dir / fname
    if not path.is_file():
        pytest.skip(f"{fname} not present")
    ref = json.loads(path.read_text())
    model = _official(arch)
    sd = model.state_dict()
    ours = [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in sd.items()]
    theirs = [e[:3] for e in ref["state_dict"]]
    assert [k for k, _, _ in ours] == [k for k, _, _ in theirs]  # keys and order
    assert ours == theirs  # shapes and dtypes
    kinds = {k: ("buffer" if k in dict(model.named_buffers()) else "param") for k in sd}
    assert [kinds[e[0]] for e in ref["state_dict"]] == [e[3] for e in ref["state_dict"]]
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == ref["total_parameters"]
    # tied weights: every aliasing group of the official model shares storage here too
    groups = ref.get("shared_storage_groups") or []
    for group in groups:
        ptrs = {sd[k].data_ptr() for k in group}
        assert len(ptrs) == 1, group
    shared = {}
    for k, v in sd.items():
        shared.setdefault(v.data_ptr(), []).append(k)
    n_groups = sum(1 for g in shared.values() if len(g) > 1)
    assert n_groups == len(groups)


def _fake_checkpoint(arch: str, config: dict, wrap: str):
    torch.manual_seed(0)
    m = _zoo.build(arch, **config)
    target = m.net if arch == "blur_cnn" else m
    sd = {
        k: (v.clone() + 0.01 if v.is_floating_point() else v.clone())
        for k, v in target.state_dict().items()
    }
    if wrap == "mirnet":
        return {
            "epoch": 3,
            "state_dict": {"module." + k: v for k, v in sd.items()},
            "optimizer": {},
        }
    if wrap == "basicsr":
        return {"params": sd}
    return sd


@pytest.mark.parametrize(
    ("arch", "config", "wrap"),
    [
        ("mirnet", {"n_feat": 8, "n_RRG": 1, "n_MSRB": 1}, "mirnet"),
        ("mirnet_v2", {"n_feat": 16, "n_MRB": 1}, "basicsr"),
        ("blur_cnn", {"c1": 8, "c2": 8, "c3": 8, "hidden": 8}, "bare"),
    ],
)
def test_official_checkpoint_formats_load_strictly(arch: str, config: dict, wrap: str) -> None:
    ck = _fake_checkpoint(arch, config, wrap)
    sd = unwrap_state_dict(ck)
    assert not any(k.startswith("module.") for k in sd)
    model = load_official(arch, ck, config)
    target = model.net if arch == "blur_cnn" else model
    for k, v in target.state_dict().items():
        torch.testing.assert_close(v, sd[k])


def test_mismatched_checkpoint_raises_model_error() -> None:
    from jointfilter.errors import ModelError

    ck = _fake_checkpoint("mirnet_v2", {"n_feat": 16, "n_MRB": 1}, "basicsr")
    with pytest.raises(ModelError, match="does not match the mirnet_v2 layout"):
        load_official("mirnet_v2", ck, {"n_feat": 32, "n_MRB": 1})


def test_mirnet_shared_prelu_and_dau_are_one_object() -> None:
    m = _zoo.build("mirnet", n_feat=8, n_RRG=2, n_MSRB=2)
    prelus = {
        id(mod.body[1])
        for name, mod in m.named_modules(remove_duplicate=False)
        if name.endswith(".blocks.0.0") or name.endswith(".blocks.2.1")
    }
    assert len(prelus) == 1
    msrb = m.body[0].body[0]
    assert msrb.blocks[1][0] is msrb.blocks[1][1]


@pytest.mark.parametrize(
    ("arch", "config", "ok", "bad"),
    [
        ("mirnet", {"n_feat": 8, "n_RRG": 1, "n_MSRB": 1}, (12, 20), (6, 6)),
        ("mirnet_v2", {"n_feat": 16, "n_MRB": 1}, (12, 20), None),
    ],
)
def test_size_constraints(arch, config, ok, bad) -> None:
    m = _zoo.build(arch, **config).eval()
    with torch.no_grad():
        assert m(torch.rand(1, 3, *ok)).shape == (1, 3, *ok)
        if bad is not None:
            with pytest.raises(RuntimeError):
                m(torch.rand(1, 3, *bad))
