"""Services never import each other; they share only `shared/`."""

import ast
from collections.abc import Iterator
from pathlib import Path

from pymongo.database import Database

from tests.support.servers import ROOT

SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_services_import_only_themselves_and_shared():
    assert SERVICES == ["ingestion", "notification", "workers"]
    offenders = []
    for service in SERVICES:
        for path in (ROOT / "services" / service).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != service:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
                if parts[0] in {"tests", "devtools"}:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not offenders


def test_shared_imports_no_service():
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "shared").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in {"services", "tests", "devtools"}
    ]
    assert not offenders


# One owner per store: every collection and GridFS bucket is opened from exactly one module, through its
# owner's constant. An opening is `mongo.db[NAME]` (or `db[NAME]`), `db.get_collection(NAME)`,
# `mongo.db.name`, `GridFSBucket(db, bucket_name=NAME)`, or a shared/files.py call naming a bucket. NAME
# is followed through constants and imports to the store it names. Only GENERIC modules open a store by a
# name they are handed.

GENERIC = {
    "shared.userdata": "export and erasure walk the registry of places, by each row's collection",
    "shared.files": "the GridFS store itself: every bucket's files and chunks, by the bucket it is given",
    "services.notification.email.attachments": "an email's attachments, from the bucket its record names",
    "shared.summaries": "one bulk-write helper for the module's own collections, handed one of them",
}
FILES = "shared.files"
FILE_CALLS = {"put", "open_file", "delete", "delete_where", "reseal"}  # shared/files.py: the bucket first
IMPORTED_FILE_CALLS = {(FILES, name) for name in FILE_CALLS}
GRIDFS = {"GridFSBucket", "GridFS"}


