"""Types of the extension module (crates/lockstep-python/src/lib.rs); the API
to call is lockstep.detect and lockstep.Run."""

from typing import Callable, Optional, Sequence

__version__: str

class LockstepError(ValueError): ...

# (name, "text" | "int64", offset, length, first buffer, second buffer)
InputColumn = tuple[str, str, int, int, bytes, bytes]
# (name, Arrow type name, rows, validity bitmap, values, offsets)
OutputColumn = tuple[str, str, int, Optional[bytes], bytes, Optional[bytes]]

class Run:
    def tables(self) -> list[str]: ...
    def table(self, name: str) -> list[OutputColumn]: ...
    def summary_json(self) -> str: ...
    def save(self, dir: str) -> list[str]: ...

def detect(
    args: Sequence[str],
    table: Optional[Sequence[InputColumn]] = None,
    table_name: str = "DataFrame",
    progress: Optional[Callable[[str, object, int, Optional[int]], None]] = None,
) -> Run: ...
def report(dir: str, all_clusters: bool = False) -> str: ...
