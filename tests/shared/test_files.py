"""Stored files are sealed at rest with the key ring, read back piece by piece, and survive a key rotation."""

from __future__ import annotations

import io
import os

import pytest
from cryptography.fernet import Fernet
from gridfs import GridFSBucket

from shared import files
from shared.crypto import DecryptionError

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
NOTE = b"Questions for my doctor: sleep, and the ringing in my ears"


def stored_bytes(db, bucket: str, file_id: str) -> bytes:
    return b"".join(bytes(c["data"]) for c in db[f"{bucket}.chunks"].find({"files_id": file_id}).sort("n", 1))


def put(file_id: str, content: bytes, keys: str = OLD) -> None:
    files.put("reports", file_id, io.BytesIO(content), f"{file_id}.html", {"user_id": "u1"}, keys=keys)


class TestSealed:
    def test_the_database_holds_no_plaintext_and_reading_gives_it_back(self, db):
        put("one", b"<p>" + NOTE + b"</p>")
        assert NOTE not in stored_bytes(db, "reports", "one")
        stored = files.open_file("reports", "one", OLD)
        assert (stored.filename, stored.metadata["user_id"], stored.length) == (
            "one.html",
            "u1",
            len(NOTE) + 7,
        )
        assert stored.read() == b"<p>" + NOTE + b"</p>"

    def test_a_large_file_is_read_piece_by_piece(self, db):
        content = os.urandom(files.SEGMENT * 2 + 1000) + NOTE
        put("big", content)
        assert NOTE not in stored_bytes(db, "reports", "big")
        pieces = list(files.open_file("reports", "big", OLD))
        assert [len(p) for p in pieces] == [files.SEGMENT, files.SEGMENT, 1000 + len(NOTE)]
        assert b"".join(pieces) == content
        stored = files.open_file("reports", "big", OLD)
        assert stored.read(10) + stored.read(files.SEGMENT) + stored.read() == content
        assert stored.length == len(content)

    def test_an_empty_file(self, db):
        put("empty", b"")
        assert files.open_file("reports", "empty", OLD).read() == b""
        assert list(files.open_file("reports", "empty", OLD)) == []

    def test_pieces_out_of_order_or_missing_do_not_read(self, db):
        content = os.urandom(files.SEGMENT * 3)
        put("whole", content)
        raw = stored_bytes(db, "reports", "whole")
        cut = 4 + int.from_bytes(raw[:4], "big")  # the first piece, with its length
        for name, tampered in (
            ("swapped", raw[cut : cut * 2] + raw[:cut] + raw[cut * 2 :]),
            ("short", raw[:-cut]),
        ):
            GridFSBucket(db, bucket_name="reports").upload_from_stream_with_id(
                name, name, io.BytesIO(tampered), metadata={"sealed": 1, "size": len(content)}
            )
            with pytest.raises(DecryptionError):
                files.open_file("reports", name, OLD).read()

    def test_a_file_stored_before_sealing_is_read_as_it_is(self, db):
        GridFSBucket(db, bucket_name="reports").upload_from_stream_with_id(
            "legacy", "l.pdf", io.BytesIO(NOTE)
        )
        stored = files.open_file("reports", "legacy", OLD)
        assert (stored.read(), stored.length) == (NOTE, len(NOTE))


class TestRotation:
    def test_an_old_file_still_opens_after_a_new_key_is_put_first(self, db):
        put("before", NOTE, keys=OLD)
        rotated = f"{NEW},{OLD}"
        put("after", NOTE, keys=rotated)
        assert files.open_file("reports", "before", rotated).read() == NOTE
        assert files.open_file("reports", "after", NEW).read() == NOTE  # new files use the newest key
        with pytest.raises(DecryptionError):  # and the retired key alone opens nothing new
            files.open_file("reports", "after", OLD).read()
        with pytest.raises(DecryptionError):  # retiring the old key too early is an error, not garbage
            files.open_file("reports", "before", NEW).read()