class Source:
    """A module's parse tree, its module-level assignments and what its imported names stand for."""

    def __init__(self, name: str, text: str, known: set[str]) -> None:
        self.name = name
        self.tree = ast.parse(text, filename=name)
        self.assigned: dict[str, ast.expr] = {}
        self.modules: dict[str, str] = {}  # alias -> module
        self.names: dict[str, tuple[str, str]] = {}  # alias -> (module, name in it)
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._assign(target, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                self._assign(node.target, node.value)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    if whole in known:
                        self.modules[alias.asname or alias.name] = whole
                    else:
                        self.names[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.Import):
                self.modules |= {alias.asname: alias.name for alias in node.names if alias.asname}

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.assigned[target.id] = value
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for name, item in zip(target.elts, value.elts, strict=False):
                self._assign(name, item)


class Codebase:
    """The modules under services/ and shared/ of a checkout, parsed on demand."""

    def __init__(self, root: Path) -> None:
        paths = sorted([*(root / "services").rglob("*.py"), *(root / "shared").rglob("*.py")])
        self.paths = {
            ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p for p in paths
        }
        self._parsed: dict[str, Source] = {}

    def source(self, name: str) -> Source | None:
        if name in self.paths and name not in self._parsed:
            self._parsed[name] = Source(name, self.paths[name].read_text(), set(self.paths))
        return self._parsed.get(name)

    def resolve(self, module: Source | None, node: ast.expr, depth: int = 0) -> str | None:
        """The string `node` stands for, through constants and imports; None when it is not fixed."""
        value = None
        if module is None or depth > 10:
            pass
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
        elif isinstance(node, ast.Name) and node.id in module.assigned:
            value = self.resolve(module, module.assigned[node.id], depth + 1)
        elif isinstance(node, ast.Name) and node.id in module.names:
            other, name = module.names[node.id]
            value = self.resolve(self.source(other), ast.Name(name), depth + 1)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            other = self.source(module.modules.get(node.value.id, ""))
            value = self.resolve(other, ast.Name(node.attr), depth + 1)
        elif isinstance(node, ast.JoinedStr):
            parts = [
                self.resolve(module, part.value if isinstance(part, ast.FormattedValue) else part, depth + 1)
                for part in node.values
            ]
            value = None if None in parts else "".join(parts)
        return value

    def survey(self) -> tuple[dict[str, set[str]], list[str], dict[str, list[int]]]:
        """The modules opening each store; the openings by a bare string; the openings by a name that
        does not resolve (module -> lines)."""
        owners: dict[str, set[str]] = {}
        bare: list[str] = []
        unresolved: dict[str, list[int]] = {}
        for name in self.paths:
            module = self.source(name)
            for line, kind, named in openings(module):
                value = self.resolve(module, named)
                if literal(named):
                    bare.append(f"{name}:{line} opens {value!r} by a bare string")
                if value is None:
                    unresolved.setdefault(name, []).append(line)
                else:
                    owners.setdefault(store_name(kind, value), set()).add(name)
        return owners, bare, unresolved


def is_database(node: ast.expr) -> bool:
    """`mongo.db`, `app.db` or a local `db`."""
    return (isinstance(node, ast.Attribute) and node.attr == "db") or (
        isinstance(node, ast.Name) and node.id == "db"
    )


def openings(module: Source) -> Iterator[tuple[int, str, ast.expr]]:
    """(line, "collection" or "bucket", the expression naming it) for every store the module opens."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Subscript) and is_database(node.value):
            yield node.lineno, "collection", node.slice
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "db"
        ):
            if not hasattr(Database, node.attr):  # `mongo.db.users`
                yield node.lineno, "collection", ast.Constant(node.attr)
        elif isinstance(node, ast.Call):
            yield from _called(module, node)


def _called(module: Source, call: ast.Call) -> Iterator[tuple[int, str, ast.expr]]:
    func = call.func
    if isinstance(func, ast.Attribute) and call.args:
        if func.attr == "get_collection" and is_database(func.value):
            yield call.lineno, "collection", call.args[0]
        owner = module.modules.get(func.value.id) if isinstance(func.value, ast.Name) else None
        if func.attr in FILE_CALLS and owner == FILES:
            yield call.lineno, "bucket", call.args[0]
    elif isinstance(func, ast.Name) and call.args and module.names.get(func.id) in IMPORTED_FILE_CALLS:
        yield call.lineno, "bucket", call.args[0]  # `from shared.files import put`
    if getattr(func, "attr", getattr(func, "id", None)) in GRIDFS:
        for keyword in call.keywords:
            if keyword.arg in {"bucket_name", "collection"}:
                yield call.lineno, "bucket", keyword.value


def literal(node: ast.expr) -> bool:
    """Written out where it is opened: a string, or an f-string of nothing but text."""
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(part, ast.Constant) for part in node.values)
    return isinstance(node, ast.Constant)


def store_name(kind: str, name: str) -> str:
    """ "collection x", or "GridFS bucket x" (for the bucket and for its x.files and x.chunks)."""
    bucket, _, part = name.rpartition(".")
    if kind == "bucket" or (bucket and part in {"files", "chunks"}):
        return f"GridFS bucket {name if kind == 'bucket' else bucket}"
    return f"collection {name}"


def test_each_store_is_opened_by_one_module():
    owners, _, _ = Codebase(ROOT).survey()
    assert {"collection users", "collection reports", "GridFS bucket reports"} <= set(owners)  # it sees them
    shared = {store: sorted(modules) for store, modules in owners.items() if len(modules) > 1}
    assert not shared, f"opened from more than one module (give each store one owner): {shared}"


def test_stores_are_opened_by_name_through_a_constant():
    _, bare, unresolved = Codebase(ROOT).survey()
    assert not bare, f"name the store once, in a constant of its owner: {bare}"
    stray = {module: lines for module, lines in unresolved.items() if module not in GENERIC}
    assert not stray, f"opened by a name that does not resolve to a store, outside {sorted(GENERIC)}: {stray}"


def test_the_survey_follows_names_through_imports_and_sees_every_way_of_opening(tmp_path):
    written = {
        "shared/things.py": """
COLLECTION = "things"
BUCKET = "pictures"
def add(doc):
    mongo.db[COLLECTION].insert_one(doc)
""",
        "shared/files.py": """
def put(bucket, file_id):
    pass
""",
        "services/a/repository.py": """
from shared import files, things
from shared.things import COLLECTION
def find():
    db = mongo.db
    return db[COLLECTION].find_one()
def picture():
    files.put(things.BUCKET, "x")
""",
        "services/b/service.py": """
from shared.files import put
from shared.things import BUCKET as PICTURES
def count():
    return mongo.db.things.count_documents({})
def store():
    put(PICTURES, "y")
    mongo.db[f"{PICTURES}.chunks"].find()
""",
        "services/c/other.py": """
def fetch(name):
    return mongo.db["others"], mongo.db[name]
""",
    }
    for path, text in written.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)

    owners, bare, unresolved = Codebase(tmp_path).survey()

    assert owners == {
        "collection things": {"shared.things", "services.a.repository", "services.b.service"},
        "GridFS bucket pictures": {"services.a.repository", "services.b.service"},
        "collection others": {"services.c.other"},
    }
    assert bare == [
        "services.b.service:5 opens 'things' by a bare string",
        "services.c.other:3 opens 'others' by a bare string",
    ]
    assert unresolved == {"services.c.other": [3]}


# Stores that earlier versions wrote and nothing opens now: the privacy registry still erases them.
LEGACY = {"collection sign_in_code_uses", "collection report_claims"}


def registry_rows(code: Codebase) -> Iterator[tuple[str, str, bool]]:
    """(where, store, named by a bare string) for each row of shared/userdata.py's registry."""
    module = code.source("shared.userdata")
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Place" and node.args:
            gridfs = any(k.arg == "gridfs" and getattr(k.value, "value", False) for k in node.keywords)
            name = code.resolve(module, node.args[0]) or "?"
            store = store_name("bucket" if gridfs else "collection", name)
            yield f"shared.userdata:{node.lineno} {store}", store, literal(node.args[0])


def test_the_privacy_registry_names_each_store_as_its_owner_does():
    code = Codebase(ROOT)
    owners, _, _ = code.survey()
    rows = list(registry_rows(code))
    assert len(rows) > 20  # it sees them
    unknown = [where for where, store, _ in rows if store not in owners and store not in LEGACY]
    assert not unknown, f"the registry names a store no module opens: {unknown}"
    owned_in_shared = {s for s, modules in owners.items() if any(m.startswith("shared.") for m in modules)}
    spelt_out = [where for where, store, bare in rows if bare and store in owned_in_shared]
    assert not spelt_out, f"name a store owned in shared/ by its owner's constant: {spelt_out}"
