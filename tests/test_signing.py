"""``signing`` against every known answer in ``spec/signature-vectors.json``."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from cascad_wagtail import signing

VECTORS_FILE = Path(__file__).resolve().parents[2] / "shared" / "spec" / "signature-vectors.json"
LOCAL_COPY = Path(__file__).with_name("signature-vectors.json")


def load_vectors() -> list[dict]:
    # The spec's file is the source of truth; a copy ships with the tests for clones without ../shared.
    path = VECTORS_FILE if VECTORS_FILE.exists() else LOCAL_COPY
    return json.loads(path.read_text())["vectors"]


VECTORS = load_vectors()


def test_local_copy_matches_the_spec():
    if not VECTORS_FILE.exists():
        pytest.skip("../shared/spec is not beside this clone; the local copy is used")
    assert json.loads(LOCAL_COPY.read_text()) == json.loads(VECTORS_FILE.read_text())


@pytest.mark.parametrize("vector", VECTORS, ids=[v["note"] for v in VECTORS])
def test_sign_gives_the_known_answer(vector):
    body = base64.b64decode(vector["body_base64"])
    assert signing.sign(vector["secret_key"], body) == vector["x_signature"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["note"] for v in VECTORS])
def test_verify_accepts_the_known_answer_and_rejects_any_change(vector):
    body = base64.b64decode(vector["body_base64"])
    key, good = vector["secret_key"], vector["x_signature"]
    assert signing.verify(key, body, good)
    assert signing.verify(key.encode(), body, good.encode())
    assert not signing.verify(key, body + b" ", good)
    assert not signing.verify(key + "x", body, good)
    assert not signing.verify(key, body, good[:-2] + "A=")
    assert not signing.verify(key, body, "")
    assert not signing.verify(key, body, None)
    assert not signing.verify("", body, good)


def test_reserialising_the_body_breaks_the_signature():
    """The same invoice written with other spacing has another signature: verify the raw bytes."""
    compact, spaced = VECTORS[0], VECTORS[3]
    assert compact["secret_key"] == spaced["secret_key"]
    compact_body = base64.b64decode(compact["body_base64"])
    spaced_body = base64.b64decode(spaced["body_base64"])
    assert json.loads(compact_body) == json.loads(spaced_body)
    assert not signing.verify(compact["secret_key"], spaced_body, compact["x_signature"])


def test_non_ascii_body_is_signed_as_utf8_bytes():
    vector = VECTORS[2]
    body = base64.b64decode(vector["body_base64"])
    assert "Заказ".encode() in body
    assert signing.sign(vector["secret_key"], body.decode("utf-8").encode("utf-8")) == vector["x_signature"]


def test_matching_key_finds_the_signing_key_among_several():
    vector = VECTORS[0]
    body = base64.b64decode(vector["body_base64"])
    keys = ["sk_test_other", vector["secret_key"], "sk_live_another"]
    assert signing.matching_key(keys, body, vector["x_signature"]) == vector["secret_key"]
    assert signing.matching_key(["sk_test_other", "sk_live_another"], body, vector["x_signature"]) is None
    assert signing.matching_key([], body, vector["x_signature"]) is None
