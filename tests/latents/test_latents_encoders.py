"""The text-encoder slot: a local T5 folder loads like MiniLM; mismatched weights are refused."""
from __future__ import annotations

import shutil

import pytest
import torch

from core.errors import CheckpointError
from core.latents.module import EmotionToLatents
from core.latents.resolve import LatentsRuntime
from core.latents.text import load_text_encoder, minilm_path


@pytest.fixture(scope="module")
def tiny_t5(tmp_path_factory):
    from transformers import T5Config, T5EncoderModel

    folder = tmp_path_factory.mktemp("t5")
    torch.manual_seed(0)
    cfg = T5Config(vocab_size=30522, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)
    T5EncoderModel(cfg).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(minilm_path() / name, folder / name)  # any tokenizer will do for the slot
    return folder


def test_t5_folder_encodes(tiny_t5):
    enc = load_text_encoder(tiny_t5)
    assert enc.name.startswith("t5:") and enc.dim == 16
    out = enc.encode(["happy", "not happy at all"])
    assert out.shape == (2, 16)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(2))


def test_weights_for_another_encoder_are_refused(tiny_t5, runtime):
    with pytest.raises(CheckpointError, match="384-wide text encoder"):
        LatentsRuntime(runtime.model, load_text_encoder(tiny_t5))


def test_missing_encoder_folder_is_clear(tmp_path):
    with pytest.raises(CheckpointError, match="no config.json"):
        load_text_encoder(tmp_path)
    with pytest.raises(CheckpointError, match="config.json and model.safetensors"):
        EmotionToLatents.from_pretrained(tmp_path)


def test_a_t5_folder_with_another_models_weights_is_refused(tiny_t5, tmp_path):
    """models/text_encoder/t5 holding another model's safetensors loaded: transformers gave every
    tensor the file lacked random values, and prompts were read by a random encoder."""
    from transformers import BertConfig, BertModel

    folder = tmp_path / "t5"
    shutil.copytree(tiny_t5, folder)
    other = tmp_path / "bert"
    BertModel(BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=16, vocab_size=40)).save_pretrained(other)
    shutil.copy(other / "model.safetensors", folder / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"cannot load the text encoder in .*t5: its "
                       r"weights are not a T5EncoderModel's: \d+ of the \d+ tensors"):
        load_text_encoder(folder)
