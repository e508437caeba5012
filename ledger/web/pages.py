"""Pages for people, rendered on the server and readable without JavaScript: the list of
retirements, one retirement's public page, and error pages. Every value is escaped by the
template engine; the pages run no script (the verifier page is the one exception, by hash)."""

from __future__ import annotations

import base64
from importlib import resources
from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ledger.usecases import public
from ledger.usecases.unit import UnitOfWork
from ledger.web.reader import Reader
from ledger.web.verify_page import verify_page

router = APIRouter(include_in_schema=False)
templates = Environment(
    loader=FileSystemLoader(str(resources.files("ledger.web") / "templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def render(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**values), status_code=status)


@router.get("/")
async def index(request: Request) -> Response:
    reader: Reader = request.app.state.reader
    page = await reader.read(lambda uow: public.retirement_page(uow, limit=50))
    return render("index.html", retirements=page.retirements)


@router.get("/retirements/{retirement}")
async def retirement(request: Request, retirement: UUID) -> Response:
    reader: Reader = request.app.state.reader

    def read(uow: UnitOfWork) -> tuple[public.PublicRetirement, str]:
        return (public.retirement(uow, retirement=str(retirement)),
                uow.keyring.current().verifier_key)

    shown, key = await reader.read(read)
    verify = None
    if shown.proof is not None:
        encoded = base64.urlsafe_b64encode(shown.proof).decode().rstrip("=")
        verify = f"/verify#proof={encoded}&key={quote(key, safe='')}"
    return render("retirement.html", r=shown, v=shown.retirement, verify=verify)


@router.get("/verify")
async def verify(request: Request) -> Response:
    """The buyer's verifier, with the key this service trusts filled in (the page warns that
    the key must come from an independent source); its policy allows only its own script."""
    reader: Reader = request.app.state.reader
    key = await reader.read(lambda uow: uow.keyring.current().verifier_key)
    page = verify_page(key)
    return HTMLResponse(page.html, headers={"Content-Security-Policy": page.csp})


def error_page(request: Request, status: int, code: str, message: str) -> Response:
    return render("error.html", status=status, code=code, message=message)
