"""Files in GridFS (report pages and PDFs, export archives), sealed at rest: store, open and delete
without orphans.

Every file here holds health data (notes included), so it is stored encrypted with the same key ring
as the notes in `events` (ENCRYPTION_KEYS, shared/crypto.py): the content is cut into SEGMENT-byte
pieces, each sealed as one Fernet token (kept as raw bytes, without Fernet's base64) behind a 4-byte
length. A piece's plaintext starts with its index and a last-piece flag, so pieces cannot be reordered,
dropped or cut short without the read failing. Reading opens one piece at a time: a large export is
served without being held in memory. Any key of the ring opens a file, so after a key is rotated in the
older files still open, and `reseal` re-seals them under the new key in place, so the old one can go. A
file stored before files were sealed (no `metadata.sealed`) is read as it is.
"""

from __future__ import annotations

import base64
import struct
from collections import deque
from collections.abc import Iterator
from typing import IO, Any

from cryptography.fernet import InvalidToken
from gridfs import GridFSBucket, GridOut
from gridfs.errors import NoFile

from shared import crypto, rekey
from shared.crypto import DecryptionError, key_ring
from shared.mongo import mongo

SEGMENT = 256 * 1024  # plaintext bytes per sealed piece
SEALED = 1  # metadata.sealed: the format version
_LENGTH = struct.Struct(">I")
_HEADER = struct.Struct(">Q?")  # piece index, last piece


def _bucket(bucket: str) -> GridFSBucket:
    return GridFSBucket(mongo.db, bucket_name=bucket)


