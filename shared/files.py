"""Files in GridFS (export archives now, report PDFs later): store, open and delete without orphans."""

from __future__ import annotations

from typing import IO, Any

from gridfs import GridFSBucket, GridOut
from gridfs.errors import NoFile

from shared.mongo import mongo


def _bucket(bucket: str) -> GridFSBucket:
    return GridFSBucket(mongo.db, bucket_name=bucket)


def put(
    bucket: str,
    file_id: str,
    source: IO[bytes],
    filename: str,
    metadata: dict[str, Any],
    *,
    fresh: bool = False,
) -> None:
    """Store `source` under a fixed id; a file left by an earlier, interrupted attempt is replaced.
    `fresh=True` when the caller knows the id was never used (it names a claimed attempt): replacing
    costs a query on the chunks, which FerretDB answers by reading every chunk in the bucket."""
    if not fresh:
        delete(bucket, file_id)
    _bucket(bucket).upload_from_stream_with_id(file_id, filename, source, metadata=metadata)


def open_file(bucket: str, file_id: str) -> GridOut | None:
    try:
        return _bucket(bucket).open_download_stream(file_id)
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
