"""Type stubs for the compiled session core (src/_txcore.pyx)."""

from typing import Any, Callable, Final, NoReturn, Optional

from typing_extensions import disjoint_base

TXN_NONE: int
TXN_STARTING: int
TXN_IN_PROGRESS: int
TXN_COMMITTED: int
TXN_COMMITTED_EMPTY: int
TXN_ABORTED: int
STATE_NAMES: dict[int, str]

RETRY_TRANSACTION: str
RETRY_COMMIT: str
RAISE: str
GIVE_UP: str

DEFAULT_WINDOW: float
BACKOFF_INITIAL: float
BACKOFF_MAX: float
BACKOFF_GROWTH: float

class CoreDisagreement(AssertionError): ...

@disjoint_base
class SessionCore:
    # Read-only at run time (properties and Cython ``readonly`` attributes).
    state: Final[int]
    ended: Final[bool]
    snapshot: Final[bool]
    start_pending: Final[bool]
    pending_options: Final[Any]
    in_transaction: Final[bool]
    in_use: Final[bool]
    def __init__(self, snapshot: bool = ...) -> None: ...
    def check_usable(self) -> None: ...
    def begin_transaction(self, options: Any, pending: bool = ...) -> None: ...
    def enter_operation(self) -> Any: ...
    def refuse_concurrent_operation(self) -> NoReturn: ...
    def leave_operation(self, pymongo_state: int) -> None: ...
    def take_pending_start(self) -> Any: ...
    def abandon_pending_start(self, pymongo_state: int) -> None: ...
    def check_commit(self) -> None: ...
    def begin_commit(self) -> Any: ...
    def begin_abort(self, force: bool = ...) -> Any: ...
    def check_abort(self) -> None: ...
    def observe(self, pymongo_state: int) -> None: ...
    def end(self) -> None: ...

def set_retry_policy(
    clock: Optional[Callable[[], float]] = ...,
    jitter: Optional[Callable[[], float]] = ...,
    window: Optional[float] = ...,
) -> tuple[Any, Any, Any]: ...
def restore_retry_policy(old: tuple[Any, Any, Any]) -> None: ...
def get_retry_policy() -> tuple[Callable[[], float], Callable[[], float], float]: ...
def backoff_ceiling(retry: int) -> float: ...

@disjoint_base
class RetryLoop:
    # Read-only at run time (Cython ``readonly`` attributes).
    started_at: Final[float]
    window: Final[float]
    csot: Final[bool]
    attempt: Final[int]
    commit_attempts: Final[int]
    total_backoff: Final[float]
    last_error: Final[Optional[BaseException]]
    def __init__(
        self,
        window: Optional[float] = ...,
        csot: bool = ...,
        clock: Optional[Callable[[], float]] = ...,
        jitter: Optional[Callable[[], float]] = ...,
    ) -> None: ...
    def elapsed(self) -> float: ...
    def next_attempt(self) -> float: ...
    def on_callback_error(self, exc: BaseException) -> str: ...
    def on_commit_error(self, exc: BaseException) -> str: ...
