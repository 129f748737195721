"""Stopping `engagement serve`, `consume` and `mail` when the operator asks, every time.

A signal handler runs in the main thread between two bytecodes of whatever it was doing, so
an exception raised from it lands anywhere. In waitress's loop that is often a channel's
handler, which catches it, logs "uncaptured python exception, closing channel" and goes on
serving: a SIGTERM that sometimes did nothing. So the handler here only records that a stop
was asked; waitress runs on its own thread, and the main thread, which polls the request,
closes it in order: no new connections, the requests in hand answered, then every connection
closed (waitress's loop ends when it has nothing left to watch). The caller then stops the
consumers after the batch in hand.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.server import BaseWSGIServer
from waitress.trigger import trigger as Trigger

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.2


class StopRequest:
    """Set by SIGTERM or SIGINT. The handler takes no lock and raises nothing: it cannot block
    or be swallowed, and a second signal while stopping changes nothing."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def install(self) -> StopRequest:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        self.signal = signum

    def wait(self, alive: Callable[[], bool]) -> bool:
        """Until a stop is asked (True), or ``alive()`` turns False first (False).

        Once asked, further signals are ignored: the stop is under way, and Python puts the
        default handlers back while the interpreter exits, so a second SIGTERM then would end
        a clean stop with -15 instead of 0."""
        while self.signal is None:
            if not alive():
                return False
            time.sleep(POLL_SECONDS)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)
        return True


def serve_until_stopped(server: Any, sockets: dict, stop: StopRequest, drain_seconds: float = 10) -> bool:
    """Run a waitress server (made with ``map=sockets``) until ``stop``; answer whether it was asked to."""
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    asked = stop.wait(thread.is_alive)
    close_waitress(server, sockets, thread, drain_seconds)
    return asked


def close_waitress(server: Any, sockets: dict, thread: threading.Thread, drain_seconds: float) -> None:
    """No new connections, let the requests in hand finish, then close the rest, in waitress's own loop."""
    bell = next((d for d in list(sockets.values()) if isinstance(d, Trigger)), None)
    if bell is None or not thread.is_alive():
        return
    _ring(bell, lambda: _close_listeners(sockets))
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=drain_seconds)
    _ring(bell, lambda: wasyncore.close_all(sockets))
    thread.join(drain_seconds)
    if thread.is_alive():  # the process exits anyway: the loop's thread is a daemon
        logger.warning("serve: waitress's loop did not end within %s s; exiting anyway", drain_seconds)


def _ring(bell: Trigger, thunk: Callable[[], None]) -> None:
    """Run ``thunk`` in waitress's loop; a bell already closed means the loop is closing itself."""
    try:
        bell.pull_trigger(thunk)
    except OSError as exc:
        logger.info("serve: waitress's loop is already closing (%r)", exc)


def _close_listeners(sockets: dict) -> None:
    for dispatcher in list(sockets.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            wasyncore.dispatcher.close(dispatcher)  # the listening socket only; its own close() shuts the bell too

