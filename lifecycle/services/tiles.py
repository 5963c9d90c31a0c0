"""The log as C2SP tlog-tiles files: writing tiles, bundles and the checkpoint; reading them back.

Files go through a Django storage backend (LOG_TILE_STORAGE: a local folder by default, any
S3-compatible bucket through django-storages), so a web server or a bucket can serve them as
they are. A full tile never changes once written; a partial tile of a given width never changes
either (the same hashes at the same places), so every file is cached forever by readers here.
"""

import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.dispatch import receiver
from django.utils.module_loading import import_string

from lifecycle import merkle
from lifecycle.models import LogLeaf, LogNode
from lifecycle.tiles import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileNodes,
    bundle_encode,
    level_count,
    parse_path,
    tile_path,
    tiles_for,
)

logger = logging.getLogger(__name__)

# Where the tiles are written up to, with the root at that size: if the database is ever
# replaced under the same folder, the roots differ and the tiles are rewritten from zero.
WATERMARK = "tile-size"
CHECKPOINT = "checkpoint"


@functools.cache
def tile_storage():
    """The storage holding the tiles, built from LOG_TILE_STORAGE."""
    config = settings.LOG_TILE_STORAGE
    return import_string(config["BACKEND"])(**config.get("OPTIONS", {}))


@receiver(setting_changed)
def _storage_reset(*, setting: str, **kwargs) -> None:
    if setting == "LOG_TILE_STORAGE":
        tile_storage.cache_clear()
        _cache.clear()
        _heights.clear()
        _roots.clear()
        _seen["written"] = 0


def _write(name: str, content: bytes) -> None:
    storage = tile_storage()
    if storage.exists(name):
        # Backends that never overwrite would otherwise save under a new, unserved name.
        storage.delete(name)
    storage.save(name, ContentFile(content))


def _read(name: str) -> bytes | None:
    storage = tile_storage()
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def tiles_written() -> tuple[int, bytes | None]:
    """The size the tiles are written for and the root at that size, (0, None) before any."""
    raw = _read(WATERMARK)
    try:
        size, root = raw.decode("ascii").split()
        if len(root) != 2 * HASH_SIZE:
            raise ValueError("a root is 32 bytes")
        return int(size), bytes.fromhex(root)
    except (AttributeError, ValueError):
        # None before any write; torn if read while a writer replaces it (writers hold the
        # tiles' lock, so only a reader can see that): the tiles are then taken to cover
        # nothing, and proofs come from the database.
        return 0, None


def log_tiles_write(*, size: int) -> int:
    """Writes the tiles and entry bundles of the tree of `size` leaves; returns files written.

    Tile writers are serialised by a lock of their own (see _lock_tiles), not by the log lock:
    leaves and their nodes never change once committed, so a long write (many tiles at once,
    or a remote bucket) holds up no integration. Only what changed since the last written size
    is written; the partial tiles of earlier sizes stay until their tile is full (a client may
    still hold a checkpoint that needs them), then are removed. A writer that read `size`
    before another writer got further has nothing left to write. The log's size is read after
    the lock is granted, which under READ COMMITTED (the project's isolation) sees every
    earlier writer's leaves.
    """
    from lifecycle.services.log import log_root, log_size

    with transaction.atomic():
        _lock_tiles()
        since, root = tiles_written()
        # Tiles beyond the log, or of another tree, mean the database was replaced under the
        # same folder: they are rewritten from zero.
        if since and (since > log_size() or root != log_root(since)):
            logger.warning("tile storage does not match the log at size %s: rewriting", since)
            since = 0
        if since >= size:
            return 0
        written = 0
        for level, index, width in tiles_for(size, since):
            written += _tile_write(level, index, width)
        _write(WATERMARK, f"{size} {log_root(size).hex()}\n".encode("ascii"))
    return written


def _lock_tiles() -> None:
    """Serialises the writers of tile files until the caller's transaction ends.

    A lock of its own, taken after the log lock where both are held (by checkpoint_publish)
    and never held into it, so the two cannot deadlock. SQLite has one writer at a time already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The two-key form: its key space is apart from the single keys taken elsewhere.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('lifecycle'), hashtext('log tiles'))"
            )


def _tile_write(level: int, index: int, width: int) -> int:
    """Writes one tile (and, at level 0, its entry bundle) from the stored nodes and leaves."""
    first = index * TILE_WIDTH
    nodes = LogNode.objects.filter(
        level=level * TILE_HEIGHT, index__gte=first, index__lt=first + width
    ).order_by("index")
    hashes = [bytes(digest) for digest in nodes.values_list("hash", flat=True)]
    if len(hashes) != width:
        raise RuntimeError(f"log nodes missing for tile {tile_path(level, index, width)}")
    _write(tile_path(level, index, width), b"".join(hashes))
    written = 1
    if level == 0:
        leaves = LogLeaf.objects.filter(index__gte=first, index__lt=first + width)
        data = [bytes(d) for d in leaves.order_by("index").values_list("data", flat=True)]
        _write(tile_path("entries", index, width), bundle_encode(data))
        written += 1
    if width == TILE_WIDTH:
        _partials_remove(level, index)
        if level == 0:
            _partials_remove("entries", index)
    return written


def _partials_remove(level: int | str, index: int) -> None:
    storage = tile_storage()
    folder = tile_path(level, index) + ".p"
    try:
        _, names = storage.listdir(folder)
    except (FileNotFoundError, OSError):
        return
    for name in names:
        storage.delete(f"{folder}/{name}")


def checkpoint_file_write(note_text: str) -> None:
    """Publishes the signed note at /checkpoint.

    Written at once rather than on commit: the note is a true statement about leaves already
    committed, so even if the transaction recording it rolls back, serving it misleads nobody.
    """
    _write(CHECKPOINT, note_text.encode())


def checkpoint_file() -> bytes | None:
    """The note served at /checkpoint, or None before the first publish that wrote one."""
    return _read(CHECKPOINT)


def tile_read(path: str) -> bytes | None:
    """A tile or bundle by its canonical path, from the in-process cache or the storage.

    A hash tile read back shorter or longer than its width (caught while a writer replaced
    it) is taken as not written, never kept: the next read finds the whole file.
    """
    data = _cache.get(path)
    if data is None:
        data = _read(path)
        if data is None or not _whole(path, data):
            return None
        _cache.put(path, data)
    return data


def _whole(path: str, data: bytes) -> bool:
    level, _, width = parse_path(path)
    return level == "entries" or len(data) == width * HASH_SIZE


class _Cache:
    """A bounded LRU under keys whose content never changes (tile paths, tiles, sizes)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, object] = OrderedDict()

    def get(self, key: Hashable):
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


