"""The tone-prior MIRNet (``mirnet_tone``): one exact global tone inverse for all channels."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from jointfilter.models import _zoo  # noqa: E402
from jointfilter.models.architectures.mirnet_tone import tone_inverse  # noqa: E402


def _model(seed: int = 0):
    torch.manual_seed(seed)
    return _zoo.build("mirnet_tone", n_feat=16, n_MRB=1).eval()


def test_tone_inverse_is_exact_for_known_exposure_and_gamma() -> None:
    clean = torch.linspace(0.25, 1.0, 96).reshape(1, 3, 4, 8)
    for e, g in ((0.2, 3.5), (0.45, 2.0), (0.6, 2.7)):
        dark = e * clean**g  # the protocol's darkening, noise-free (all values above the floor)
        assert float(dark.min()) > 1e-3
        inv = tone_inverse(dark, torch.tensor([e]), torch.tensor([g]), 1e-3)
        np.testing.assert_allclose(inv.numpy(), clean.numpy(), atol=2e-6, rtol=0)
    # numerically safe at zero: floored before the power, finite gradients
    x = torch.zeros(1, 3, 4, 4)
    e = torch.tensor([0.3], requires_grad=True)
    g = torch.tensor([2.5], requires_grad=True)
    y = tone_inverse(x, e, g, 1e-3)
    np.testing.assert_allclose(y.detach().numpy(), (1e-3 / 0.3) ** (1 / 2.5), rtol=1e-5)
    y.sum().backward()
    assert torch.isfinite(e.grad).all()
    assert torch.isfinite(g.grad).all()


def test_untrained_model_is_the_tone_inverse_at_the_prior() -> None:
    m = _model()
    x = torch.rand(2, 3, 16, 20) * 0.4
    with torch.no_grad():
        e, g = m.tone_params(x)
        out = m(x)
    np.testing.assert_allclose(e.numpy(), 0.4, rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), 2.75, rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), m.invert(x, e, g).numpy(), atol=1e-6, rtol=0)


def test_same_curve_on_every_channel() -> None:
    """The tone part maps equal input values to equal outputs, whatever the channel."""
    m = _model(1)
    with torch.no_grad():  # a non-trivial head and residual: random last layers
        m.tone.mlp[-1].weight.normal_(0.0, 0.1)
        m.net.conv_out.weight.normal_(0.0, 0.05)
    rng = np.random.default_rng(0)
    levels = np.array([0.0, 0.01, 0.05, 0.2, 0.45], np.float32)
    x = torch.from_numpy(levels[rng.integers(0, 5, (2, 3, 16, 16))])
    with torch.no_grad():
        out, inv, e, g = m.forward_parts(x)
    assert not torch.allclose(e[0], e[1])  # one (e, g) per image ...
    for i in range(2):
        for v in levels:
            vals = inv[i][x[i] == float(v)]
            assert vals.numel() > 0
            np.testing.assert_allclose(vals.numpy(), float(vals[0]), atol=1e-7)  # ... all channels
            want = min((max(float(v), 1e-3) / float(e[i])) ** (1 / float(g[i])), 1.0)
            np.testing.assert_allclose(float(vals[0]), want, rtol=1e-5)
    with torch.no_grad():
        np.testing.assert_allclose(out.numpy(), m(x).numpy(), atol=1e-6)
        assert float((out - inv).abs().max()) > 1e-3  # the body adds a residual to the inverse


def test_residual_network_keeps_the_mirnet_v2_layout() -> None:
    m = _model()
    plain = _zoo.build("mirnet_v2", n_feat=16, n_MRB=1)
    net_keys = [k[len("net.") :] for k in m.state_dict() if k.startswith("net.")]
    assert net_keys == list(plain.state_dict())
    assert all(k.startswith(("net.", "tone.")) for k in m.state_dict())


def test_shipped_mirnet_enhance_applies_one_curve_to_all_channels() -> None:
    import jointfilter.models as jm
    from jointfilter.models._export import torchscript_warnings
    from jointfilter.models._registry import REGISTRY

    spec = REGISTRY["mirnet-enhance"]
    if spec.arch != "mirnet_tone":
        pytest.skip("the shipped mirnet-enhance has no tone prior")
    with torchscript_warnings():
        ts = torch.jit.load(str(jm.verify(spec, "torchscript")))
    m = _zoo.build(spec.arch, **spec.config).eval()
    m.load_state_dict({k: v for k, v in ts.state_dict().items() if k in m.state_dict()})
    rng = np.random.default_rng(1)
    levels = np.array([0.0, 0.004, 0.02, 0.08, 0.3], np.float32)
    x = torch.from_numpy(levels[rng.integers(0, 5, (1, 3, 32, 32))])
    with torch.no_grad():
        out, inv, e, g = m.forward_parts(x)
        np.testing.assert_allclose(ts(x).numpy(), out.numpy(), atol=1e-5)
    assert 0.05 < float(e[0]) < 1.0
    assert 1.0 < float(g[0]) < 5.0
    for v in levels:
        vals = inv[0][x[0] == float(v)]
        np.testing.assert_allclose(vals.numpy(), float(vals[0]), atol=1e-7)
    means = [float(inv[0][x[0] == float(v)][0]) for v in levels]
    assert means == sorted(means)  # monotone
