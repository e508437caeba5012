"""The log as C2SP tlog-tiles: ``/checkpoint``, ``/tile/<L>/<N>[.p/<W>]`` and
``/tile/entries/<N>[.p/<W>]``. Full tiles never change: they are cached forever."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledger.usecases import tiles
from ledger.web.reader import Reader

router = APIRouter(tags=["log"])

IMMUTABLE = "public, max-age=31536000, immutable"
CURRENT = "no-cache"


@router.get("/checkpoint", summary="The latest signed checkpoint (C2SP tlog-checkpoint)")
def checkpoint(request: Request) -> Response:
    reader: Reader = request.app.state.reader
    note = reader.read(tiles.latest_checkpoint).note
    return Response(note, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": CURRENT})


@router.get("/tile/{path:path}", summary="A hash tile or an entry bundle (C2SP tlog-tiles)")
def tile(request: Request, path: str) -> Response:
    reader: Reader = request.app.state.reader
    found = reader.read(lambda uow: tiles.read_tile(uow, path=f"tile/{path}"))
    return Response(found.data, media_type="application/octet-stream",
                    headers={"Cache-Control": IMMUTABLE if found.tile.full else CURRENT})
