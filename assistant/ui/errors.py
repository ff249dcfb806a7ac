"""Every event handler of the app, guarded: what a user sees when something fails is one message
from the catalog in their language (the database or the vector store is unreachable: «try again in
a moment, nothing is lost»; anything else: a plain apology), never an exception's own text, which
names hosts, ports, drivers or files. The handler's log lines carry the request id of the HTTP
request that started the event (Gradio runs events outside that request)."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable

import gradio as gr
from gradio.utils import get_type_hints, is_special_typed_parameter

from assistant.catalog import TextCatalog
from assistant.services.preferences import language_from_browser
from assistant.ui.ops import REQUEST_ID_HEADER, request_id

log = logging.getLogger(__name__)
_REQUEST_PARAMETER = "gnist_request"
_REQUEST_ID = REQUEST_ID_HEADER.decode()


def is_unavailable(error: BaseException) -> bool:
    """A dependency that is down or unreachable (the database, the Chroma server), not a bug."""
    import httpx
    from sqlalchemy.exc import DBAPIError, DisconnectionError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return isinstance(error, (DBAPIError, DisconnectionError, PoolTimeout, httpx.TransportError, ConnectionError,
                              TimeoutError))


def guard_events(demo: gr.Blocks, catalog: TextCatalog, language_of: Callable[[gr.Request | None], str]) -> None:
    """Wrap every Python handler of ``demo`` (after the layout is built, before launch)."""
    for block_fn in demo.fns.values():
        if block_fn.fn is not None and not getattr(block_fn.fn, "gnist_guarded", False):
            block_fn.fn = _guarded(block_fn.fn, len(block_fn.inputs), catalog, language_of)


def _guarded(fn: Callable, inputs: int, catalog: TextCatalog,
             language_of: Callable[[gr.Request | None], str]) -> Callable:
    signature = inspect.signature(fn)
    hints = get_type_hints(fn)
    parameters = list(signature.parameters.values())
    request_at = next((i for i, p in enumerate(parameters) if is_request(hints.get(p.name))), None)
    plain = all(p.kind == p.POSITIONAL_OR_KEYWORD for p in parameters)
    specials = sum(1 for p in parameters if is_special_typed_parameter(p.name, hints))
    added = request_at is None and plain and len(parameters) - specials == inputs
    if added:  # Gradio passes the request to a parameter annotated gr.Request: one is added
        request_at = len(parameters)

    def split(args: tuple) -> tuple[tuple, gr.Request | None]:
        if request_at is None or request_at >= len(args):
            return args, None
        request = args[request_at]
        return (args[:request_at] + args[request_at + 1:] if added else args), request

    def run(step: Callable[[], object], request: gr.Request | None):
        """One step of the handler, with the request's id in its log lines and its failures shown as
        the catalog's message (logged here once; Gradio would print the traceback as plain text)."""
        token = request_id.set(_request_id(request))
        try:
            return step()
        except StopIteration:
            raise
        except gr.Error as mistake:  # a message for the user (a mistake), not a fault
            mistake.print_exception = False
            raise
        except Exception as error:
            lang = _language(request, language_of)
            key = "msg.service_unavailable" if is_unavailable(error) else "msg.unexpected_error"
            log.error("event failed: %s", type(error).__name__, exc_info=error)
            raise gr.Error(catalog.ui(key, lang), title=catalog.ui("toast.error", lang),
                           print_exception=False) from None
        finally:
            request_id.reset(token)

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def guarded(*args):
            args, request = split(args)
            steps = run(lambda: fn(*args), request)
            while True:  # each step runs in a thread of its own: the request id is set for each
                try:
                    value = run(lambda: next(steps), request)
                except StopIteration:
                    return
                yield value
    elif inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        return fn  # none in this app; Gradio's own coroutines handle their errors
    else:
        @functools.wraps(fn)
        def guarded(*args):
            args, request = split(args)
            return run(lambda: fn(*args), request)

    if added:
        extra = inspect.Parameter(_REQUEST_PARAMETER, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                  annotation=gr.Request)
        guarded.__signature__ = signature.replace(  # type: ignore[attr-defined]  # read by Gradio
            parameters=[*parameters, extra])
        guarded.__annotations__ = {**getattr(fn, "__annotations__", {}), _REQUEST_PARAMETER: gr.Request}
    guarded.gnist_guarded = True  # type: ignore[attr-defined]  # guard_events skips what has it
    return guarded


def is_request(hint) -> bool:
    return hint is gr.Request or hint == (gr.Request | None)


def _request_id(request: gr.Request | None) -> str:
    headers = getattr(request, "headers", None) or {}
    return headers.get(_REQUEST_ID, "-")


def _language(request: gr.Request | None, language_of: Callable[[gr.Request | None], str]) -> str:
    """The user's chosen language; while the database is down, their browser's."""
    try:
        return language_of(request)
    except Exception:  # noqa: BLE001 - the language is read from the database that may be down
        headers = getattr(request, "headers", None) or {}
        return language_from_browser(headers.get("accept-language"))
