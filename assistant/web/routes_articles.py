"""The corpus over HTTP: list and read articles, ingest files / JSON articles / URLs, delete.

The API reads no file of the server's on a caller's word: it fetches http(s) URLs (through the SSRF guard
of ingest.fetch) and reads what the caller sent, written to a temporary folder of its own. Any other item
is refused in the report, with one message whatever it names, so the refusal tells nothing about the
server's files. Reading server paths is the CLI's job (``citewise ingest PATH``), on the server itself.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from assistant.web.deps import AdminDep, AssistantDep
from assistant.web.schemas import ArticleList, ArticleOut, ErrorOut, IngestOut, IngestRequest
from ingest.urls import web_url

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

router = APIRouter(tags=["articles"])
EXTRA_SCHEMAS = [IngestRequest]  # read by hand (JSON or multipart): added to the OpenAPI components

ARTICLE_ID = r"^[A-Za-z0-9_.-]{1,128}$"
MAX_FILES = 200
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
META = ("article_id", "title", "source", "author", "published", "url", "n_chunks")
WEB_ONLY = "only http(s) URLs can be ingested through the API"
MAX_ECHO = 300  # characters of a refused item repeated in the report

INGEST_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    "application/json": {"schema": {"$ref": "#/components/schemas/IngestRequest"}},
}}}


@router.get("/articles", response_model=ArticleList, summary="The stored articles, newest first")
def list_articles(assistant: AssistantDep) -> dict[str, Any]:
    rows = [{k: r.get(k) for k in META} for r in assistant.store.list_articles()]
    return {"count": len(rows), "articles": rows}


@router.get("/articles/{article_id}", response_model=ArticleOut, responses={404: {"model": ErrorOut}},
            summary="An article's metadata and clean text (citation offsets index into it)")
def get_article(assistant: AssistantDep, article_id: Annotated[str, Path(pattern=ARTICLE_ID)]) -> dict[str, Any]:
    article = assistant.store.get_article(article_id).to_dict()
    article["n_chunks"] = assistant.store.get_meta(article_id).get("n_chunks")
    article["origin"] = public_origin(article.get("origin"))
    return article


def public_origin(origin: str | None) -> str | None:
    """Where an article came from, as the API shows it: a URL as it is, a file by its name only. Done here,
    not at ingest, so that articles stored before (and the CLI's full paths) are covered too: the server's
    folders (upload temp dirs, the installed package's samples) are nobody else's business."""
    if origin is None or web_url(origin):
        return origin
    return FsPath(origin.replace("\\", "/")).name or None


@router.delete("/articles/{article_id}", responses={404: {"model": ErrorOut}}, summary="Delete an article")
def delete_article(_: AdminDep, assistant: AssistantDep,
                   article_id: Annotated[str, Path(pattern=ARTICLE_ID)]) -> dict[str, str]:
    assistant.store.remove(article_id)
    return {"deleted": article_id}


@router.post("/ingest", response_model=IngestOut, openapi_extra=INGEST_BODY,
             responses={413: {"model": ErrorOut}, 415: {"model": ErrorOut}, 422: {"model": ErrorOut}},
             summary="Add articles: uploaded files (multipart), or JSON articles and URLs")
async def ingest(_: AdminDep, request: Request, assistant: AssistantDep) -> dict[str, Any]:
    """Files (.txt, .html, .json, .jsonl) as multipart ``files``; or a JSON body ``{"articles": [{"text": ...,
    "title": ..., "source": ..., "author": ..., "published": ..., "url": ...}], "urls": [...]}``.
    ``urls`` are http(s) addresses only: a server path or another scheme is refused like any bad item.
    A bad item is reported in ``skipped``; the others are still ingested."""
    ctype = request.headers.get("content-type", "")
    refused: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="citewise-upload-") as tmp:
        folder = FsPath(tmp)
        if ctype.startswith("multipart/form-data"):
            inputs = await _save_uploads(request, folder)
        elif ctype.startswith("application/json"):
            body = await _json_body(request)
            urls, refused = split_urls(body.urls)
            inputs = urls + _write_json(body, folder)
        else:
            raise HTTPException(415, "send files as multipart/form-data, or articles and URLs as application/json")
        report = await _run_ingest(assistant, inputs)
    report["skipped"] = refused + [_without_folder(s, tmp) for s in report["skipped"]]
    return report


def split_urls(items: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    """The caller's ``urls`` split into web addresses to fetch and refusals for the report. Paths, folders
    and other schemes are refused alike, without a look at the disk: whether one exists here stays unknown."""
    fetch: list[str] = []
    refused: list[dict[str, str]] = []
    for item in items:
        url = web_url(item)
        if url:
            fetch.append(url)
        else:
            echo = item if len(item) <= MAX_ECHO else item[:MAX_ECHO] + "…"
            refused.append({"origin": echo, "reason": WEB_ONLY})
    return fetch, refused


async def _run_ingest(assistant: Assistant, inputs: list[str]) -> dict[str, Any]:
    if not inputs:
        from ingest.pipeline import IngestReport

        # nothing left to read: an ingest call would still mark the store as the user's and stop the demo seed
        return IngestReport().to_dict()
    return (await run_in_threadpool(assistant.ingest, inputs)).to_dict()


def _without_folder(skip: dict[str, str], tmp: str) -> dict[str, str]:
    """A skipped item with no server path in it: the temporary folder means nothing to the caller, and a
    reason such as "same article as PATH" names one too."""
    return {"origin": public_origin(skip["origin"]) or "",
            "reason": skip["reason"].replace(tmp + "/", "")}


async def _json_body(request: Request) -> IngestRequest:
    raw = await request.body()
    try:
        return IngestRequest.model_validate_json(raw)
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        if "json_invalid" in kinds:
            raise HTTPException(400, "the body is not valid JSON") from None
        raise HTTPException(422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                           for e in exc.errors()[:5])) from None


def _write_json(body: IngestRequest, folder: FsPath) -> list[str]:
    """The JSON articles written to the route's own folder: the one path of the server's that is read."""
    if not body.articles and not body.urls:
        raise HTTPException(422, "nothing to ingest: give \"articles\" and/or \"urls\"")
    if not body.articles:
        return []
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps(a.model_dump(exclude_none=True), ensure_ascii=False) + "\n"
                            for a in body.articles), encoding="utf-8")
    return [str(path)]


def safe_name(name: str | None, taken: set[str]) -> str:
    """An upload's file name reduced to its last part and safe characters: never a path out of the folder."""
    base = _UNSAFE.sub("_", FsPath((name or "").replace("\\", "/")).name).strip(" .") or "upload.txt"
    stem, suffix = FsPath(base).stem[:100] or "upload", FsPath(base).suffix[:10]
    candidate, i = stem + suffix, 1
    while candidate in taken:
        i += 1
        candidate = f"{stem}-{i}{suffix}"
    taken.add(candidate)
    return candidate


async def _save_uploads(request: Request, folder: FsPath) -> list[str]:
    form = await request.form(max_files=MAX_FILES, max_fields=50)
    uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if not uploads:
        raise HTTPException(422, "no files in the upload: send them as multipart field \"files\"")
    taken: set[str] = set()
    for up in uploads:
        (folder / safe_name(up.filename, taken)).write_bytes(await up.read())
    return [str(folder)]
