"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from modelyard.services.system import UnitOfWork


def _uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


UowDep = Annotated[UnitOfWork, Depends(_uow)]
