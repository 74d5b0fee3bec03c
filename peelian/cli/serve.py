"""``peelian serve``: the web application on the configured store."""

import typer

from peelian.cli.common import console, handle_errors


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=32, help="Server processes."),
) -> None:
    """Start the web application and JSON API (OpenAPI at /api/openapi.json)."""
    import uvicorn

    from peelian.web.app import create_app

    app = create_app()  # fails fast, with the one-line error, on an unmigrated store
    console.print(f"Peelian on http://{host}:{port}/  (Ctrl-C to stop)")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
    else:
        uvicorn.run("peelian.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="warning")  # fmt: skip
