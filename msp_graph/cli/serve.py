"""``msp-graph serve``: the data as linked data over HTTP (``msp_graph.serve``; docs/serve.md)."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from ..errors import MspGraphError
from .common import DataOptions, Reporter, data_options, message_options

__all__ = ["serve"]


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
):
    """Serve the data read only: SPARQL endpoint, HTML pages, dereferenceable IRIs (Ctrl-C stops it).

    The port is taken before the data is read, so a busy port is told at once. The validation report the
    pages show is made once, at start-up; the data is served as it was then.
    """
    uvicorn, serving = _server()
    if data.endpoint is not None:
        raise MspGraphError(
            "serve: --endpoint is not served; give FILES or a --store (push fills an endpoint)"
        )
    listening = _listen(host, port)
    try:
        with report.working("loading the data"):  # the spinner stops before the server starts
            store = data.open(report)
        with store:
            with report.working("validating (reasoning, then the bundled shapes)"):
                limits = serving.Limits(timeout=timeout, max_rows=max_rows)
                app = serving.create_app(store, report=serving.validated(store), limits=limits)
            address, bound = listening.getsockname()[:2]
            shown = f"[{address}]" if ":" in address else address
            report.info(f"msp-graph: serving on http://{shown}:{bound}/ (Ctrl-C to stop)")
            level = "info" if report.level >= 1 else "warning"
            config = uvicorn.Config(app, log_level=level, access_log=report.level >= 1, lifespan="off")
            uvicorn.Server(config).run(sockets=[listening])
    finally:
        listening.close()


def _server():
    """uvicorn and ``msp_graph.serve``, or one line naming the extra that installs them."""
    try:
        import uvicorn

        from .. import serve as serving
    except ImportError:
        raise MspGraphError(
            "serve: the web server is not installed; pip install 'msp-graph[serve]'"
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
