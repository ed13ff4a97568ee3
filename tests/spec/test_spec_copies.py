"""The spec files the tests read are copies that ship with the repository (a clean clone has no
``../shared``); beside the spec, each copy must equal its original."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "spec"
COPIES = sorted(path.relative_to(HERE) for path in HERE.rglob("*.graphql"))


def test_the_copies_are_there():
    assert {str(path) for path in COPIES} == {
        "saleor/minimal-schema.graphql",
        "saleor/sdk-0.3.0-10-wire-documents.graphql",
        "saleor/sdk-0.7.0-wire-documents.graphql",
    }


@pytest.mark.parametrize("relative", COPIES, ids=str)
def test_each_copy_equals_the_spec(relative):
    original = SHARED / relative
    if not original.exists():
        pytest.skip("../shared/spec is not beside this clone; the copies are used")
    assert (HERE / relative).read_bytes() == original.read_bytes()
