"""``/api/v1``: retirements (paged), one retirement, its proof, batches, supply, and the
consistency of two signed checkpoints. Identifiers are validated before any query."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ledger.projections.supply import GROUPS
from ledger.transparency.bundle import bundle_json
from ledger.usecases import checkpoints, public, reads
from ledger.web import log
from ledger.web.reader import Lasting, Reader

router = APIRouter(prefix="/api/v1", tags=["api"])

HANDLE = r"^[a-z0-9][a-z0-9._-]{0,62}$"
BATCH = r"^[A-Za-z][A-Za-z0-9_.-]{0,31}:[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"


def reader(request: Request) -> Reader:
    found: Reader = request.app.state.reader
    return found


async def proof_bytes(request: Request, retirement: str) -> bytes:
    """A retirement's proof in the latest checkpoint: read once, then kept while that
    checkpoint is the latest (a proof in a given checkpoint never changes)."""
    latest = await log.latest_size(request)
    kept: Lasting[bytes] = request.app.state.proofs
    found = kept.get((retirement, latest))
    if found is None:
        found = kept.put((retirement, latest), await reader(request).read(
            lambda uow: bundle_json(checkpoints.read_proof(uow, retirement=retirement))))
    return found


@router.get("/retirements", summary="Retirements, in log order, a page at a time")
async def list_retirements(
    request: Request,
    buyer: Annotated[str | None, Query(pattern=HANDLE, max_length=63)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    batch: Annotated[str | None, Query(pattern=BATCH, max_length=160)] = None,
    limit: Annotated[int, Query(ge=1, le=public.MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[1-9][0-9]{0,17}$")] = None,
) -> Any:
    page = await reader(request).read(lambda uow: public.retirement_page(
        uow, buyer=buyer, year=year, batch=batch, cursor=cursor, limit=limit))
    return page.to_json()


@router.get("/retirements/{retirement}", summary="One retirement, as `ledger show` prints it")
async def show_retirement(request: Request, retirement: UUID) -> Any:
    view = await reader(request).read(
        lambda uow: reads.show_retirement(uow, retirement=str(retirement)))
    return view.to_json()


@router.get("/retirements/{retirement}/proof",
            summary="Its proof file, byte for byte what `ledger proof` writes",
            responses={409: {"description": "no signed checkpoint covers it yet"}})
async def retirement_proof(request: Request, retirement: UUID) -> Response:
    return Response(await proof_bytes(request, str(retirement)), media_type="application/json")


@router.get("/batches/{batch:path}", summary="A batch's supply and issuance document")
async def show_batch(request: Request,
                     batch: Annotated[str, Path(pattern=BATCH, max_length=160)]) -> Any:
    return await reader(request).read(lambda uow: public.batch(uow, batch=batch))


@router.get("/supply", summary="Supply per batch, source or vintage")
async def supply(request: Request,
                 by: Annotated[str, Query(pattern=f"^({'|'.join(GROUPS)})$")] = "batch") -> Any:
    rows = await reader(request).read(lambda uow: reads.supply_by(uow, by=by, catch_up=False))
    return rows.to_json()


@router.get("/consistency", summary="RFC 9162 consistency proof between two checkpoints")
async def consistency(request: Request,
                      old: Annotated[int, Query(alias="from", ge=1, le=2**62)],
                      new: Annotated[int, Query(alias="to", ge=1, le=2**62)]) -> Any:
    proof = await reader(request).read(lambda uow: checkpoints.prove_consistency(
        uow, old_size=old, new_size=new))
    return proof.to_json()
