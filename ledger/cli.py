"""The `ledger` command line: parse, make one application call, render.

Errors become exit codes here and only here: 0 ok, 1 unexpected or store unavailable,
2 usage, 3 not found, 4 rule violated (nothing written), 5 verification failed.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ledger.context import DEFAULT_ORIGIN, Settings, initialise, open_ledger, store_errors
from ledger.documents import MAX_DOCUMENT_BYTES, parse_issuance
from ledger.errors import LedgerError
from ledger.parsing import parse_duration, parse_scopes, read_file
from ledger.render import reporter, say

F = TypeVar("F", bound=Callable[..., Any])


def common(command: F) -> F:
    """--db, --key-dir and --json on every command."""
    command = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(
        command
    )
    command = click.option(
        "--key-dir", envvar="LEDGER_KEY_DIR", metavar="DIR",
        help="Operator key directory [env LEDGER_KEY_DIR; default: beside the store].",
    )(command)
    return click.option(
        "--db", envvar="LEDGER_DB", metavar="PATH|URL",
        help="SQLite file or postgresql:// URL [env LEDGER_DB; default ./ledger.db].",
    )(command)


def uses_ledger(command: Callable[..., Any]) -> Callable[..., Any]:
    """Open the ledger named by --db/--key-dir, call the command with it, render the result."""

    @common
    @functools.wraps(command)
    def wrapper(db: str | None, key_dir: str | None, as_json: bool, **kwargs: Any) -> None:
        with open_ledger(Settings(db, key_dir)) as ledger:
            result = command(ledger, **kwargs)
        reporter(as_json).show(result)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="carbon-ledger")
def cli() -> None:
    """An event-sourced, signed carbon credit ledger (LEAF / ART TREES and DAC credits)."""


@cli.command()
@common
@click.option("--origin", default=DEFAULT_ORIGIN, show_default=True, help="The log's name.")
@click.option("--operator", default="operator", show_default=True, help="Operator handle.")
@click.option("--operator-name", default="Ledger operator", show_default=True)
@click.option("--key-name", default="carbon-ledger", show_default=True, help="Signing key name.")
def init(db: str | None, key_dir: str | None, as_json: bool, origin: str, operator: str,
         operator_name: str, key_name: str) -> None:
    """Create the store and the operator key when missing."""
    settings = Settings(db, key_dir)
    ledger, created_key = initialise(settings, origin=origin, operator=operator,
                                     operator_name=operator_name, key_name=key_name)
    with store_errors(settings.store):
        op = ledger.operator()
        ledger.close()
    result = {"store": settings.store.redacted, "key_dir": str(settings.keys.path),
              "key_created": created_key, "origin": op.origin, "operator": op.handle,
              "verifier_key": op.verifier_keys[-1]}
    if as_json:
        reporter(True).show(result)
    else:
        print(f"ledger at {result['store']}, operator {op.handle}, origin {op.origin}\n"
              f"verifier key: {result['verifier_key']}\nkeys in {result['key_dir']}"
              + (" (new)" if created_key else ""))


@cli.command()
@click.argument("file", metavar="FILE")
@uses_ledger
def mint(ledger: Any, file: str) -> Any:
    """Mint a batch from an issuance document (JSON) into the operator's inventory."""
    return ledger.mint(parse_issuance(read_file(file, MAX_DOCUMENT_BYTES), file))


@cli.group()
def account() -> None:
    """Open accounts and keep buyers' eligibility evidence."""


@account.command("open")
@click.argument("handle")
@click.option("--name", required=True, help="The holder's legal name.")
@click.option("--role", type=click.Choice(["buyer", "buffer"]), required=True)
@click.option("--climate-pledge", is_flag=True, help="Signatory of The Climate Pledge.")
@click.option("--scope-targets", metavar="1,2,3", help="Scopes covered by reduction targets.")
@uses_ledger
def account_open(ledger: Any, handle: str, name: str, role: str, climate_pledge: bool,
                 scope_targets: str | None) -> Any:
    """Open an account."""
    return ledger.open_account(handle, name, role, climate_pledge, parse_scopes(scope_targets))


@account.command("update")
@click.argument("handle")
@click.option("--climate-pledge/--no-climate-pledge", required=True)
@click.option("--scope-targets", metavar="1,2,3", default="")
@uses_ledger
def account_update(ledger: Any, handle: str, climate_pledge: bool, scope_targets: str) -> Any:
    """Record new eligibility evidence for a buyer."""
    return ledger.update_eligibility(handle, climate_pledge, parse_scopes(scope_targets))


