"""``stochastic_tone``: exact per-channel (gain, gamma) inverse + z spread + generator residual."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from jointfilter.models import _zoo, train  # noqa: E402
from jointfilter.models.architectures.stochastic_tone import tone_inverse_rgb  # noqa: E402

CFG = {"ngf": 8, "latent_dim": 4, "n_res": 2}


def _model(seed: int = 0, **kw):
    torch.manual_seed(seed)
    return _zoo.build("stochastic_tone", **CFG, **kw).eval()


def test_tone_inverse_is_exact_for_known_gain_and_gamma() -> None:
    clean = torch.linspace(0.05, 0.85, 96).reshape(1, 3, 4, 8)
    for gain, gamma in (((0.85, 1.0, 1.15), 0.75), ((1.1, 0.9, 1.0), 1.35), ((1, 1, 1), 1.0)):
        g = torch.tensor(gain).reshape(1, 3, 1, 1)
        low = (g * clean).clamp(0, 1) ** gamma  # the protocol's tone step, noise-free
        t = torch.log(torch.tensor([[gamma, *gain]], dtype=torch.float32))
        inv = tone_inverse_rgb(low, t, 1e-3)
        np.testing.assert_allclose(inv.numpy(), clean.numpy(), atol=3e-6, rtol=0)
    # the model's invert is the same function; safe at zero (floored, finite gradients)
    t = torch.tensor([[0.2, -0.1, 0.0, 0.1]], requires_grad=True)
    y = _model().invert(torch.zeros(1, 3, 4, 4), t)
    want = (1e-3 ** np.exp(-0.2)) / np.exp([-0.1, 0.0, 0.1])
    np.testing.assert_allclose(y[0, :, 0, 0].detach().numpy(), want, rtol=1e-5)
    y.sum().backward()
    assert torch.isfinite(t.grad).all()


def test_degrade_quality_params_matches_the_protocol() -> None:
    rng = np.random.default_rng(0)
    y = rng.random((32, 32, 3)).astype(np.float32)
    a = train.degrade_quality(y, np.random.default_rng(5))
    x, gain, gamma = train.degrade_quality_params(y, np.random.default_rng(5))
    np.testing.assert_array_equal(a, x)  # the old entry point is unchanged
    assert gain.shape == (3,)
    assert np.all((gain >= 0.85) & (gain <= 1.15))
    assert 0.75 <= gamma <= 1.35


def test_residual_starts_at_zero_and_untrained_model_is_the_inverse() -> None:
    m = _model()
    x = torch.rand(2, 3, 20, 24)
    z = torch.randn(2, 4)
    with torch.no_grad():
        assert float(m.residual(x, z).abs().max()) == 0.0
        t0 = m.tone_params(x)
        np.testing.assert_array_equal(t0.numpy(), 0.0)  # head starts at gamma = gain = 1
        out, inv, t, _ = m.forward_parts(x, z)
        np.testing.assert_array_equal(out.numpy(), inv.numpy())
        np.testing.assert_allclose(inv.numpy(), m.invert(x, t).numpy(), atol=0)
        # z = 0: no offset, the inverse at the head's estimate (identity here)
        np.testing.assert_allclose(
            m(x, torch.zeros(2, 4)).numpy(), x.clamp(1e-3, 1).numpy(), atol=1e-6, rtol=0
        )


def test_z_changes_output_and_same_z_gives_same_output() -> None:
    m = _model(1)
    with torch.no_grad():  # a trained-looking model: non-zero head and residual
        m.head.mlp[-1].weight.normal_(0.0, 0.1)
        m.out.weight.normal_(0.0, 0.05)
    x = torch.rand(2, 3, 24, 20)
    z = torch.randn(2, 4)
    with torch.no_grad():
        a, b = m(x, z), m(x, z)
        torch.testing.assert_close(a, b, rtol=0, atol=0)
        c = m(x, -z)
        assert float((a - c).abs().mean()) > 1e-3
        # z moves the tone parameters, and the head's estimate does not depend on z
        assert float((m.params(x, z) - m.params(x, -z)).abs().min()) > 1e-4
        assert float((m.residual(x, z) - m.residual(x, -z)).abs().max()) > 1e-5


def test_residual_on_inverse_feeds_the_generator_the_tone_inverse() -> None:
    """Stage 6+: the generator sees the inverse at the sampled parameters, not the input."""
    m = _model(3, residual_on_inverse=True)
    with torch.no_grad():
        m.head.mlp[-1].weight.normal_(0.0, 0.1)
        m.out.weight.normal_(0.0, 0.05)
    x = torch.rand(2, 3, 20, 24)
    z = torch.randn(2, 4)
    with torch.no_grad():
        out, inv, _, _ = m.forward_parts(x, z)
        torch.testing.assert_close(out, inv + m.residual(inv, z), rtol=0, atol=0)
        assert float((out - (inv + m.residual(x, z))).abs().max()) > 1e-5
    # the stage-6 recipes start from a stage-5 file: same keys, nothing new
    old = _model(4).state_dict()
    assert m.load_state_dict(old, strict=True) is not None
    for name in ("stochastic-enhance-tone-inv", "stochastic-enhance-tone-inv-ft"):
        assert train.RECIPES[name]["config"]["residual_on_inverse"] is True


def test_generator_keys_load_from_a_stochastic_file() -> None:
    """``--init`` from a ``stochastic`` model: the generator modules share their names."""
    old = _zoo.build("stochastic", **CFG, cond_tone=True)
    new = _model()
    fresh = tuple(train.RECIPES["stochastic-enhance-tone"]["init_fresh"])
    state = {k: v for k, v in old.state_dict().items() if k in new.state_dict()}
    state = {k: v for k, v in state.items() if not k.startswith(fresh)}
    res = new.load_state_dict(state, strict=False)
    assert not res.unexpected_keys
    assert res.missing_keys
    assert all(k.startswith(fresh) for k in res.missing_keys)
    assert any(k.startswith("res.") for k in state)


@pytest.mark.parametrize("on_inverse", [False, True])
def test_trace_and_onnx_export_parity(tmp_path, on_inverse: bool) -> None:
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    from jointfilter.models._export import torchscript_warnings

    m = _model(2, residual_on_inverse=on_inverse)
    with torch.no_grad():
        m.head.mlp[-1].weight.normal_(0.0, 0.1)
        m.out.weight.normal_(0.0, 0.05)
    files = _zoo.export("stochastic_tone", m, tmp_path / "st")
    ex = _zoo.example_inputs("stochastic_tone", m, 36, 52, 3)  # not the traced size
    with torch.no_grad():
        ref = m(*ex).numpy()
        with torchscript_warnings():
            ts = torch.jit.load(str(files["torchscript"]))
        np.testing.assert_allclose(ts(*ex).numpy(), ref, atol=1e-4, rtol=0)
    sess = ort.InferenceSession(str(files["onnx"]), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"image": ex[0].numpy(), "z": ex[1].numpy()})[0]
    np.testing.assert_allclose(got, ref, atol=1e-4, rtol=0)
