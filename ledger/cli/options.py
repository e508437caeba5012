"""Options every command shares, and the decorators that turn a command's return value into
output: ``renders`` (``--json``, and ``-o FILE`` where asked), ``with_settings`` (``--db`` and
``--key-dir``) and ``with_unit`` (an open unit of work)."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import click

from ledger.cli.render import Keyed, emit
from ledger.errors import StoreUnavailable
from ledger.parsing import parse_day, parse_seconds, parse_time, parse_whole
from ledger.settings import Settings
from ledger.store.location import store_errors
from ledger.usecases.unit import open_unit

F = TypeVar("F", bound=Callable[..., Any])

MAX_INT64 = 2**63 - 1


def _name(param: click.Parameter | None) -> str:
    if param is None:
        return "value"
    return param.opts[0] if isinstance(param, click.Option) else param.human_readable_name


class Whole(click.ParamType[int]):
    """A whole number in ASCII digits from ``low`` to ``high`` (click's int also takes
    Arabic-Indic digits, ``1_000`` and ``+5``): ``invalid_argument`` otherwise."""

    name = "integer"

    def __init__(self, low: int = 0, high: int = MAX_INT64) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return parse_whole(_name(param), str(value), self.low, self.high)


class Day(click.ParamType[date]):
    """A calendar day YYYY-MM-DD (:func:`ledger.parsing.parse_day`)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> date:
        if isinstance(value, date):
            return value
        return parse_day(_name(param), str(value))


class Time(click.ParamType[datetime]):
    """An ISO 8601 time with its UTC offset (:func:`ledger.parsing.parse_time`)."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> datetime:
        if isinstance(value, datetime):
            return value
        return parse_time(_name(param), str(value))


class Seconds(click.ParamType[float]):
    """A finite number of seconds from ``low`` to ``high`` (no nan, inf or negative)."""

    name = "seconds"

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> float:
        if isinstance(value, float):
            return value
        return parse_seconds(_name(param), str(value), self.low, self.high)


def renders(*, output: bool = False) -> Callable[[F], F]:
    """``--json`` (and with ``output``, ``-o FILE``): the command returns a result, which is
    rendered as text or JSON to stdout or the file; the command's exit code follows."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> int:
            to = kwargs.pop("output", None) if output else None
            return emit(command(*args, **kwargs), as_json=as_json, output=to)

        wrapped = click.option("--json", "as_json", is_flag=True,
                               help="Print JSON instead of text.")(wrapper)
        if output:
            wrapped = click.option("-o", "--output", metavar="FILE",
                                   help="Write it to FILE instead of stdout.")(wrapped)
        return wrapped  # type: ignore[return-value]

    return decorate


def new_idempotency_key() -> str:
    """A fresh key (80 random bits; never shaped like a UUID, which names a record)."""
    return f"key-{secrets.token_hex(10)}"


def amount(command: F) -> F:
    """``--quantity N`` (whole, in the batch's unit) or ``--tonnes T`` (a decimal that must
    be whole in that unit: 1.25 is 1250 kg, and refused for a batch in tonnes): the command
    gets ``quantity``, an int or a :class:`~ledger.quantities.Tonnes`."""
    from ledger.errors import InvalidArgument
    from ledger.quantities import Tonnes

    @functools.wraps(command)
    def wrapper(*args: Any, quantity: int | None, tonnes: str | None, **kwargs: Any) -> Any:
        if (quantity is None) == (tonnes is None):
            found = "both" if tonnes is not None else "neither"
            raise InvalidArgument(f"--quantity or --tonnes: expected one, found {found}")
        return command(*args, quantity=Tonnes(tonnes) if tonnes is not None else quantity,
                       **kwargs)

    wrapped = click.option("--tonnes", metavar="T",
                           help="Or the quantity in tonnes of CO2e, e.g. 1.25 (exact in the "
                                "batch's unit).")(wrapper)
    return click.option("--quantity", type=Whole(),
                        help="Credits, a whole number in the batch's unit (t or kg).")(wrapped)  # type: ignore[return-value]


