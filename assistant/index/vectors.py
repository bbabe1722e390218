"""The vector index: chunk vectors by chunk id, nearest first by cosine, filtered by outlet and date.

``VectorIndex`` is what the store and ``citewise check`` need of it; ``ChromaVectors`` is Chroma, through
``chromadb`` itself (the only module that imports it): embedded (a PersistentClient in the data dir) or
a server (``CITEWISE_CHROMA_URL``), chosen by ``open_vectors``. Vectors come computed: Chroma's own
embedding function is never set (it would download a model). Stores written through langchain-chroma
open as they are: the same collection, cosine space, ids, metadata keys and chunk texts as documents.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlparse

from assistant.config import Settings
from assistant.errors import ConfigError, StoreUnavailableError

T = TypeVar("T")
SPACE = {"hnsw:space": "cosine"}
PAGE = 5000  # ids read a request when all are listed
COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]")  # what Chroma accepts


class VectorIndex(Protocol):
    """Vectors of chunks, with the metadata filters read (article_id, start, end, source, published_ts)."""

    def add(self, ids: Sequence[str], vectors: Sequence[Sequence[float]], metadatas: Sequence[dict[str, Any]],
            documents: Sequence[str] | None = None) -> None: ...
    def delete(self, article_id: str) -> None: ...
    def delete_ids(self, ids: Collection[str]) -> None: ...
    def query(self, vector: Sequence[float], k: int, sources: Sequence[str] | None = None,
              after: float | None = None, before: float | None = None) -> list[tuple[str, float]]: ...
    def count(self) -> int: ...
    def ids(self) -> set[str]: ...
    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]: ...
    def batch_size(self) -> int: ...


def _unwritable(exc: BaseException) -> bool:
    """A write refused by the file system (full, read-only, over a size limit), however the library words it."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return any(w in text for w in ("disk i/o error", "disk is full", "no space left", "readonly", "read-only"))


def _refused_request(exc: BaseException) -> bool:
    """Chroma refusing what was asked, whatever the disk: "Batch size of 11058 is greater than max batch size
    of 5461" (an InternalError from the embedded store), an invalid argument, a duplicate id."""
    if type(exc).__name__ in {"BatchSizeExceededError", "InvalidArgumentError", "DuplicateIDError",
                              "InvalidDimensionException"}:
        return True
    return "batch size" in str(exc).lower()


