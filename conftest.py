"""Repository-wide pytest setup. Doctest namespace: ``cg``, ``nx``, ``pd``, ``np`` are preloaded."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("CHAINGRAPH_PROGRESS", "0")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import chaingraph as cg  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace.update(cg=cg, nx=nx, pd=pd, np=np)
