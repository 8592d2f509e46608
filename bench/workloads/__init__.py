"""Benchmark workloads: one module per workload, each registering itself here.

A workload module builds a :class:`Workload` and passes it to :func:`register`; the
runner imports every module of this package before it parses the command line. Import
Django models inside ``run`` only: Django is set up after the runner has chosen the
database (``--fresh``), which has to happen before settings are read.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

# What a workload reports: name -> number or text, in the order to print.
Figures = dict[str, int | float | str]


@dataclass(frozen=True)
class Workload:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Figures]


_REGISTRY: dict[str, Workload] = {}


def register(workload: Workload) -> Workload:
    if workload.name in _REGISTRY:
        raise ValueError(f"workload {workload.name!r} registered twice")
    _REGISTRY[workload.name] = workload
    return workload


def all_workloads() -> dict[str, Workload]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(_REGISTRY.items()))
