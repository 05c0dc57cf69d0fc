"""The compiled part of the builder; everything else is declared in pyproject.toml.

builder._yamldata reads valid entry files with libyaml directly (see builder/_yamldata.c). It is
optional: where it cannot be compiled (no C compiler, no libyaml headers: Debian's libyaml-dev),
the install goes on and builder.load reads every file with its Python reader, which gives the same
data, more slowly.
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("builder._yamldata", ["builder/_yamldata.c"], libraries=["yaml"], optional=True)])
