"""Everything the platform stores, searched for what names one person: every document of every MongoDB
collection, every stored file (opened as the services open it), and every key and value of both Redis
databases the services use (the application's and the Celery broker's, message bodies decoded)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator

import redis as redis_lib
from bson import json_util
from pymongo.database import Database
from pypdf import PdfReader

from shared import files
from shared.settings import Settings


def _mongo_texts(db: Database, settings: Settings) -> Iterator[tuple[str, bytes]]:
    for name in db.list_collection_names():
        for doc in db[name].find():
            where = f"mongo {name} {doc.get('_id')!r}"
            yield where, json_util.dumps(doc).encode()
            if name.endswith(".chunks"):
                yield where, bytes(doc["data"])
        if name.endswith(".files"):
            bucket = name.removesuffix(".files")
            for doc in db[name].find({}, {"_id": 1}):
                stream = files.open_file(bucket, doc["_id"], settings.encryption_keys)
                yield f"file {bucket} {doc['_id']!r}", _readable(stream.read() if stream else b"")


def _readable(content: bytes) -> bytes:
    """A file's text as a reader sees it: a zip's members unpacked, a PDF's text extracted."""
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return b"\n".join(archive.read(name) for name in archive.namelist())
    if content.startswith(b"%PDF"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).encode()
    return content


def _decoded(value: bytes) -> Iterator[bytes]:
    """The value, and any Celery message body inside it (kombu stores bodies base64-encoded)."""
    yield value
    try:
        parsed = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("body"), str):
                with contextlib.suppress(binascii.Error, ValueError):
                    yield base64.b64decode(item["body"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_READERS: dict[bytes, Callable[[redis_lib.Redis, bytes], Iterable[bytes]]] = {
    b"string": lambda client, key: [client.get(key) or b""],
    b"hash": lambda client, key: [part for pair in client.hgetall(key).items() for part in pair],
    b"list": lambda client, key: client.lrange(key, 0, -1),
    b"set": lambda client, key: client.smembers(key),
    b"zset": lambda client, key: client.zrange(key, 0, -1),
    b"stream": lambda client, key: [
        part for _id, entry in client.xrange(key) for pair in entry.items() for part in pair
    ],
}


def _redis_values(client: redis_lib.Redis, key: bytes) -> Iterable[bytes]:
    return _READERS.get(client.type(key), lambda _client, _key: [])(client, key)


def _redis_texts(url: str) -> Iterator[tuple[str, bytes]]:
    client = redis_lib.Redis.from_url(url)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    for key in client.scan_iter(count=1000):
        where = f"redis db{db} {key!r}"
        yield where, key
        for value in _redis_values(client, key):
            for text in _decoded(value):
                yield where, text


def naming(db: Database, settings: Settings, needles: Iterable[str]) -> dict[str, set[str]]:
    """{needle: places holding it}, for each needle found anywhere (case-insensitively); {} when none is."""
    wanted = {needle: needle.lower().encode() for needle in needles if needle}
    found: dict[str, set[str]] = {}
    texts = [
        *_mongo_texts(db, settings),
        *_redis_texts(settings.redis_url),
        *_redis_texts(settings.broker_url),
    ]
    for where, text in texts:
        lowered = text.lower()
        for needle, raw in wanted.items():
            if raw in lowered:
                found.setdefault(needle, set()).add(where)
    return found
