"""lockstep: find accounts that act in concert, with the evidence.

``lockstep.detect`` runs what ``lockstep detect`` runs, on files or on a
DataFrame, and returns a :class:`Run` whose tables are pyarrow Tables::

    import lockstep
    run = lockstep.detect("russian_coord_tweets.csv", semantics="coortweet")
    run.summary["coordinated"]      # {'edges': 60, 'vertices': 94, ...}
    run.edges.to_pandas()           # or polars.from_arrow(run.edges)

Options are the CLI's flags by name (``--min-participation 2`` is
``min_participation=2``), with the CLI's defaults and messages. Columns
and their meaning: docs/outputs.md of the lockstep repository.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.compute as pc

from . import _lockstep
from ._lockstep import LockstepError

__all__ = ["detect", "Run", "LockstepError", "__version__"]
__version__: str = _lockstep.__version__

PathLike = Union[str, "os.PathLike[str]"]

# The run folder's tables, in its order (``Run.tables`` lists a run's own).
_TABLES = (
    "pairs",
    "edges",
    "accounts",
    "clusters",
    "campaigns",
    "campaign_signals",
    "talking_points",
    "cluster_fingerprints",
    "bio_clusters",
    "near_text_pairs",
)

_ARROW_TYPES = {
    "large_string": pa.large_string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "timestamp_us_utc": pa.timestamp("us", tz="UTC"),
    "date32": pa.date32(),
}

# Flags of `lockstep detect` that are about the command line, not the run.
_NOT_OPTIONS = {"out": "use Run.save(dir)", "explain": "not for the Python API",
                "quiet": "use progress=False"}


def _flags(options: Mapping[str, Any]) -> list[str]:
    """Keyword options as the CLI's flags: ``min_participation=2`` is
    ``--min-participation 2``; True is the bare flag, False and None leave it
    out; a list or tuple is joined with commas; a mapping (``map=``) is
    ``KEY=VALUE,...``."""
    args: list[str] = []
    for name, value in options.items():
        if name in _NOT_OPTIONS:
            raise TypeError(f"detect() got `{name}`: {_NOT_OPTIONS[name]}")
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
            continue
        if isinstance(value, Mapping):
            value = ",".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, os.PathLike):
            value = os.fspath(value)
        args += [flag, str(value)]
    return args


def _to_arrow(source: Any) -> Optional[pa.Table]:
    """A DataFrame or Arrow table as a pyarrow Table; None for paths."""
    if isinstance(source, pa.Table):
        return source
    if isinstance(source, pa.RecordBatch):
        return pa.Table.from_batches([source])
    module = type(source).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(source, preserve_index=False)
    if module == "polars":
        return source.to_arrow()
    if hasattr(source, "__arrow_c_stream__"):
        return pa.table(source)
    return None


def _as_text(col: pa.ChunkedArray) -> pa.Array:
    """A column as the text its CSV would hold: numbers as pyarrow writes
    them (as pandas' ``to_csv`` does: seconds with their fraction), times in
    ISO 8601 (UTC when the column has a zone; a naive time is taken as UTC,
    as the CLI takes one), nulls as empty cells."""
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = col.type
    if pa.types.is_timestamp(t):
        col = col.cast(pa.timestamp("us", tz="UTC" if t.tz is not None else None))
    text = pc.fill_null(col.cast(pa.large_string()), "")
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _columns(table: pa.Table) -> list[tuple]:
    """Each column's Arrow buffers: whole numbers as they are (ids and
    UNIX times, written in decimal by the reader), anything else as text."""
    out = []
    for name, col in zip(table.column_names, table.columns):
        whole = pa.types.is_signed_integer(col.type) or col.type in (
            pa.uint8(), pa.uint16(), pa.uint32())
        if whole and col.null_count == 0:
            arr = col.cast(pa.int64()).combine_chunks()
            out.append((str(name), "int64", arr.offset, len(arr),
                        arr.buffers()[1].to_pybytes(), b""))
            continue
        arr = _as_text(col)
        _, offsets, data = arr.buffers()
        out.append((str(name), "text", arr.offset, len(arr), offsets.to_pybytes(),
                    b"" if data is None else data.to_pybytes()))
    return out


class _Progress:
    """Progress on stderr: a tqdm bar where tqdm is installed (notebooks get
    its widget), else one line rewritten in place."""

    def __init__(self) -> None:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self._tqdm = tqdm
        self._bar = None
        self._stage = ""

    def __call__(self, kind: str, a: Any, b: int, c: Optional[int]) -> None:
        if kind == "stage":
            if a == "done":
                self.close()
                return
            self._stage = a
            if self._bar is not None:
                self._bar.set_description(a)
            else:
                self._line(a)
        elif kind == "reading":
            if self._tqdm is not None:
                if self._bar is None:
                    self._bar = self._tqdm(desc="reading", unit=" records", leave=False)
                self._bar.update(a - self._bar.n)
            else:
                self._line(f"reading: {a:,} records")

    def _line(self, text: str) -> None:
        sys.stderr.write(f"\r{text:<60}")
        sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._stage:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def _interactive() -> bool:
    if "ipykernel" in sys.modules:
        return True
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def detect(
    source: Union[PathLike, Sequence[PathLike], Any],
    *,
    map: Optional[Union[Mapping[str, str], str]] = None,
    progress: Union[bool, Callable[..., None], None] = None,
    **options: Any,
) -> "Run":
    """Runs ``lockstep detect`` and returns its results in memory.

    ``source`` is a path (any format and input the CLI reads: a file, a
    folder, a glob, a dataset folder), a list of paths, or a table: a
    pandas or polars DataFrame, or a pyarrow Table. A table is read as the
    shares CSV of its columns: CooRTweet's ``object_id, account_id,
    content_id, timestamp_share``, or any columns named by ``map`` (roles
    ``account``, ``content``, ``timestamp``, ``platform``, ``object``, or a
    layer such as ``url``). Times may be datetimes, UNIX seconds or text.

    ``options`` are the CLI's flags (``window=60``, ``semantics="coortweet"``,
    ``fdr=0.05``, ``layers=["url", "hashtag"]``, ``all_pairs=True``): the
    same defaults, and the same messages for bad values (a ``ValueError``).
    Bad input raises :class:`LockstepError` with the CLI's message (file,
    line, field; a table's row ``i`` is line ``i + 2``, as in its CSV).

    ``progress``: a bar on stderr (tqdm's where installed) when True, or by
    default when interactive; a callable gets ``(kind, a, b, c)``. The run
    releases the GIL, and Ctrl-C stops it (``KeyboardInterrupt``).
    """
    if map is not None:
        options["map"] = map
    table = _to_arrow(source)
    if table is None:
        paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
        args = [os.fspath(p) for p in paths]
        columns = None
    else:
        if table.num_rows == 0:
            raise LockstepError("the table has no rows")
        args = ["DataFrame"]
        columns = _columns(table)
    # Results stay in memory: the output folder is not used.
    args += _flags(options) + ["--out", os.devnull]
    if progress is None:
        progress = _interactive()
    shown = _Progress() if progress is True else None
    callback = shown if shown is not None else (progress if callable(progress) else None)
    try:
        inner = _lockstep.detect(args, columns, "DataFrame", callback)
    finally:
        if shown is not None:
            shown.close()
    return Run(inner)


def _array(ty: str, rows: int, valid: Optional[bytes], values: bytes,
           offsets: Optional[bytes]) -> pa.Array:
    buffers = [None if valid is None else pa.py_buffer(valid)]
    if offsets is not None:
        buffers.append(pa.py_buffer(offsets))
    buffers.append(pa.py_buffer(values))
    return pa.Array.from_buffers(_ARROW_TYPES[ty], rows, buffers)


class Run:
    """The results of one run, in memory: its tables as pyarrow Tables
    (``run.edges``, ``run.table("pairs")``), ``summary`` as in
    ``summary.json``, ``graph()``, ``save(dir)`` and ``report(path)``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._cache: dict[str, pa.Table] = {}
        self._saved: Optional[Path] = None

    @property
    def tables(self) -> list[str]:
        """The names of this run's tables, in the run folder's order."""
        return list(self._inner.tables())

    def table(self, name: str) -> pa.Table:
        """Table ``name`` (``"pairs"``, ``"edges"``, ...) with the columns
        and types of its Parquet file (docs/outputs.md)."""
        if name not in self._cache:
            columns = self._inner.table(name)
            arrays = [_array(ty, rows, valid, values, offsets)
                      for (_, ty, rows, valid, values, offsets) in columns]
            self._cache[name] = pa.Table.from_arrays(arrays, names=[c[0] for c in columns])
        return self._cache[name]

    pairs = property(lambda self: self.table("pairs"), doc="The coordinated action pairs.")
    edges = property(lambda self: self.table("edges"), doc="The account pairs.")
    accounts = property(lambda self: self.table("accounts"), doc="The accounts with an edge.")
    clusters = property(lambda self: self.table("clusters"), doc="The clusters.")
    campaigns = property(lambda self: self.table("campaigns"), doc="Each cluster's campaign score.")
    campaign_signals = property(lambda self: self.table("campaign_signals"),
                                doc="Each signal measured in a cluster.")
    talking_points = property(lambda self: self.table("talking_points"),
                              doc="What each cluster pushed on a day.")
    cluster_fingerprints = property(lambda self: self.table("cluster_fingerprints"),
                                    doc="Each cluster's factory fingerprints.")

    @property
    def summary(self) -> dict:
        """``summary.json``'s contents: parameters, inputs, counts, timings."""
        return json.loads(self._inner.summary_json())

    def graph(self, coordinated: bool = True):
        """A networkx Graph: the accounts (with their accounts.csv columns)
        joined by their edges (with their edges.csv columns); with
        ``coordinated`` (default), only the edges over the threshold and
        their accounts."""
        import networkx as nx

        g = nx.Graph()
        edges = self.edges.to_pylist()
        if coordinated:
            edges = [e for e in edges if e["over_threshold"]]
        keep = {e["account_a"] for e in edges} | {e["account_b"] for e in edges}
        for row in self.accounts.to_pylist():
            if not coordinated or row["account"] in keep:
                g.add_node(row["account"], **{k: v for k, v in row.items() if k != "account"})
        for e in edges:
            g.add_edge(e["account_a"], e["account_b"],
                       **{k: v for k, v in e.items() if k not in ("account_a", "account_b")})
        return g

    def save(self, dir: PathLike) -> list[str]:
        """Writes the run folder ``lockstep detect --out DIR`` writes (CSV
        tables, graphs, summary.json); returns the files written."""
        written = self._inner.save(os.fspath(dir))
        self._saved = Path(dir)
        return written

    def report(self, path: Optional[PathLike] = None, all_clusters: bool = False) -> str:
        """Writes the HTML report (``lockstep report``): into the saved run
        folder when ``path`` is None, else to ``path``; returns its path."""
        if path is None:
            if self._saved is None:
                raise ValueError("save the run first (run.save(dir)), or give a path")
            return _lockstep.report(os.fspath(self._saved), all_clusters)
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp) / "run"
            self._inner.save(os.fspath(run_dir))
            written = _lockstep.report(os.fspath(run_dir), all_clusters)
            shutil.copyfile(written, path)
        return os.fspath(path)

    def __repr__(self) -> str:
        s = self.summary
        c = s.get("coordinated", {})
        return (f"<lockstep.Run: {s['detection']['pairs']:,} pairs, "
                f"{c.get('edges', 0):,} coordinated edges, {c.get('vertices', 0):,} accounts "
                f"in {c.get('clusters', 0):,} clusters>")