# 4,096 tiles of 8 KiB: 32 MiB holds every tile a proof touches in a log of 10^6 leaves.
_cache = _Cache(4096)


def tile_nodes(*, written: int) -> TileNodes:
    """Node hashes of the tree read from the tiles written for `written` leaves."""

    def fetch(level: int, index: int) -> bytes:
        count = level_count(written, level)
        if index < count // TILE_WIDTH:
            data = tile_read(tile_path(level, index))
        else:
            data = tile_read(tile_path(level, index, count % TILE_WIDTH))
        if data is None:
            raise KeyError((level, index))
        return data

    return TileNodes(fetch, memo=_heights)


# The hashes inside tiles at every height, by tile: nodes never change, and without this a
# proof rehashes the 255 pairs of its leaf's tile. Each entry holds its tile (shared with the
# cache above while both keep it) and 8 KiB more: 4,096 tiles take 32 to 64 MiB.
_heights = _Cache(4096)

# Roots by size, computed from tiles: a tree of a given size has one root, and a proof's
# root would otherwise read and fold up to 20 nodes at the right edge of the tree.
_roots = _Cache(1024)

# The size the tiles were last seen written for, in this process. Tiles only ever grow, so a
# proof within it can be read from tiles without asking the storage again; a larger size, or a
# partial tile gone since (its tile filled), makes it look again.
_seen = {"written": 0}


def tiles_cover(size: int) -> bool:
    """True if the tiles hold the tree of `size` leaves (asking the storage only if unsure)."""
    if size > _seen["written"]:
        _seen["written"] = tiles_written()[0]
    return size <= _seen["written"]


def _from_tiles[T](size: int, compute: Callable[[Mapping], T]) -> T | None:
    """compute(nodes) over the tiles holding `size` leaves; None where they do not hold it."""
    for attempt in range(2):
        if attempt:
            _seen["written"] = tiles_written()[0]
        if not tiles_cover(size):
            return None
        try:
            return compute(tile_nodes(written=_seen["written"]))
        except KeyError:
            # A partial tile removed since its tile filled: look at the storage once more.
            continue
    return None


def _tile_root(size: int, nodes: Mapping) -> bytes:
    root = _roots.get(size)
    if root is None:
        root = merkle.root(size, nodes)
        _roots.put(size, root)
    return root


def tile_inclusion(index: int, size: int) -> tuple[bytes, list[bytes], bytes]:
    """Leaf hash, RFC 9162 inclusion proof and root for leaf `index` in the tree of `size`.

    Read from tiles where written (no query); else the nodes come in one query.
    """

    def compute(nodes: Mapping) -> tuple[bytes, list[bytes], bytes]:
        return (
            nodes[(0, index)],
            merkle.inclusion_proof(index, size, nodes),
            _tile_root(size, nodes),
        )

    found = _from_tiles(size, compute)
    if found is not None:
        return found
    nodes = _fetch_nodes([(0, index)], merkle.inclusion_plan(index, size), merkle.root_plan(size))
    return nodes[(0, index)], merkle.inclusion_proof(index, size, nodes), merkle.root(size, nodes)


def tile_consistency(first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
    """RFC 9162 consistency proof between trees of `first` and `second`, with both roots.

    Read from tiles where written (no query); else the nodes come in one query.
    """

    def compute(nodes: Mapping) -> tuple[list[bytes], bytes, bytes]:
        proof = merkle.consistency_proof(first, second, nodes)
        return proof, _tile_root(first, nodes), _tile_root(second, nodes)

    found = _from_tiles(second, compute)
    if found is not None:
        return found
    nodes = _fetch_nodes(
        merkle.consistency_plan(first, second), merkle.root_plan(first), merkle.root_plan(second)
    )
    proof = merkle.consistency_proof(first, second, nodes)
    return proof, merkle.root(first, nodes), merkle.root(second, nodes)


def _fetch_nodes(*plans: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    from lifecycle.services.log import fetch_nodes

    return fetch_nodes({node for plan in plans for node in plan})