def _pieces(source: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(index, plaintext, is last) for each piece of `source`; an empty source is one empty last piece."""
    index, piece = 0, source.read(SEGMENT)
    while True:
        following = source.read(SEGMENT) if len(piece) == SEGMENT else b""
        yield index, piece, not following
        if not following:
            return
        index, piece = index + 1, following


def put(
    bucket: str,
    file_id: str,
    source: IO[bytes],
    filename: str,
    metadata: dict[str, Any],
    *,
    keys: str,
) -> None:
    """Store `source`, sealed with `keys`, under a fixed id; a file left by an earlier, interrupted attempt
    is replaced."""
    delete(bucket, file_id)
    fernet = key_ring(keys)
    upload = _bucket(bucket).open_upload_stream_with_id(
        file_id, filename, metadata={**metadata, "sealed": SEALED}
    )
    size = 0
    try:
        for index, piece, last in _pieces(source):
            token = base64.urlsafe_b64decode(fernet.encrypt(_HEADER.pack(index, last) + piece))
            upload.write(_LENGTH.pack(len(token)) + token)
            size += len(piece)
        upload.metadata = {**metadata, "sealed": SEALED, "size": size}  # written when the upload closes
    except BaseException:
        upload.abort()
        raise
    upload.close()


class StoredFile:
    """A stored file opened for reading: `read()`, iteration by piece, `length` (plaintext bytes),
    `filename` and `metadata`, as a GridOut offers for the file as it was given to `put`."""

    def __init__(self, grid_out: GridOut, keys: str) -> None:
        self._out = grid_out
        self._keys = keys
        self.filename = grid_out.filename
        self.metadata = grid_out.metadata or {}
        self._sealed = bool(self.metadata.get("sealed"))
        self.length = self.metadata.get("size", 0) if self._sealed else grid_out.length
        self._next, self._done, self._buffer = 0, False, b""

    def _piece(self) -> bytes:
        """The next piece's plaintext; raises DecryptionError for a piece no key opens or out of place."""
        if not self._sealed:  # stored before files were sealed: read as it is
            piece = self._out.read(SEGMENT)
            self._done = not piece
            return piece
        head = self._out.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            raise DecryptionError("the file ends before its last piece")
        token = self._out.read(_LENGTH.unpack(head)[0])
        try:
            plain = key_ring(self._keys).decrypt(base64.urlsafe_b64encode(token))
        except InvalidToken:
            raise DecryptionError("no configured key opens this file") from None
        index, last = _HEADER.unpack_from(plain)
        if index != self._next:
            raise DecryptionError("the file's pieces are out of order")
        self._next, self._done = index + 1, last
        return plain[_HEADER.size :]

    def __iter__(self) -> Iterator[bytes]:
        if self._buffer:
            yield self._buffer
            self._buffer = b""
        while not self._done:
            piece = self._piece()
            if piece:
                yield piece

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._buffer += self._piece()
        cut = len(self._buffer) if size < 0 else size
        out, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return out

    def close(self) -> None:
        self._out.close()


def open_file(bucket: str, file_id: str, keys: str) -> StoredFile | None:
    """The file, opened with `keys` (its pieces are decrypted as they are read), or None if it is gone."""
    try:
        return StoredFile(_bucket(bucket).open_download_stream(file_id), keys)
    except NoFile:
        return None


def delete(bucket: str, file_id: Any) -> bool:
    """Chunks before their file document: a crash in between leaves a file document a repeat still finds."""
    mongo.db[f"{bucket}.chunks"].delete_many({"files_id": file_id})
    return mongo.db[f"{bucket}.files"].delete_one({"_id": file_id}).deleted_count == 1


def delete_where(bucket: str, query: dict[str, Any]) -> int:
    """Delete every file whose document matches `query` (e.g. {"metadata.user_id": ...})."""
    ids = [doc["_id"] for doc in mongo.db[f"{bucket}.files"].find(query, {"_id": 1})]
    return sum(delete(bucket, file_id) for file_id in ids)


def reseal(bucket: str, keys: str, batch: int = rekey.BATCH) -> rekey.Tally:
    """Re-seal every sealed file of `bucket` under the first key, in place, a chunk at a time: a piece
    re-sealed is as long as before (a Fernet token's length depends on the plaintext alone), so each chunk
    keeps its size. A chunk is replaced only if it still holds what was read (a file stored again meanwhile
    has new chunks, and is left to a rerun). Any key of the ring opens any piece, so a file left part
    re-sealed reads as before; counts files."""
    tally = rekey.Tally()
    stored = mongo.db[f"{bucket}.files"]
    for page in rekey.pages(stored, {"metadata.sealed": SEALED}, {"_id": 1}, batch):
        for doc in page:
            _reseal_file(mongo.db[f"{bucket}.chunks"], doc["_id"], keys, tally)
    return tally


def _reseal_file(chunks: Any, file_id: Any, keys: str, tally: rekey.Tally) -> None:
    read, written = b"", b""  # the file's bytes read and not yet parsed; re-sealed and not yet stored
    waiting: deque[tuple[Any, bytes]] = deque()  # chunks read and not yet stored again, in order
    pieces = 0
    for chunk in chunks.find({"files_id": file_id}, {"data": 1}).sort("n", 1):
        waiting.append((chunk["_id"], bytes(chunk["data"])))
        read += waiting[-1][1]
        while len(read) >= _LENGTH.size and len(read) >= _LENGTH.size + _LENGTH.unpack_from(read)[0]:
            end = _LENGTH.size + _LENGTH.unpack_from(read)[0]
            token = read[_LENGTH.size : end]
            try:
                again = crypto.rotate_token(keys, base64.urlsafe_b64encode(token))
            except DecryptionError:
                tally.unreadable += 1
                return
            if again is not None:
                token, pieces = base64.urlsafe_b64decode(again), pieces + 1
            written += read[: _LENGTH.size] + token
            read = read[end:]
        while waiting and len(written) >= len(waiting[0][1]):
            chunk_id, was = waiting.popleft()
            now, written = written[: len(was)], written[len(was) :]
            if now == was:
                continue
            if not rekey.write_unchanged(
                chunks, [rekey.Rewrite(chunk_id, {"data": was}, {"data": now}, 0)], tally
            ):
                return
    if pieces:
        tally.resealed += 1