@cli.command()
@click.option("--buyer", required=True)
@click.option("--quantity", type=int, required=True)
@click.option("--batch", help="Batch reference REGISTRY:ISSUANCE_ID.")
@click.option("--source", type=click.Choice(["LEAF", "DAC"]))
@click.option("--expires-in", default="7d", show_default=True, help="e.g. 30m, 12h, 7d.")
@click.option("--idempotency-key", help="The same key returns the first result.")
@uses_ledger
def reserve(ledger: Any, buyer: str, quantity: int, batch: str | None, source: str | None,
            expires_in: str, idempotency_key: str | None) -> Any:
    """Hold the lowest available serials for a buyer."""
    return ledger.reserve(buyer, quantity, batch=batch, source=source,
                          expires_in=parse_duration(expires_in), idempotency_key=idempotency_key)


@cli.command()
@click.argument("reservation")
@uses_ledger
def settle(ledger: Any, reservation: str) -> Any:
    """Move a reservation's credits to its buyer (by id or idempotency key)."""
    return ledger.settle(reservation)


@cli.command()
@click.argument("reservation")
@uses_ledger
def release(ledger: Any, reservation: str) -> Any:
    """Return a reservation's credits to the inventory."""
    return ledger.release(reservation)


@cli.command()
@uses_ledger
def expire(ledger: Any) -> Any:
    """Expire every open reservation past its expiry."""
    return ledger.expire_due()


@cli.command()
@click.option("--from", "sender", required=True)
@click.option("--to", "recipient", required=True)
@click.option("--batch", required=True)
@click.option("--quantity", type=int, required=True)
@click.option("--idempotency-key")
@uses_ledger
def transfer(ledger: Any, sender: str, recipient: str, batch: str, quantity: int,
             idempotency_key: str | None) -> Any:
    """Move held credits from one holder to another."""
    return ledger.transfer_credits(sender, recipient, batch, quantity, idempotency_key)


@cli.command()
@click.option("--holder", required=True)
@click.option("--batch", required=True)
@click.option("--quantity", type=int, required=True)
@click.option("--beneficiary", required=True)
@click.option("--reason", required=True)
@click.option("--claim-period", required=True, metavar="YYYY")
@click.option("--on-behalf-of", help="The eligible buyer the operator retires for.")
@click.option("--idempotency-key")
@uses_ledger
def retire(ledger: Any, holder: str, batch: str, quantity: int, beneficiary: str, reason: str,
           claim_period: str, on_behalf_of: str | None, idempotency_key: str | None) -> Any:
    """Retire held credits for a beneficiary. Final."""
    return ledger.retire(holder, batch, quantity, beneficiary, reason, claim_period,
                         on_behalf_of, idempotency_key)


@cli.command()
@click.argument("kind", type=click.Choice(["batch", "reservation", "retirement", "account"]))
@click.argument("ref")
@uses_ledger
def show(ledger: Any, kind: str, ref: str) -> Any:
    """Show one batch, reservation, retirement or account."""
    return getattr(ledger, f"show_{kind}")(ref)


@cli.command()
@click.option("--keep", metavar="DIR", help="Keep the demo ledger in DIR instead of a temp dir.")
def demo(keep: str | None) -> None:
    """Tell a realistic story end to end on a fresh embedded ledger."""
    from ledger.demo import run_demo

    run_demo(keep)


def register_extensions() -> None:
    """Commands that live in their own modules."""
    from ledger import (
        cli_audit,
        cli_import,
        cli_keys,
        cli_projections,
        cli_reconcile,
        cli_transparency,
        cli_verify,
    )

    cli_keys.register(cli)
    cli_import.register(cli)
    cli_transparency.register(cli)
    cli_audit.register(cli)
    cli_projections.register(cli)
    cli_verify.register(cli)
    cli_reconcile.register(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one boundary where errors become exit codes."""
    args = sys.argv[1:] if argv is None else argv
    register_extensions()
    try:
        code = cli.main(args=args, prog_name="ledger", standalone_mode=False)
    except LedgerError as e:
        if "--json" in args:
            print(json.dumps(e.to_dict()))
        else:
            say(f"error[{e.code}]: {e.message}")
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        say("aborted")
        sys.exit(1)
    except click.ClickException as e:
        if "--json" in args:
            print(json.dumps({"error": {"code": "usage", "message": e.format_message()}}))
        else:
            e.show()
        sys.exit(e.exit_code)
    # A command that reports findings itself (audit, reconcile) returns its exit code.
    sys.exit(code if isinstance(code, int) else 0)
