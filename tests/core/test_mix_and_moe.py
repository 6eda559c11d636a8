import numpy as np
import pytest
import torch
from torch import nn

from core.emotions import AU_CATALOG, COMPOUND_PRESETS, EMOTIONS, MOEE_COMPOUNDS
from core.errors import InputError
from core.mix import EmotionMix, parse_aus, parse_mix
from core.moe import EmotionMoE


def test_catalog_order_and_contents():
    assert EMOTIONS == ("happy", "sad", "angry", "disgusted", "fearful", "surprised")
    for au in (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 16, 17, 18, 20, 22, 23, 24, 25, 26, 27, 43, 45):
        assert au in AU_CATALOG
    assert len(COMPOUND_PRESETS) == 15
    assert set(MOEE_COMPOUNDS) == {"angrily disgusted", "sadly surprised", "sadly fearful",
                                   "happily surprised"}
    for p in COMPOUND_PRESETS.values():
        assert abs(sum(p.weights.values()) - 1) < 1e-6
        assert all(a in AU_CATALOG for a in p.core_aus + p.variant_aus)


def test_parse_mix_and_aus():
    assert parse_mix("happy=0.7, surprised=0.3") == {"happy": 0.7, "surprised": 0.3}
    assert parse_aus("12=1,AU15=0") == {12: 1.0, 15: 0.0}
    # a preset name alone is its gates, a compound at full strength
    assert parse_mix("happy") == {"happy": 1.0} and parse_mix(" Neutral ") == {}
    assert parse_mix("sadly  surprised") == {"surprised": 1.0, "sad": pytest.approx(0.8182,
                                                                                    abs=1e-4)}
    with pytest.raises(InputError, match="preset name"):
        parse_mix("sadly happy")
    for bad in ("joy=1", "happy=-1", "joy", "happy=x"):
        with pytest.raises(InputError):
            parse_mix(bad)
    with pytest.raises(InputError, match="AU13"):
        parse_aus("13=1")
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        parse_aus("12=2")


def test_mix_modes_and_round_trip():
    m = EmotionMix.from_dict({"happy": 0.6, "surprised": 0.2}, mode="normalized", intensity=0.5)
    np.testing.assert_allclose(m.gates(), [0.375, 0, 0, 0, 0, 0.125])
    assert EmotionMix.from_json_dict(m.as_dict()) == m
    assert EmotionMix().is_neutral and EmotionMix().dominant() is None
    assert EmotionMix.from_preset("angrily disgusted").dominant() == "disgusted"


def test_a_mix_from_json_checks_each_number_once(monkeypatch):
    """The JSON door checks the shapes JSON can get wrong and leaves every number to
    __post_init__: loading a mix costs the same checks as making it (a keys file has one per
    key, so a second pass was most of a load's time)."""
    from core import validate

    calls = []
    real = validate.number
    monkeypatch.setattr(validate, "number", lambda v, *a: calls.append(v) or real(v, *a))
    d = {"weights": {"happy": 0.5, "sad": 1}, "intensity": 0.8, "au_overrides": {"12": 0.3},
         "local_gates": {"mouth": [1, 0, 0, 0, 0, 0]}, "head": [2, 0, 0], "gaze": [0, 5]}
    loaded = EmotionMix.from_json_dict(d)
    from_json, calls[:] = len(calls), []
    made = EmotionMix(weights=(0.5, 1, 0, 0, 0, 0), intensity=0.8, au_overrides={12: 0.3},
                      local_gates={"mouth": (1, 0, 0, 0, 0, 0)}, head=(2, 0, 0), gaze=(0, 5))
    assert loaded == made and from_json == len(calls) > 0


def test_compound_presets_come_at_full_strength():
    """A compound's head emotion is at full weight and the other in its share's proportion;
    normalized mode gives back the shares (Du et al.: compounds are expressed as fully as the
    basic emotions)."""
    for name, p in COMPOUND_PRESETS.items():
        g = EmotionMix.from_preset(name).gates()
        assert g.max() == pytest.approx(1.0), name
        shares = EmotionMix.from_preset(name, mode="normalized").gates()
        for emo, w in p.weights.items():
            assert shares[EMOTIONS.index(emo)] == pytest.approx(w, abs=1e-3), name
    g = EmotionMix.from_preset("sadly surprised").gates()
    assert g[EMOTIONS.index("sad")] == pytest.approx(0.45 / 0.55, abs=1e-3)


class _Scale(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return self.k * x


def test_moe_formula_and_overrides():
    torch.manual_seed(0)
    moe = EmotionMoE(4, [_Scale(i + 1.0) for i in range(6)])
    x = torch.randn(2, 5, 4)
    out = moe(x)
    g, s = out.g, out.s
    assert torch.allclose(g.sum(-1), torch.ones(2))  # softmax gate
    expected = x + sum(g[:, i, None, None] * (i + 1.0) * x * s[..., i:i + 1] for i in range(6))
    assert torch.allclose(out.hidden, expected, atol=1e-6)
    # g override: one-hot equals that expert alone; zeros give identity
    onehot = torch.tensor([[0, 0, 1.0, 0, 0, 0]])
    o1 = moe(x, g_override=onehot)
    assert torch.allclose(o1.hidden, x + 3.0 * x * o1.s[..., 2:3])
    assert torch.equal(moe(x, g_override=torch.zeros(1, 6)).hidden, x)
    # s override with NaN keeps the module's own gate elsewhere
    so = torch.full((1, 5, 6), float("nan"))
    so[0, 0] = 0.0
    o2 = moe(x, g_override=onehot, s_override=so)
    assert torch.equal(o2.hidden[:, 0], x[:, 0])
    assert torch.allclose(o2.hidden[:, 1:], o1.hidden[:, 1:])
