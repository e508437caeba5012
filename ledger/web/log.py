"""The log as C2SP tlog-tiles: ``/checkpoint``, ``/tile/<L>/<N>[.p/<W>]`` and
``/tile/entries/<N>[.p/<W>]``. Full tiles never change: they are cached forever."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledger.usecases import tiles
from ledger.views import CheckpointView
from ledger.web.reader import Lasting, Reader

router = APIRouter(tags=["log"])

IMMUTABLE = "public, max-age=31536000, immutable"
CURRENT = "no-cache"


LATEST_FOR_S = 1.0
"""How long the latest checkpoint is taken as read: a proof up to a second older is still a
proof, in a checkpoint the operator signed."""


async def latest(request: Request) -> CheckpointView:
    """The latest signed checkpoint, read at most once a second."""
    state = request.app.state
    kept: tuple[float, CheckpointView] | None = getattr(state, "latest", None)
    if kept is None or time.monotonic() - kept[0] > LATEST_FOR_S:
        reader: Reader = state.reader
        kept = (time.monotonic(), await reader.read(tiles.latest_checkpoint))
        state.latest = kept
    return kept[1]


async def latest_size(request: Request) -> int:
    return (await latest(request)).tree_size


@router.get("/checkpoint", summary="The latest signed checkpoint (C2SP tlog-checkpoint)")
async def checkpoint(request: Request) -> Response:
    return Response((await latest(request)).note, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": CURRENT})


@router.get("/tile/{path:path}", summary="A hash tile or an entry bundle (C2SP tlog-tiles)")
async def tile(request: Request, path: str) -> Response:
    full: Lasting[bytes] = request.app.state.tiles
    data = full.get(path)
    if data is not None:
        return Response(data, media_type="application/octet-stream",
                        headers={"Cache-Control": IMMUTABLE})
    reader: Reader = request.app.state.reader
    found = await reader.read(lambda uow: tiles.read_tile(uow, path=f"tile/{path}"))
    if found.tile.full:
        full.put(path, found.data)
    return Response(found.data, media_type="application/octet-stream",
                    headers={"Cache-Control": IMMUTABLE if found.tile.full else CURRENT})
