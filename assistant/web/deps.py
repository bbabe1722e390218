"""Dependencies of the routes, as ``Annotated`` aliases in one place (tests override them
through ``app.dependency_overrides``)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.web.services import Services

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

_bearer = HTTPBearer(auto_error=False, description="an API key from CITEWISE_API_KEYS (only when keys are set)")


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_assistant(services: ServicesDep) -> Assistant:
    return services.assistant()


AssistantDep = Annotated["Assistant", Depends(get_assistant)]


def _matches(key: str, keys: frozenset[str]) -> bool:
    # compare with every key, in constant time, so timing does not tell how much of a key was right
    return any([secrets.compare_digest(key.encode(), k.encode()) for k in keys])


def require_key(services: ServicesDep,
                creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:
    """The caller's key (None if it sent none). When API keys are set, 401 without a valid one."""
    key = creds.credentials if creds else ""
    if not services.api_keys:
        return key or None
    if not key or not _matches(key, services.api_keys | services.admin_keys):
        raise HTTPException(401, "a valid API key is needed: send Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
    return key


KeyDep = Annotated[str | None, Depends(require_key)]


def require_admin(services: ServicesDep, key: KeyDep) -> None:
    """Ingest and delete: when admin keys are set, only they may change the corpus (403 otherwise)."""
    if not services.admin_keys:
        return
    if key is None:
        raise HTTPException(401, "this route needs an admin key: send Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
    if not _matches(key, services.admin_keys):
        raise HTTPException(403, "this route needs an admin key (CITEWISE_ADMIN_KEYS)")


AdminDep = Annotated[None, Depends(require_admin)]
