"""The corpus over HTTP: list and read articles, ingest files / JSON articles / URLs, delete."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from assistant.web.deps import AdminDep, AssistantDep
from assistant.web.schemas import ArticleList, ArticleOut, ErrorOut, IngestOut, IngestRequest

router = APIRouter(tags=["articles"])
EXTRA_SCHEMAS = [IngestRequest]  # read by hand (JSON or multipart): added to the OpenAPI components

ARTICLE_ID = r"^[A-Za-z0-9_.-]{1,128}$"
MAX_FILES = 200
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
META = ("article_id", "title", "source", "author", "published", "url", "n_chunks")

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
    return article


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
    A bad item is reported in ``skipped``; the others are still ingested."""
    ctype = request.headers.get("content-type", "")
    with tempfile.TemporaryDirectory(prefix="citewise-upload-") as tmp:
        folder = FsPath(tmp)
        if ctype.startswith("multipart/form-data"):
            inputs = await _save_uploads(request, folder)
        elif ctype.startswith("application/json"):
            inputs = _write_json(await _json_body(request), folder)
        else:
            raise HTTPException(415, "send files as multipart/form-data, or articles and URLs as application/json")
        report = (await run_in_threadpool(assistant.ingest, inputs)).to_dict()
    for s in report["skipped"]:  # the temporary folder means nothing to the caller
        s["origin"] = s["origin"].replace(tmp + "/", "")
    return report


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
    if not body.articles and not body.urls:
        raise HTTPException(422, "nothing to ingest: give \"articles\" and/or \"urls\"")
    inputs = list(body.urls)
    if body.articles:
        path = folder / "articles.jsonl"
        path.write_text("".join(json.dumps(a.model_dump(exclude_none=True), ensure_ascii=False) + "\n"
                                for a in body.articles), encoding="utf-8")
        inputs.append(str(path))
    return inputs


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
