"""Repository-wide pytest setup. Doctest namespace: ``cg``, ``nx``, ``pd``, ``np`` are preloaded."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("CHAINGRAPH_PROGRESS", "0")

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chaingraph as cg


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace.update(cg=cg, nx=nx, pd=pd, np=np)
