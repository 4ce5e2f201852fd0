"""``msp-graph serve`` and ``publish``: the data as linked data over HTTP, or as a static site
(``msp_graph.serve``; docs/serve.md)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MspGraphError
from .common import DataOptions, Reporter, data_options, message_options

__all__ = ["publish", "serve"]

AllowUpdate = Annotated[
    bool,
    typer.Option(
        "--allow-update",
        help="Accept SPARQL 1.1 Update at /sparql from requests with Authorization: Bearer "
        "$MSP_GRAPH_UPDATE_TOKEN; a --store is then opened for writing.",
    ),
]


@message_options
@data_options
def serve(
    *,
    data: DataOptions,
    report: Reporter,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on.", metavar="ADDRESS")
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", help="Port to listen on (0: any free port).", metavar="PORT", min=0, max=65535
        ),
    ] = 8000,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            help="Longest a SPARQL query may run, in seconds.",
            metavar="SECONDS",
            min=0.01,
            max=86400,
        ),
    ] = 30.0,
    max_rows: Annotated[
        int,
        typer.Option(
            "--max-rows", help="Most results (rows or triples) one SPARQL query may give.", metavar="N", min=1
        ),
    ] = 10_000,
    allow_update: AllowUpdate = False,
):
    """Serve the data: SPARQL endpoint, HTML pages, dereferenceable IRIs (Ctrl-C stops it).

    Read only unless --allow-update. The port is taken before the data is read, so a busy port is told at
    once. The validation report the pages show is made at start-up, and again after each update."""
    uvicorn, serving = _server()
    if data.endpoint is not None:
        raise MspGraphError(
            "serve: --endpoint is not served; give FILES or a --store (push fills an endpoint)"
        )
    token = _update_token() if allow_update else None
    listening = _listen(host, port)
    try:
        with report.working("loading the data"):  # the spinner stops before the server starts
            store = _opened(data, report, writing=token is not None)
        with store:
            with report.working("validating (reasoning, then the bundled shapes)"):
                checked, limits = serving.validated(store), serving.Limits(timeout=timeout, max_rows=max_rows)
                app = serving.create_app(store, report=checked, limits=limits, update_token=token)
            address, bound = listening.getsockname()[:2]
            shown = f"[{address}]" if ":" in address else address
            report.info(f"msp-graph: serving on http://{shown}:{bound}/ (Ctrl-C to stop)")
            level = "info" if report.level >= 1 else "warning"
            config = uvicorn.Config(app, log_level=level, access_log=report.level >= 1, lifespan="off")
            uvicorn.Server(config).run(sockets=[listening])
    finally:
        listening.close()


@message_options
@data_options
def publish(
    *,
    data: DataOptions,
    report: Reporter,
    directory: Annotated[
        Path,
        typer.Argument(
            help="Folder to write the site into: new, empty, or an earlier output (with --force).",
            show_default=False,
        ),
    ],
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Where the site will be served (https://example.org/msp/): writes the w3id redirect rules "
            "(.htaccess) and names the dumps in the VoID description.",
            metavar="URL",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an earlier publish output in DIR.")] = False,
):
    """Write the pages, data documents, dumps, VoID and ontology documentation as a static site.

    The same pages as `serve` with relative links (any static host, any base path), in en/fr/es; written
    into a temporary folder beside the directory, then renamed into place. Same data, same bytes.
    """
    _, serving = _server("publish")
    from ..serve import publish as site

    if data.endpoint is not None:
        raise MspGraphError("publish: --endpoint is not published; give FILES or a --store (pull copies it)")
    base = site.checked_base_url(base_url) if base_url is not None else None
    target = site.checked_target(directory, force)
    with report.working("loading the data"), data.open(report) as store:
        report.step("validating (reasoning, then the bundled shapes)")
        checked = serving.validated(store)
        report.step("writing the site")
        count = site.publish(store, checked, target, base_url=base)
    rules = (
        " with the w3id rules (.htaccess)" if base else "; no .htaccess (give --base-url for the w3id rules)"
    )
    report.info(f"msp-graph: published {count} files to {directory}{rules}")


def _opened(data: DataOptions, report: Reporter, *, writing: bool):
    """The data's store; with ``writing`` (``--allow-update``) open for writing, not as a snapshot, or one
    line when another process writes it. A writer ends on SIGTERM as on Ctrl-C, closing its store (which
    publishes the graphs its updates made): uvicorn stops, then raises the signal again, and a process
    killed by it would close nothing."""
    store = data.open(report)
    if writing and not store.try_write():
        store.close()
        raise MspGraphError(
            f"--allow-update: {data.store} is being written by another process; stop it first"
        )
    if writing:
        signal.signal(signal.SIGTERM, _terminated)
    return store


def _terminated(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def _update_token() -> str:
    """The token updates must present (``MSP_GRAPH_UPDATE_TOKEN``), or one line saying how to set it."""
    from ..serve.sparql import TOKEN_VARIABLE, checked_token

    return checked_token(os.environ.get(TOKEN_VARIABLE))


def _server(command: str = "serve"):
    """uvicorn and ``msp_graph.serve``, or one line naming the extra that installs them."""
    try:
        import uvicorn

        from .. import serve as serving
    except ImportError:
        raise MspGraphError(
            f"{command}: the serve extra (Starlette, uvicorn, Jinja2) is not installed; "
            "pip install 'msp-graph[serve]'"
        ) from None
    return uvicorn, serving


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``; one line naming them when the address cannot be had."""
    where = f"--host {host} --port {port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as error:
        raise MspGraphError(
            f"{where}: unknown address ({error}); give an IP address or a host name"
        ) from None
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
        listening.listen(128)
    except OSError as error:
        listening.close()
        raise MspGraphError(
            f"{where}: cannot listen there ({error.strerror or error}); choose another port, or --port 0"
        ) from None
    return listening
