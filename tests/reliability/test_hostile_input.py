"""Hostile input: Hypothesis against every parser and verifier that reads what users hand in.

The only outcomes are a result or a ``LedgerError``: no other exception, no hang (each example
has a deadline), no write when refused (the CLI paths count events), and the checkpoint and
proof verifiers never accept a mutated input as saying anything else than the original did.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ledger.cli.main import main
from ledger.documents import DacIssuance, LeafIssuance, parse_issuance
from ledger.errors import LedgerError
from ledger.operations import Op, parse_line
from ledger.reconcile.readers import FORMATS, read_export
from ledger.settings import Settings
from ledger.signing.c2sp import Verifier
from ledger.signing.keys import TrustedKey, read_trust
from ledger.transparency.bundle import ProofBundle
from ledger.transparency.checkpoint import Checkpoint, open_checkpoint
from ledger.transparency.merkle import leaf_hash
from ledger.transparency.tlog_proof import parse_tlog_proof, verify_tlog_proof
from ledger.transparency.verify import VerifiedRetirement, verifiers, verify_bundle
from ledger.usecases import importing
from ledger.usecases.unit import UnitOfWork
from tests.reliability.invariants import event_count
from tests.reliability.strategies import (
    Budget,
    Counter,
    budgets,
    edited,
    json_values,
    mangled,
    outcome,
)
from tests.support.builders import EXAMPLES, example_data

LEAF = "ART:ART102-2021-11"
EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
ORIGIN = "carbon-ledger.example/log"


def cli(*args: str) -> tuple[int, str, str]:
    """``ledger ARGS`` in this process: exit code, stdout, stderr. A traceback propagates."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue(), err.getvalue()
    raise AssertionError("main() returned without exiting")


@dataclass
class World:
    """A small embedded ledger with a retirement, a signed checkpoint and its proofs."""

    where: Path
    options: list[str]
    ledger: UnitOfWork
    checkpoint: str
    tlog_proof: str
    bundle: bytes
    trusted: list[TrustedKey]

    @property
    def verifiers(self) -> list[Verifier]:
        return verifiers(self.trusted)

    def run(self, *args: str) -> tuple[int, str, str]:
        return cli(*args, *self.options)

    def events(self) -> int:
        return event_count(self.ledger)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    where = tmp_path_factory.mktemp("hostile")
    settings = Settings(str(where / "ledger.db"), str(where / "keys"))
    options = ["--db", settings.location.url, "--key-dir", str(settings.keys.path)]
    for args in (["init"], ["mint", str(EXAMPLES / "leaf-issuance.json")],
                 ["account", "open", "acme", "--name", "Acme", "--role", "buyer",
                  "--climate-pledge"],
                 ["reserve", "--buyer", "acme", "--quantity", "50", "--batch", LEAF,
                  "--idempotency-key", "stock"], ["settle", "stock"],
                 ["retire", "--holder", "acme", "--batch", LEAF, "--quantity", "3",
                  "--beneficiary", "Acme", "--reason", "claim", "--claim-period", "2026",
                  "--idempotency-key", "proved"]):
        code, _, err = cli(*args, *options)
        assert code == 0, err
    checkpoint = cli("checkpoint", *options)[1]
    tlog_proof = cli("proof", "proved", "--format", "tlog-proof", *options)[1]
    assert cli("proof", "proved", "-o", str(where / "proof.json"), *options)[0] == 0
    ledger = UnitOfWork(settings)
    try:
        yield World(where, options, ledger, checkpoint, tlog_proof,
                    (where / "proof.json").read_bytes(),
                    read_trust(settings.keys.trust_path)[1])
    finally:
        ledger.close()


def report_examples(report: Callable[[str], None], counter: Counter, budget: Budget) -> None:
    report(f"{counter.examples} examples ({'derandomized' if budget.derandomize else 'random'})")


# --- issuance documents ---------------------------------------------------------------------

documents = st.one_of(
    edited(example_data("LEAF")).map(lambda d: json.dumps(d).encode()),
    edited(example_data("DAC")).map(lambda d: json.dumps(d).encode()),
    mangled((EXAMPLES / "dac-issuance.json").read_bytes()),
    st.binary(max_size=400),
    json_values.map(lambda v: json.dumps(v).encode()),
)


