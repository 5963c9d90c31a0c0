"""C2SP signed notes, checkpoints and cosignatures: signing, parsing and verification."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lifecycle.note import add_signature_lines, checkpoint_body, cosignature_line, sign_note, vkey
from lifecycle.verify import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Checkpoint,
    VerificationError,
    key_id,
    parse_checkpoint,
    parse_note,
    parse_vkey,
    verify_checkpoint,
    verify_cosignature,
    verify_note,
)

ORIGIN = "passports.example/log"
WITNESS = "witness.example/w1"
ROOT = hashlib.sha256(b"a root").digest()
BODY = checkpoint_body(ORIGIN, 20852163, ROOT)

# golang.org/x/mod/sumdb/note's documented example: a Go-signed note and the key behind it.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


@pytest.fixture(scope="module")
def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def witness_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_checkpoint_body_is_origin_size_and_base64_root_on_separate_lines() -> None:
    root_line = base64.b64encode(ROOT).decode()
    assert BODY.split("\n") == [ORIGIN, "20852163", root_line, ""]
    assert parse_checkpoint(BODY) == Checkpoint(ORIGIN, 20852163, ROOT, [])


def test_a_signed_checkpoint_verifies_with_the_log_vkey(log_key: Ed25519PrivateKey) -> None:
    note = sign_note(BODY, ORIGIN, log_key)
    assert note.startswith(BODY + "\n— " + ORIGIN + " ")
    assert verify_note(note, vkey(ORIGIN, raw(log_key))) == BODY
    assert verify_checkpoint(note, vkey(ORIGIN, raw(log_key))).root == ROOT


def test_vkeys_carry_name_key_id_type_and_public_key(log_key: Ed25519PrivateKey) -> None:
    text = vkey(ORIGIN, raw(log_key))
    name, id_hex, material = text.split("+", 2)
    expected_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw(log_key)).digest()[:4]
    assert (name, id_hex) == (ORIGIN, expected_id.hex())
    assert base64.b64decode(material) == b"\x01" + raw(log_key)
    parsed = parse_vkey(text)
    assert (parsed.name, parsed.key_id, parsed.alg, parsed.public_key) == (
        ORIGIN,
        expected_id,
        ALG_ED25519,
        raw(log_key),
    )
    assert key_id(ORIGIN, ALG_COSIGNATURE_V1, raw(log_key)) != expected_id


def test_every_truncation_or_single_character_change_of_a_vkey_is_rejected() -> None:
    for start in range(len(GO_VKEY)):
        for end in range(start + 1, len(GO_VKEY) + 1):
            if (start, end) != (0, len(GO_VKEY)):
                with pytest.raises(VerificationError):
                    parse_vkey(GO_VKEY[start:end])
    for position, char in enumerate(GO_VKEY):
        mangled = GO_VKEY[:position] + chr(ord(char) + 1) + GO_VKEY[position + 1 :]
        with pytest.raises(VerificationError):
            parse_vkey(mangled)


@pytest.mark.parametrize(
    "text",
    [
        "name+c74f20a3",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AxpczQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW===",
    ],
)
def test_malformed_vkeys_are_rejected(text: str) -> None:
    with pytest.raises(VerificationError):
        parse_vkey(text)


def test_a_note_signed_by_another_key_fails(log_key: Ed25519PrivateKey) -> None:
    note = sign_note(BODY, ORIGIN, Ed25519PrivateKey.generate())
    with pytest.raises(VerificationError, match="no signature"):
        verify_note(note, vkey(ORIGIN, raw(log_key)))


def test_a_note_signed_under_another_name_fails(log_key: Ed25519PrivateKey) -> None:
    note = sign_note(BODY, "other.example/log", log_key)
    with pytest.raises(VerificationError, match="no signature"):
        verify_note(note, vkey(ORIGIN, raw(log_key)))


@pytest.mark.parametrize("change", [("20852163", "20852164"), (ORIGIN, ORIGIN + "x")])
def test_a_tampered_body_fails(log_key: Ed25519PrivateKey, change: tuple[str, str]) -> None:
    note = sign_note(BODY, ORIGIN, log_key).replace(*change, 1)
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(note, vkey(ORIGIN, raw(log_key)))


def test_a_failing_signature_from_the_trusted_key_rejects_the_note_despite_a_good_one(
    log_key: Ed25519PrivateKey,
) -> None:
    good = sign_note(BODY, ORIGIN, log_key)
    line = good.splitlines()[-1]
    forged_payload = bytearray(base64.b64decode(line.split(" ")[2]))
    forged_payload[-1] ^= 1
    forged = f"— {ORIGIN} {base64.b64encode(forged_payload).decode()}"
    with pytest.raises(VerificationError, match="does not verify"):
        verify_note(add_signature_lines(good, [forged]), vkey(ORIGIN, raw(log_key)))


def test_signatures_from_unknown_keys_are_ignored(log_key: Ed25519PrivateKey) -> None:
    stranger = sign_note(BODY, "stranger.example", Ed25519PrivateKey.generate())
    note = add_signature_lines(sign_note(BODY, ORIGIN, log_key), [stranger.splitlines()[-1]])
    assert len(parse_note(note).signatures) == 2
    assert verify_note(note, vkey(ORIGIN, raw(log_key))) == BODY


def test_a_cosignature_verifies_and_returns_its_timestamp(
    log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    note = sign_note(BODY, ORIGIN, log_key)
    line = cosignature_line(BODY, WITNESS, witness_key, 1679315147)
    cosigned = add_signature_lines(note, [line])
    witness_vkey = vkey(WITNESS, raw(witness_key), alg=ALG_COSIGNATURE_V1)
    assert verify_cosignature(cosigned, witness_vkey) == 1679315147
    assert verify_note(cosigned, vkey(ORIGIN, raw(log_key))) == BODY


def test_a_cosignature_signs_the_header_time_line_and_body(witness_key: Ed25519PrivateKey) -> None:
    line = cosignature_line(BODY, WITNESS, witness_key, 1679315147)
    assert line.startswith(f"— {WITNESS} ")
    payload = base64.b64decode(line.split(" ")[2])
    assert payload[:4] == key_id(WITNESS, ALG_COSIGNATURE_V1, raw(witness_key))
    assert int.from_bytes(payload[4:12], "big") == 1679315147
    message = f"cosignature/v1\ntime 1679315147\n{BODY}".encode()
    witness_key.public_key().verify(payload[12:], message)


def test_a_cosignature_with_an_altered_timestamp_fails(
    log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    payload = bytearray(
        base64.b64decode(cosignature_line(BODY, WITNESS, witness_key, 5).split()[2])
    )
    payload[11] = 6
    line = f"— {WITNESS} {base64.b64encode(payload).decode()}"
    cosigned = add_signature_lines(sign_note(BODY, ORIGIN, log_key), [line])
    with pytest.raises(VerificationError, match="does not verify"):
        verify_cosignature(cosigned, vkey(WITNESS, raw(witness_key), alg=ALG_COSIGNATURE_V1))


def test_cosignature_and_note_keys_are_not_interchangeable(
    log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    cosigned = add_signature_lines(
        sign_note(BODY, ORIGIN, log_key), [cosignature_line(BODY, WITNESS, witness_key, 7)]
    )
    with pytest.raises(VerificationError, match="not an Ed25519 note signing key"):
        verify_note(cosigned, vkey(WITNESS, raw(witness_key), alg=ALG_COSIGNATURE_V1))
    with pytest.raises(VerificationError, match="not a cosignature/v1 key"):
        verify_cosignature(cosigned, vkey(WITNESS, raw(witness_key)))
    with pytest.raises(VerificationError, match="no cosignature"):
        verify_cosignature(cosigned, vkey(ORIGIN, raw(log_key), alg=ALG_COSIGNATURE_V1))


def test_adding_signature_lines_keeps_existing_ones_and_skips_repeats(
    log_key: Ed25519PrivateKey, witness_key: Ed25519PrivateKey
) -> None:
    note = sign_note(BODY, ORIGIN, log_key)
    line = cosignature_line(BODY, WITNESS, witness_key, 9)
    once = add_signature_lines(note, [line])
    twice = add_signature_lines(once, [line + "\n", note.splitlines()[-1]])
    assert once == twice == note + line + "\n"
    with pytest.raises(ValueError):
        add_signature_lines(note, ["not a signature line"])


def test_the_go_sumdb_example_note_verifies() -> None:
    assert verify_note(GO_NOTE, GO_VKEY) == GO_TEXT
    with pytest.raises(VerificationError):
        verify_note(GO_NOTE.replace("cryptography", "cryptographY"), GO_VKEY)


def test_signing_reproduces_the_go_sumdb_example_byte_for_byte() -> None:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert seed[0] == ALG_ED25519
    key = Ed25519PrivateKey.from_private_bytes(seed[1:])
    assert vkey("PeterNeumann", raw(key)) == GO_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE


def test_a_note_body_may_contain_blank_lines(log_key: Ed25519PrivateKey) -> None:
    body = "first\n\nsecond\n"
    note = sign_note(body, ORIGIN, log_key)
    assert parse_note(note).body == body
    assert verify_note(note, vkey(ORIGIN, raw(log_key))) == body


@pytest.mark.parametrize(
    "text",
    [
        "body\n— a AAAAAAA=\n",
        "body\n\n",
        "body\n\n— a AAAAAAA=",
        "body\n\n- a AAAAAAA=\n",
        "body\n\n— a b AAAAAAA=\n",
        "body\n\n— a+b AAAAAAA=\n",
        "body\n\n— a AAAA\n",
        "body\n\n— a AAAAAAA\n",
        "bo\tdy\n\n— a AAAAAAA=\n",
    ],
)
def test_malformed_notes_are_rejected(text: str) -> None:
    with pytest.raises(VerificationError):
        parse_note(text)


@pytest.mark.parametrize(
    "body",
    [
        f"{ORIGIN}\n020852163\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n-1\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n+1\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode().rstrip('=')}\n",
        f"{ORIGIN}\n1\n{ROOT.hex()}\n",
        f"{ORIGIN}\n1\n",
        f"\n1\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}\n\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}",
        f"{ORIGIN}\n{2**64}\n{base64.b64encode(ROOT).decode()}\n",
    ],
)
def test_malformed_checkpoints_are_rejected(body: str) -> None:
    with pytest.raises(VerificationError):
        parse_checkpoint(body)


def test_checkpoint_extension_lines_are_kept_and_covered_by_the_signature(
    log_key: Ed25519PrivateKey,
) -> None:
    body = BODY + "extension one\n"
    assert parse_checkpoint(body).extensions == ["extension one"]
    note = sign_note(body, ORIGIN, log_key).replace("extension one", "extension two")
    with pytest.raises(VerificationError):
        verify_checkpoint(note, vkey(ORIGIN, raw(log_key)))
