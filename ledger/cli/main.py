"""The `ledger` command: the group, and the one boundary where errors become exit codes.

Exit codes: 0 ok, 1 unexpected or store unavailable, 2 usage, 3 not found, 4 rule violated,
5 verification failed (or findings: an audit's problems, a reconciliation's differences).

Each command lives in the module of ``ledger.cli`` named after it; :data:`COMMANDS` lists them
with their one-line help, so ``ledger --help`` imports none of them and a command imports only
its own module.
"""

from __future__ import annotations

import importlib
import io
import keyword
import sys

import click

from ledger.errors import LedgerError

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "Create the store and the operator key when missing."),
    "keys": ("keys", "The operator's Ed25519 signing keys (private key 0600; never printed)."),
    "mint": ("mint",
        "Mint a batch from an issuance document (JSON) into the operator's inventory."),
    "account": ("account", "Open accounts and keep buyers' eligibility evidence."),
    "reserve": ("reserve", "Hold the lowest available serials for a buyer."),
    "settle": ("settle", "Move a reservation's credits to its buyer (by id or idempotency key)."),
    "release": ("release", "Return a reservation's credits to the inventory."),
    "expire": ("expire", "Expire every open reservation past its expiry."),
    "transfer": ("transfer", "Move held credits from one holder to another."),
    "retire": ("retire", "Retire held credits for a beneficiary."),
    "retirement": ("retirement",
        "Confirm a pending retirement with the registry's reference, or revert one the "
        "registry never made."),
    "cancel": ("cancel",
        "Cancel credits without a claim (compliance such as CORSIA, correction, "
        "registry transfer, buffer)."),
    "withdraw": ("withdraw",
        "Withdraw unsold credits the registry took back (a correction cancellation)."),
    "reversal": ("reversal",
        "Record a reversal a registry reported: tonnes a batch's credits stood for, lost."),
    "replace": ("replace",
        "Retire replacement credits for the beneficiary of a retirement whose batch had a "
        "reversal, linked to it; the original retirement stays as it was."),
    "batch": ("batch",
        "Correct a batch's issuance data after the fact (an event keeping both values)."),
    "label": ("label",
        "Apply or revoke a batch's labels (CORSIA phase, Article 6, corresponding "
        "adjustment, CCP), each change an event with its evidence."),
    "show": ("show", "Show one batch, reservation, retirement, cancellation or account."),
    "balance": ("balance",
        "A holder's credits per batch (available, reserved, retired, cancelled); every "
        "holder without one."),
    "supply": ("supply",
        "Credits minted, available, reserved, held, retired and cancelled, per batch, "
        "source or vintage."),
    "retirements": ("retirements",
        "Every retirement, and each buyer's totals by year and by source."),
    "certificate": ("certificate",
        "Write a retirement's certificate: one printable page with its facts, status, "
        "registry reference and its proof inside (checkable offline with `ledger verify`)."),
    "report": ("report", "Reports for buyers and their auditors: `ledger report claims`."),
    "project": ("project",
        "Catch a projection (default: every one) up with the log, rebuild it, or follow "
        "it."),
    "status": ("status", "Each projection's position, the log's head, and how far behind it is."),
    "checkpoint": ("checkpoint",
        "Sign the current tree head as a C2SP tlog-checkpoint (after proving it "
        "consistent with the last one signed) and print the signed note."),
    "checkpoints": ("checkpoint", "List the signed checkpoints, oldest first."),
    "proof": ("proof",
        "Write the proof of a retirement (by id or idempotency key) that a buyer verifies "
        "offline with `ledger verify FILE --key VKEY`."),
    "consistency": ("consistency",
        "Print the RFC 9162 consistency proof between two signed checkpoints (base64 "
        "hashes, one a line), for `ledger verify-consistency OLD NEW PROOF`."),
    "verify": ("verify", "Check a retirement proof file offline, with no database."),
    "verify-page": ("verify_page", "Write the web page that checks a proof in a buyer's browser."),
    "verify-consistency": ("verify",
        "Check offline that the log of NEW_CHECKPOINT only grew from OLD_CHECKPOINT."),
    "audit": ("audit",
        "Replay the whole log and check everything; exit 0 when clean, 5 when anything is "
        "wrong (every problem listed)."),
    "reconcile": ("reconcile",
        "Compare registry exports (ART issuance and retirement reports, Verra "
        "transactions, Isometric credit batches, or the canonical layout) with the "
        "ledger, serial by serial."),
    "import": ("import_",
        "Apply a stream of operations (one JSON object a line: mint, open_account, "
        "reserve, settle, release, transfer, retire, cancel, withdraw, apply_label, "
        "revoke_label), many per transaction."),
    "serve": ("serve",
        "Serve the public, read-only view of the ledger: retirements and their proofs, the "
        "in-browser verifier, and the log as C2SP tlog-tiles."),
    "backup": ("backup",
        "Write a consistent copy of the store to DEST while writers run (SQLite: the online "
        "backup API; PostgreSQL: pg_dump of the ledger's schema)."),
    "restore": ("backup",
        "Put BACKUP into an empty store, then compare the restored log with the checkpoint "
        "the operator's key signed last and each --since FILE: exit 5 (log_rolled_back) "
        "naming what the restore lost, the restored store left in place to be inspected."),
    "publish": ("publish",
        "Write the public log as static files under DIR, for any web server or CDN."),
    "monitor": ("monitor",
        "Follow a log served as C2SP tlog-tiles (`ledger serve`, `ledger publish`): verify its "
        "checkpoint, prove it consistent with the one kept in DIR from tiles alone, check the "
        "new entries against the tiles, and keep it; exit 5 on any fork or rollback."),
    "demo": ("demo", "Tell a realistic story end to end on a fresh embedded ledger."),
}
"""Command name -> (module under ``ledger.cli``, one-line help as ``--help`` lists it)."""


class LazyGroup(click.Group):
    """Loads a command's module only when that command runs (or is asked for its help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"ledger.cli.{COMMANDS[cmd_name][0]}")
        attribute = cmd_name.replace("-", "_")
        command: click.Command = getattr(
            module, f"{attribute}_" if keyword.iskeyword(attribute) else attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="carbon-ledger")
def cli() -> None:
    """An event-sourced, signed carbon credit ledger (LEAF / ART TREES and DAC credits)."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one boundary where errors become exit codes."""
    args = sys.argv[1:] if argv is None else argv
    try:
        code = cli.main(args=args, prog_name="ledger", standalone_mode=False)
    except LedgerError as e:
        from ledger.cli.render import json_text, say  # the error path only: --help stays lean

        if "--json" in args:
            print(json_text(e.to_dict()))
        else:
            say(f"error[{e.code}]: {e.message}")
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(1)
    except click.ClickException as e:
        from ledger.cli.render import json_text
        from ledger.parsing import escaped

        if "--json" in args:
            print(json_text({"error": {"code": "usage", "message": e.format_message()}}))
        else:
            shown = io.StringIO()
            e.show(file=shown)
            sys.stderr.write(escaped(shown.getvalue(), keep="\n"))
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
