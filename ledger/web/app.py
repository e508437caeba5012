"""The ASGI application: routes, error mapping and the headers every response carries.

FastAPI, because it derives the OpenAPI document (``/openapi.json``) from the same pydantic
types the ledger already validates with, and runs on Starlette under uvicorn.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from ledger.errors import (
    LedgerError,
    NotFound,
    RuleViolated,
    StoreUnavailable,
    UsageError,
)
from ledger.settings import Settings
from ledger.web import api, log, pages
from ledger.web.reader import Lasting, Reader

DEFAULT_TIMEOUT_S = 5.0
PROOFS_KEPT = 20_000
"""Proofs kept per process, about 2 KB each."""
TILES_KEPT = 4_000
"""Full tiles kept per process, 8 KiB each (entry bundles more)."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
PAGE_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")
"""Server-rendered pages run no script at all."""


def status_of(error: LedgerError) -> int:
    """The HTTP status of an error: 400 malformed, 404 unknown, 409 not yet possible, 503 store
    trouble, 500 anything else (a failed verification of stored data is the server's fault)."""
    if isinstance(error, UsageError):
        return 400
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, RuleViolated):
        return 409
    if isinstance(error, StoreUnavailable):
        return 503
    return 500


def create_app(settings: Settings, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> FastAPI:
    """The read-only service over the store and trust list ``settings`` name."""
    reader = Reader(settings, timeout_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        reader.close()

    app = FastAPI(
        title="carbon-ledger", lifespan=lifespan, docs_url=None, redoc_url=None,
        description="Public, read-only view of a signed carbon credit ledger: retirements and "
                    "their offline-verifiable proofs, batches, supply, and the log as C2SP "
                    "tlog-tiles. Holdings, balances, reservations and accounts are not public.",
    )
    app.state.reader = reader
    app.state.proofs = Lasting[bytes](PROOFS_KEPT)
    app.state.tiles = Lasting[bytes](TILES_KEPT)
    app.include_router(api.router)
    app.include_router(log.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(resources.files("ledger.web") / "static")),
              name="static")

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> Response:
        return respond_error(request, status_of(error), error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = f"{where}: {first['msg']} (found {str(first.get('input'))[:80]!r})"
        return respond_error(request, 400, "invalid_argument", message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        code = "not_found" if error.status_code == 404 else "invalid_request"
        return respond_error(request, error.status_code, code, str(error.detail))

    @app.middleware("http")
    async def headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        return response

    return app


def respond_error(request: Request, status: int, code: str, message: str) -> Response:
    """The error as JSON (``{"error": {"code", "message"}}``) for the API and the log, or as
    a page for people."""
    if request.url.path.startswith(("/api/", "/tile/", "/checkpoint")):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    return pages.error_page(request, status, code, message)


def app_from_environment() -> FastAPI:
    """The app ``ledger serve`` starts in each worker: the store and key directory from
    ``LEDGER_DB`` / ``LEDGER_KEY_DIR``, the read timeout from ``LEDGER_SERVE_TIMEOUT``."""
    timeout = float(os.environ.get("LEDGER_SERVE_TIMEOUT", DEFAULT_TIMEOUT_S))
    return create_app(Settings(), timeout_s=timeout)
