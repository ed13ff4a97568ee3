"""The SDK's GraphQL documents, read from the spec's wire captures and the extra-documents file.

A wire file is a run of sections, each opened by ``# ===== operationName: <name> (...)`` and
``# example variables: <json>``, holding exactly what went on the wire: the operation with every
fragment it uses. Fragment names repeat from section to section (``Checkout``, ``Price``…), so the
file is not one valid document: each section is one. The extra file holds operations alone; their
fragments come from the pool of fragments defined in the wire file of the same SDK version, which
must agree wherever a name repeats.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

#: The spec's SDK captures, as copied into the tests (``tests/spec/test_spec_copies.py`` keeps them equal).
SPEC = Path(__file__).resolve().parents[1] / "spec" / "saleor"
WIRE_FILES = {
    "0.3.0-10": SPEC / "sdk-0.3.0-10-wire-documents.graphql",
    "0.7.0": SPEC / "sdk-0.7.0-wire-documents.graphql",
}
EXTRA_FILE = Path(__file__).with_name("sdk-extra-documents.graphql")

HEADER = re.compile(r"^# ===== operationName: (\w+)\s+\((.*)\)\n# example variables: (.*)\n", re.M)


@dataclass(frozen=True)
class SdkDocument:
    sdk: str
    name: str
    text: str  # the document sent: the operation and every fragment it uses
    variables: dict
    captured: bool  # True: on the wire exactly like this; False: assembled from the package's source

    @property
    def id(self) -> str:
        return f"{self.sdk}:{self.name}"


def sections(path: Path) -> list[tuple[str, str, dict, str]]:
    """``(name, header note, example variables, text)`` of every section of a documents file."""
    text = path.read_text(encoding="utf-8")
    found = list(HEADER.finditer(text))
    assert found, f"no '# ===== operationName:' sections in {path}"
    result = []
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        result.append((match.group(1), match.group(2), json.loads(match.group(3)), text[match.end() : end]))
    return result


def fragment_pool(sdk: str) -> dict[str, FragmentDefinitionNode]:
    """Every fragment the wire file of ``sdk`` defines; a name defined twice differently is an error."""
    pool: dict[str, FragmentDefinitionNode] = {}
    for name, _note, _variables, text in sections(WIRE_FILES[sdk]):
        for definition in parse(text, no_location=True).definitions:
            if isinstance(definition, FragmentDefinitionNode):
                fragment = definition.name.value
                if fragment in pool and print_ast(pool[fragment]) != print_ast(definition):
                    raise AssertionError(f"fragment {fragment} of section {name} differs from an earlier one")
                pool[fragment] = definition
    return pool


def spreads(node) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_args) -> None:
            names.add(spread.name.value)

    visit(node, Collect())
    return names


def assemble(operation: OperationDefinitionNode, own: dict[str, FragmentDefinitionNode], pool: dict) -> str:
    """The operation with the fragments it uses, transitively: its section's own first, then the pool's."""
    needed: dict[str, FragmentDefinitionNode] = {}
    pending = spreads(operation)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        fragment = own.get(name) or pool.get(name)
        assert fragment is not None, f"fragment {name} is defined nowhere"
        needed[name] = fragment
        pending |= spreads(fragment) - needed.keys()
    return print_ast(DocumentNode(definitions=(operation, *needed.values())))


def wire_documents() -> list[SdkDocument]:
    """Every captured section, verbatim."""
    documents = []
    for sdk, path in WIRE_FILES.items():
        for name, _note, variables, text in sections(path):
            documents.append(SdkDocument(sdk, name, text, variables, captured=True))
    return documents


def extra_documents() -> list[SdkDocument]:
    """The operations of the extra file, each with its fragments assembled."""
    pools = {sdk: fragment_pool(sdk) for sdk in WIRE_FILES}
    documents = []
    for name, note, variables, text in sections(EXTRA_FILE):
        sdk = re.match(r"sdk: ([\w.-]+);", note).group(1)
        definitions = parse(text).definitions
        own = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        (operation,) = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        assert operation.name.value == name
        documents.append(SdkDocument(sdk, name, assemble(operation, own, pools[sdk]), variables, captured=False))
    return documents


def all_documents() -> list[SdkDocument]:
    missing = [str(path) for path in WIRE_FILES.values() if not path.exists()]
    assert not missing, f"the copies of the spec's wire captures are missing: {missing}"
    return wire_documents() + extra_documents()
