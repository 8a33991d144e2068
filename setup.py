"""Build script for the optional compiled CIM kernels; the package metadata lives in setup.cfg."""

import sys

from setuptools import Extension, setup

_FLAGS = [] if sys.platform == "win32" else ["-O3", "-std=gnu11", "-fno-math-errno", "-Wno-psabi"]

setup(
    ext_modules=[
        Extension(
            "hiqlip_plugin.samplers._kernels",
            sources=["hiqlip_plugin/samplers/_kernels.c"],
            extra_compile_args=_FLAGS,
            # Without a C compiler the package still installs and CIMSampler runs its numpy kernels.
            optional=True,
        )
    ]
)
