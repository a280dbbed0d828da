"""serve.py: the app served warm (issue 14, first render after a restart): Streamlit's
st.App runs app.py, and its lifespan imports what the pages import and migrates the
database before the server answers."""

from __future__ import annotations

import asyncio
import sys

import streamlit as st

import serve


def test_serve_runs_app_py_and_warms_before_answering(app_env: str) -> None:
    assert isinstance(serve.app, st.App)
    assert serve.app.script_path.name == "app.py"

    async def start() -> None:
        async with serve.lifespan(serve.app):
            pass

    asyncio.run(start())
    for name in serve.WARM_MODULES:
        assert name in sys.modules
