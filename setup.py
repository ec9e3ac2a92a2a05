"""Builds the optional compiled XML event reader (``make venv`` runs ``setup.py build_ext --inplace``).

``epcis`` works without it: ``epcis.xml`` falls back to its pure-Python reader when the module is missing.
"""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    name="custody-epcis-xmlwalk",
    packages=[],
    ext_modules=cythonize(
        [
            Extension(
                "epcis._xmlwalk",
                ["epcis/_xmlwalk.pyx"],
                include_dirs=lxml.get_include(),
                # lxml's etree_defs.h defines helpers this module does not call.
                extra_compile_args=["-Wno-unused-function"],
            )
        ],
        language_level=3,
        quiet=True,
    ),
)
