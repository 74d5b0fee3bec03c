"""The application factory: one app per store, every route guarded and audited."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from peelian import __version__
from peelian.config import Settings, get_settings
from peelian.db import make_engine, require_current
from peelian.web import middleware, problems
from peelian.web.access import assert_guarded
from peelian.web.routers import (
    auth,
    cctv_intake,
    dispatch,
    forecast,
    harm,
    leads,
    linkage,
    network,
    oversight,
    portal,
    resolve,
    search,
    store,
    triage,
    video,
)
from peelian.web.templates_dir import STATIC


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = app.state.settings.web_threads
    yield


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    require_current(engine)
    # No /docs or /redoc: their pages load scripts from a CDN. The OpenAPI document is served.
    app = FastAPI(title="Peelian", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=_lifespan)  # fmt: skip
    app.state.engine, app.state.settings = engine, settings
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        auth.router,
        store.router,
        forecast.router,
        leads.router,
        resolve.router,
        search.router,
        linkage.router,
        harm.router,
        network.router,
        portal.router,
        dispatch.router,
        triage.router,
        cctv_intake.router,
        video.router,
        oversight.router,
    ):
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    problems.install(app)
    middleware.install(app)
    assert_guarded(app)
    return app
