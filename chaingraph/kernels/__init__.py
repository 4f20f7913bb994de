"""Graph kernels on CSR integer arrays (numba engine with a scipy/numpy fallback).

Kernels take plain arrays (``indptr``, ``indices`` of a square CSR adjacency, rows =
suppliers) and ``method="auto" | "numba" | "scipy"``. They know nothing about
enterprises or ids: the analyses in :mod:`chaingraph.algorithms` translate. Nothing
here imports numba at import time.
"""