def where(sources: Sequence[str] | None, after: float | None, before: float | None) -> dict[str, Any] | None:
    """Chroma's filter for outlets and a publication window."""
    clauses: list[dict[str, Any]] = []
    if sources:
        clauses.append({"source": {"$in": list(sources)}})
    if after is not None:
        clauses.append({"published_ts": {"$gte": after}})
    if before is not None:
        clauses.append({"published_ts": {"$lt": before}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaVectors:
    """``VectorIndex`` in a Chroma collection. ``max_batch`` lowers the most ids one write carries below
    what the client takes (None: the client's limit)."""

    def __init__(self, client: Any, collection: str, max_batch: int | None = None) -> None:
        self.client = client
        self._max_batch = max_batch
        self._client_batch: int | None = None
        try:
            self.collection = client.get_or_create_collection(name=collection, embedding_function=None,
                                                              metadata=SPACE)
        except Exception as exc:
            raise StoreUnavailableError(f"cannot open collection {collection!r}: {exc}") from exc

    def batch_size(self) -> int:
        """The most vectors one write may carry: Chroma refuses more (5461 for the embedded one)."""
        if self._client_batch is None:  # asked once: on a Chroma server it is a request
            self._client_batch = int(self._guard(self.client.get_max_batch_size))
        return max(1, min(self._client_batch, self._max_batch or self._client_batch))

    def add(self, ids: Sequence[str], vectors: Sequence[Sequence[float]], metadatas: Sequence[dict[str, Any]],
            documents: Sequence[str] | None = None) -> None:
        """Add or replace these vectors, in writes of at most ``batch_size()``."""
        if not len(ids) == len(vectors) == len(metadatas) or (documents is not None and len(documents) != len(ids)):
            raise ValueError(f"{len(ids)} ids, {len(vectors)} vectors, {len(metadatas)} metadatas"
                             + (f", {len(documents)} documents" if documents is not None else ""))
        batch = self.batch_size()
        for i in range(0, len(ids), batch):
            j = i + batch
            self._guard(lambda i=i, j=j: self.collection.upsert(
                ids=list(ids[i:j]), embeddings=list(vectors[i:j]), metadatas=list(metadatas[i:j]),
                documents=None if documents is None else list(documents[i:j])), writing=True)

    def delete(self, article_id: str) -> None:
        self._guard(lambda: self.collection.delete(where={"article_id": article_id}), writing=True)

    def delete_ids(self, ids: Collection[str]) -> None:
        ids = list(ids)
        batch = min(PAGE, self.batch_size())
        for i in range(0, len(ids), batch):
            self._guard(lambda b=ids[i:i + batch]: self.collection.delete(ids=b), writing=True)

    def query(self, vector: Sequence[float], k: int, sources: Sequence[str] | None = None,
              after: float | None = None, before: float | None = None) -> list[tuple[str, float]]:
        """The ``k`` nearest (chunk id, cosine distance) within the filters, nearest first."""
        # ids and distances only: offsets, outlet and date are the article repository's; Chroma's metadata
        # and texts cost ~1.2 ms of 2.5 for k=40
        got = self._guard(lambda: self.collection.query(query_embeddings=[vector], n_results=k,
                                                        where=where(sources, after, before), include=["distances"]))
        return list(zip(got["ids"][0], (got["distances"] or [[]])[0], strict=True))

    def count(self) -> int:
        return self._guard(self.collection.count)

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            page = self._guard(lambda o=offset: self.collection.get(include=[], limit=PAGE, offset=o))
            out.update(page["ids"])
            if len(page["ids"]) < PAGE:
                return out
            offset += PAGE

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of these chunk ids (``citewise copy``); ids without one are left out."""
        out: dict[str, list[float]] = {}
        batch = min(PAGE, self.batch_size())
        for i in range(0, len(ids), batch):
            got = self._guard(lambda b=list(ids[i:i + batch]): self.collection.get(ids=b, include=["embeddings"]))
            out.update(zip(got["ids"], (list(map(float, v)) for v in got["embeddings"]), strict=True))
        return out

    def _guard(self, fn: Callable[[], T], *, writing: bool = False) -> T:
        """Chroma's errors as citewise's: an unreachable server or a refused write is StoreUnavailableError."""
        try:
            return fn()
        except Exception as exc:
            if "connect" in str(exc).lower() or type(exc).__name__ in {"ConnectError", "ConnectionError"}:
                raise StoreUnavailableError(f"the vector store is unreachable: {exc}") from exc
            if _refused_request(exc) and not _unwritable(exc):
                raise  # a request Chroma will never take (too large a batch, a bad argument): not the disk
            # Chroma words a refused write many ways ("disk I/O error", "Error in compaction", ...)
            if writing or _unwritable(exc):
                raise StoreUnavailableError(f"cannot write the vector store ({exc}): disk full or read-only? "
                                            "Run `citewise check` once it is writable again") from exc
            raise


def _server(url: str) -> tuple[str, int, bool]:
    """(host, port, TLS) of a Chroma server's URL; ConfigError for what is not one."""
    u = urlparse(url)
    try:
        port = u.port or 8000
    except ValueError as exc:  # a port that is not a number or out of range
        raise ConfigError(f"CITEWISE_CHROMA_URL={url!r} has no usable port: {exc}") from exc
    if u.scheme not in ("http", "https") or not u.hostname:
        raise ConfigError(f"CITEWISE_CHROMA_URL={url!r} is not a Chroma server's address: give one like "
                          "http://127.0.0.1:8000, or unset it for the embedded store")
    return u.hostname, port, u.scheme == "https"


def open_vectors(settings: Settings, *, max_batch: int | None = None) -> ChromaVectors:
    """The vector index the settings name: a Chroma server at ``chroma_url``, else Chroma embedded in
    ``home/chroma``. ConfigError for a URL or collection name Chroma cannot use."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if not COLLECTION_NAME.fullmatch(settings.collection):
        raise ConfigError(f"CITEWISE_COLLECTION={settings.collection!r} is not a Chroma collection name: "
                          "3 to 512 letters, digits, dots, dashes or underscores, starting and ending with a "
                          "letter or digit")
    url = settings.chroma_url
    server = _server(url) if url else None
    place = url or str(Path(settings.home) / "chroma")
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if server:
            host, port, ssl = server
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
        else:
            client = chromadb.PersistentClient(path=place, settings=chroma_settings)
    except Exception as exc:  # chromadb raises several types for an unreachable server
        raise StoreUnavailableError(f"cannot open the vector store at {place}: {exc}") from exc
    return ChromaVectors(client, settings.collection, max_batch)