@pytest.mark.parametrize("budget", budgets(300))
def test_any_issuance_document_is_parsed_or_refused_with_a_ledger_error(
    budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()

    @budget.settings()
    @given(documents)
    def check(raw: bytes) -> None:
        counter()
        result = outcome(lambda: parse_issuance(raw))
        assert isinstance(result, LeafIssuance | DacIssuance | LedgerError)

    check()
    report_examples(report, counter, budget)


fresh_documents = st.one_of(
    edited(example_data("DAC") | {"issuance_id": "FUZZ-1"}, edits=2),
    edited(example_data("LEAF") | {"issuance_id": "FUZZ-2", "serial_first": 300001,
                                   "serial_last": 550000,
                                   "serial_native": "ART-CR-102-2021-11-300001 to 550000"},
           edits=2),
).map(lambda d: json.dumps(d).encode()) | mangled((EXAMPLES / "leaf-issuance.json").read_bytes())


@pytest.mark.parametrize("budget", budgets(25))
def test_minting_a_hostile_document_through_the_cli_writes_nothing_when_refused(
    world: World, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()
    path = world.where / "document.json"

    @budget.settings()
    @given(fresh_documents)
    def check(raw: bytes) -> None:
        counter()
        path.write_bytes(raw)
        before = world.events()
        code, out, err = world.run("mint", str(path), "--json")
        assert "Traceback" not in err
        if code == 0:
            assert world.events() > before
        else:
            assert code in (2, 3, 4), out + err
            assert json.loads(out)["error"]["code"]
            assert world.events() == before

    check()
    report_examples(report, counter, budget)


# --- operation lines and imports ------------------------------------------------------------

SAMPLE_OPS: list[dict[str, Any]] = [
    {"op": "reserve", "buyer": "acme", "quantity": 2, "batch": LEAF, "idempotency_key": "k"},
    {"op": "settle", "reservation": "stock"},
    {"op": "transfer", "from": "acme", "to": "operator", "batch": LEAF, "quantity": 1,
     "idempotency_key": "t"},
    {"op": "retire", "holder": "acme", "batch": LEAF, "quantity": 1, "beneficiary": "Acme",
     "reason": "claim", "claim_period": "2026", "idempotency_key": "r"},
    {"op": "open_account", "handle": "globex", "name": "Globex", "role": "buyer",
     "scope_targets": "1,2,3"},
    {"op": "mint", "document": example_data("DAC")},
]
lines = st.one_of(
    st.sampled_from(SAMPLE_OPS).flatmap(edited).map(json.dumps),
    st.sampled_from(SAMPLE_OPS).flatmap(lambda op: mangled(json.dumps(op).encode()))
    .map(lambda raw: raw.decode("utf-8", "replace")),
    st.text(max_size=300),
    json_values.map(json.dumps),
)


@pytest.mark.parametrize("budget", budgets(300))
def test_any_operation_line_is_parsed_or_refused_with_a_ledger_error(
    budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()

    @budget.settings()
    @given(lines)
    def check(line: str) -> None:
        counter()
        assert isinstance(outcome(lambda: parse_line(line, 1)), Op | LedgerError)

    check()
    report_examples(report, counter, budget)


@pytest.mark.parametrize("budget", budgets(40))
def test_an_import_refused_at_a_hostile_line_commits_nothing_of_its_transaction(
    world: World, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()

    @budget.settings()
    @given(lines)
    def check(line: str) -> None:
        counter()
        key = f"fuzz-{uuid4().hex}"  # new in every call: the short and long forms share a world
        valid = [json.dumps({"op": "reserve", "buyer": "acme", "quantity": 1, "batch": LEAF,
                             "idempotency_key": key}),
                 json.dumps({"op": "settle", "reservation": key})]
        before = world.events()
        result = outcome(lambda: importing.import_operations(
            world.ledger, lines=[*valid, line], chunk_size=100))
        if isinstance(result, LedgerError):
            assert world.events() == before
        else:
            assert world.events() >= before + 4

    check()
    report_examples(report, counter, budget)


files = st.one_of(
    mangled((EXAMPLES / "leaf-issuance.json").read_bytes()),
    st.binary(max_size=300),
    st.lists(lines, max_size=4).map(lambda ls: "\n".join(ls).encode("utf-8", "surrogatepass")),
)


@pytest.mark.parametrize("budget", budgets(20))
def test_importing_a_hostile_file_through_the_cli_writes_nothing_when_refused(
    world: World, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()
    path = world.where / "ops.jsonl"

    @budget.settings()
    @given(files)
    def check(raw: bytes) -> None:
        counter()
        path.write_bytes(raw)
        before = world.events()
        code, out, err = world.run("import", str(path), "--json")
        assert "Traceback" not in err
        assert code in (0, 2, 3, 4), out + err
        if code:
            assert world.events() == before

    check()
    report_examples(report, counter, budget)


# --- registry exports -----------------------------------------------------------------------

FIXTURES = sorted(EXPORTS.iterdir())


@st.composite
def cell_edited(draw: st.DrawFn) -> bytes:
    """A CSV fixture with one cell replaced by any text, written back as valid CSV."""
    path = draw(st.sampled_from([p for p in FIXTURES if p.suffix == ".csv"]))
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    row = draw(st.integers(0, len(rows) - 1))
    assume(rows[row])
    rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(
        st.text(max_size=40) | st.sampled_from(["-1", "1,00", "99999999999999999999", ""]))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


exports = st.one_of(
    st.sampled_from(FIXTURES).flatmap(lambda p: mangled(p.read_bytes(), edits=4)),
    cell_edited(),
    st.binary(max_size=400),
)


@pytest.mark.parametrize("budget", budgets(250))
def test_any_registry_export_is_read_or_refused_with_a_ledger_error(
    tmp_path: Path, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()
    path = tmp_path / "export"

    @budget.settings()
    @given(exports, st.sampled_from(["auto", "auto", *FORMATS]))
    def check(raw: bytes, form: str) -> None:
        counter()
        path.write_bytes(raw)
        result = outcome(lambda: read_export(path, form))
        assert isinstance(result, list | LedgerError)

    check()
    report_examples(report, counter, budget)


@pytest.mark.parametrize("budget", budgets(25))
def test_reconciling_a_hostile_export_through_the_cli_fails_cleanly_and_writes_nothing(
    world: World, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()
    path = world.where / "export"

    @budget.settings()
    @given(exports)
    def check(raw: bytes) -> None:
        counter()
        path.write_bytes(raw)
        before = world.events()
        code, out, err = world.run("reconcile", str(path), "--json")
        assert "Traceback" not in err
        assert code in (0, 4, 5), out + err
        assert world.events() == before

    check()
    report_examples(report, counter, budget)


# --- checkpoints, tlog-proofs and proof bundles ---------------------------------------------


def signed_text(note: str) -> str:
    return note[: note.rfind("\n\n") + 1]


@pytest.mark.parametrize("budget", budgets(300))
def test_a_mutated_checkpoint_is_never_accepted(
    world: World, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()
    original = open_checkpoint(world.checkpoint, world.verifiers, ORIGIN)

    @budget.settings()
    @given(mangled(world.checkpoint.encode()) | st.binary(max_size=300))
    def check(raw: bytes) -> None:
        counter()
        assume(raw != world.checkpoint.encode())
        result = outcome(lambda: open_checkpoint(raw, world.verifiers, ORIGIN))
        if not isinstance(result, LedgerError):
            # Only signature lines may differ (a repeated one is ignored, as in Go's note).
            assert isinstance(result, Checkpoint) and result == original
            assert signed_text(raw.decode()) == signed_text(world.checkpoint)

    check()
    report_examples(report, counter, budget)


@pytest.mark.parametrize("budget", budgets(300))
def test_a_mutated_tlog_proof_is_never_accepted(
    world: World, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()
    leaf = leaf_hash(ProofBundle.model_validate_json(world.bundle).event.payload_bytes())
    original = parse_tlog_proof(world.tlog_proof)
    verify_tlog_proof(original, leaf, world.verifiers, ORIGIN)

    @budget.settings()
    @given(mangled(world.tlog_proof.encode()) | st.binary(max_size=300))
    def check(raw: bytes) -> None:
        counter()
        text = raw.decode("utf-8", "replace")
        assume(text != world.tlog_proof)
        result = outcome(lambda: verify_tlog_proof(parse_tlog_proof(text), leaf,
                                                   world.verifiers, ORIGIN))
        if not isinstance(result, LedgerError):
            proof = parse_tlog_proof(text)
            assert (proof.index, proof.hashes) == (original.index, original.hashes)
            assert signed_text(proof.checkpoint) == signed_text(original.checkpoint)

    check()
    report_examples(report, counter, budget)


def canonical(bundle: dict[str, Any]) -> bytes:
    """A proof file in the one spelling the verifier accepts, so that edits reach its checks."""
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8",
                                                                             "surrogatepass")


@pytest.mark.parametrize("budget", budgets(200))
def test_a_mutated_proof_bundle_is_never_accepted(
    world: World, budget: Budget, report: Callable[[str], None]
) -> None:
    counter = Counter()
    original = verify_bundle(world.bundle, world.trusted)
    fields = json.loads(world.bundle)
    bundles = st.one_of(edited(fields, edits=1, actions=("perturb",)).map(canonical),
                        edited(fields).map(canonical), mangled(world.bundle),
                        st.binary(max_size=300))

    @budget.settings()
    @given(bundles)
    def check(raw: bytes) -> None:
        counter()
        assume(raw != world.bundle)
        result = outcome(lambda: verify_bundle(raw, world.trusted))
        if not isinstance(result, LedgerError):
            assert isinstance(result, VerifiedRetirement)
            assert (result.summary, result.leaf_index, result.checkpoint) == (
                original.summary, original.leaf_index, original.checkpoint)

    check()
    report_examples(report, counter, budget)
