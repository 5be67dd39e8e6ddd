"""The request's database session, closed deterministically when the endpoint raises.

``hanke_libs.db.session_dependency`` wraps ``Database.session`` in ``async for``: when an endpoint
raises (a 404, a 409), the exception leaves the ``async for`` without closing the inner generator,
so its rollback and close wait for the garbage collector (seen here as aiosqlite "deleted before
being closed" ResourceWarnings). Entering it as an async context manager throws the exception into
it and closes it at once. Candidate for libs.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.db import get_database


async def session_dependency(request: Request) -> AsyncIterator[AsyncSession]:
    async with contextlib.asynccontextmanager(get_database(request).session)(request) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(session_dependency, scope="function")]
