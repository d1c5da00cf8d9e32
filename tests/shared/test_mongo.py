import os

from shared.mongo import mongo


def test_a_forked_child_gets_its_own_working_client(db):
    db.fork_check.insert_one({"_id": "parent"})
    parent_client = mongo.client
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: must not reuse the parent's sockets
        try:
            ok = (
                mongo.client is not parent_client
                and mongo.db.fork_check.find_one({"_id": "parent"}) is not None
            )
            mongo.db.fork_check.insert_one({"_id": "child"})
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.waitpid(pid, 0)
    assert mongo.client is parent_client
    assert db.fork_check.count_documents({}) == 2