def requires(command: F) -> F:
    """``--require LABEL`` (repeatable): the batch must carry each label (``label_missing``
    otherwise)."""
    from ledger.aggregates.labels import VOCABULARY

    return click.option(
        "--require", "require", multiple=True, type=click.Choice(list(VOCABULARY)),
        metavar="LABEL", help="A label the batch must carry; repeatable (see `ledger label "
                              "apply --help`).",
    )(command)


def idempotent(command: F) -> F:
    """``--idempotency-key``, below :func:`with_unit`: the command's write is recorded under
    it, a new key when none is given; the result carries the key and what the saves took, and
    a store cut off mid-write says how to ask again and be recorded exactly once."""

    @functools.wraps(command)
    def wrapper(uow: Any, *args: Any, idempotency_key: str | None, **kwargs: Any) -> Keyed:
        key = new_idempotency_key() if idempotency_key is None else idempotency_key
        try:
            with store_errors(uow.location):  # the store's own errors, as StoreUnavailable
                return Keyed(command(uow, *args, idempotency_key=key, **kwargs), key, uow.saves)
        except StoreUnavailable as error:
            error.message += ("; the write may have been recorded: run the same command "
                              f"again with --idempotency-key {key} to record it exactly once")
            raise

    return click.option(
        "--idempotency-key", metavar="KEY",
        help="Asking again with the same key returns the first result and writes nothing "
             "more [default: a new key, printed].",
    )(wrapper)  # type: ignore[return-value]


def with_settings(command: F) -> F:
    """``--db`` and ``--key-dir``: the command gets ``settings``."""

    @functools.wraps(command)
    def wrapper(*args: Any, db: str | None, key_dir: str | None, **kwargs: Any) -> Any:
        return command(*args, settings=Settings(db, key_dir), **kwargs)

    wrapped = click.option(
        "--key-dir", envvar="LEDGER_KEY_DIR", metavar="DIR",
        help="Operator key directory [env LEDGER_KEY_DIR; default: beside the store].",
    )(wrapper)
    wrapped = click.option(
        "--db", envvar="LEDGER_DB", metavar="PATH|URL",
        help="SQLite file or postgresql:// URL [env LEDGER_DB; default ./ledger.db].",
    )(wrapped)
    return wrapped  # type: ignore[return-value]


def with_unit(*, sign: bool = True) -> Callable[[F], F]:
    """``--db`` and ``--key-dir``: the command gets ``uow``, an open unit of work (with the
    signing key unless ``sign`` is False), closed once the command returns."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, settings: Settings, **kwargs: Any) -> Any:
            with open_unit(settings, sign=sign) as uow:
                return command(uow, *args, **kwargs)

        return with_settings(wrapper)  # type: ignore[return-value]

    return decorate


def catch_up_option(command: F) -> F:
    """``--no-catch-up``: read a projection as it is, without applying new events first."""
    return click.option(
        "--no-catch-up", is_flag=True,
        help="Read the projection as it is, without applying new events first.",
    )(command)


def chunk_size_option(*, default: int, maximum: int, what: str) -> Callable[[F], F]:
    """``--chunk-size N``: how many operations or events go in one transaction.
    (``--batch-size``, its old name, is still accepted: a batch is a batch of credits.)"""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, chunk_size: int, batch_size: int | None, **kwargs: Any) -> Any:
            return command(*args, chunk_size=batch_size or chunk_size, **kwargs)

        wrapped = click.option("--batch-size", type=Whole(1, maximum), hidden=True)(
            wrapper)
        return click.option(  # type: ignore[return-value]
            "--chunk-size", type=Whole(1, maximum), default=default,
            show_default=True, help=f"{what} per transaction (all or nothing each).",
        )(wrapped)

    return decorate
