"""CondaDependencies: Azure's defaults and methods, YAML files and round trips."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

import runwatch.conda_dependencies
import runwatch.environment
from runwatch import CondaDependencies, ValidationError

THIS_PYTHON = ".".join(map(str, sys.version_info[:3]))


def test_the_facades_export_the_same_class() -> None:
    assert runwatch.conda_dependencies.CondaDependencies is CondaDependencies
    assert runwatch.environment.CondaDependencies is CondaDependencies


def test_a_new_object_has_azure_defaults_with_this_python() -> None:
    cd = CondaDependencies()
    assert cd.get_python_version() == THIS_PYTHON
    assert cd.conda_packages == [f"python={THIS_PYTHON}"]
    assert cd.pip_packages == ["azureml-defaults"]
    assert cd.pip_options == []
    assert cd.conda_channels == ["anaconda", "conda-forge"]
    assert yaml.safe_load(cd.serialize_to_string()) == {
        "name": "project_environment",
        "dependencies": [f"python={THIS_PYTHON}", {"pip": ["azureml-defaults"]}],
        "channels": ["anaconda", "conda-forge"],
    }


def test_create_replaces_the_default_pip_packages() -> None:
    cd = CondaDependencies.create(
        pip_packages=["six", "pillow==6.2.1"],
        conda_packages=["scikit-learn", "numpy>=1.20"],
        python_version="3.10",
        channels=["defaults"],
    )
    assert cd.pip_packages == ["six", "pillow==6.2.1"]
    assert cd.conda_packages == ["python=3.10", "scikit-learn", "numpy>=1.20"]
    assert cd.get_python_version() == "3.10"
    assert cd.conda_channels == ["anaconda", "conda-forge", "defaults"]
    # No pip_packages: Azure's default SDK package stays (runwatch skips it when building).
    assert CondaDependencies.create(conda_packages=["scikit-learn"]).pip_packages == [
        "azureml-defaults"
    ]
    indexed = CondaDependencies.create(pip_indexurl="https://example.invalid/simple")
    assert indexed.pip_options == ["--extra-index-url https://example.invalid/simple"]


def test_adding_and_removing_packages_options_and_channels() -> None:
    cd = CondaDependencies()
    cd.add_conda_package("scikit-learn==0.22.1")
    cd.add_conda_package("scikit-learn==0.22.1")  # once only
    cd.add_pip_package("pillow==6.2.1")
    cd.add_pip_package("pillow==9.0")  # the same package: replaced
    cd.add_pip_package("requests[socks]>=2")
    assert cd.conda_packages == [f"python={THIS_PYTHON}", "scikit-learn==0.22.1"]
    assert cd.pip_packages == ["azureml-defaults", "pillow==9.0", "requests[socks]>=2"]
    cd.remove_pip_package("requests")
    cd.remove_pip_package("azureml-defaults")
    cd.remove_conda_package("scikit-learn==0.22.1")
    assert cd.pip_packages == ["pillow==9.0"]
    assert cd.conda_packages == [f"python={THIS_PYTHON}"]
    cd.add_conda_package("python=3.9")  # sets the version, as Azure's does
    assert cd.conda_packages == ["python=3.9"]
    with pytest.raises(ValidationError, match="python must not be removed"):
        cd.remove_conda_package("python=3.9")
    cd.set_pip_option("--index-url https://a.invalid")
    cd.set_pip_option("--index-url https://b.invalid")  # the same flag: replaced
    assert cd.pip_options == ["--index-url https://b.invalid"]
    cd.remove_pip_option("--index-url")
    assert cd.pip_options == []
    cd.add_channel("pytorch")
    cd.remove_channel("anaconda")
    assert cd.conda_channels == ["conda-forge", "pytorch"]
    cd.set_pip_requirements(["six", "--no-deps"])
    assert (cd.pip_packages, cd.pip_options) == (["six"], ["--no-deps"])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda cd: cd.add_pip_package("--pre"), "is an option"),
        (lambda cd: cd.set_pip_option("six"), "must start with '-'"),
        (lambda cd: cd.add_conda_package(""), "conda package '' must be a non-empty str"),
        (lambda cd: cd.add_pip_package(3), "pip package 3 must be a non-empty str"),
        (lambda cd: CondaDependencies.create(pip_packages="six"), "must be a list of str"),
    ],
)
def test_bad_input_is_named(call: object, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        call(CondaDependencies())  # type: ignore[operator]


def test_merge_requirements() -> None:
    merged = CondaDependencies.merge_requirements(["six>=1", "numpy", "six<2", "numpy==1.26"])
    assert merged == ["six>=1,<2", "numpy==1.26"]


def test_yaml_round_trip_through_a_file(tmp_path: Path) -> None:
    cd = CondaDependencies.create(
        pip_packages=["six==1.17.0"], conda_packages=["scikit-learn"], python_version="3.11"
    )
    cd.set_pip_option("--extra-index-url https://example.invalid/simple")
    saved = cd.save(tmp_path / "env.yml")
    assert saved == str(tmp_path / "env.yml")
    again = CondaDependencies(tmp_path / "env.yml")
    assert again == cd
    assert again.serialize_to_string() == cd.serialize_to_string()
    assert again.pip_options == ["--extra-index-url https://example.invalid/simple"]
    assert cd.save_to_file(tmp_path) == "conda_dependencies.yml"
    assert CondaDependencies(str(tmp_path / "conda_dependencies.yml")) == cd


def test_reading_a_conda_file_written_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(
        "# my env\n"
        "name: proj\n"
        "channels: [conda-forge]\n"
        "dependencies:\n"
        "  - python=3.11\n"
        "  - numpy\n"
        "  - pip\n"
        "  - pip:\n"
        "      - six==1.17.0\n"
    )
    cd = CondaDependencies(path)
    assert cd.get_python_version() == "3.11"
    assert cd.conda_packages == ["python=3.11", "numpy", "pip"]
    assert cd.pip_packages == ["six==1.17.0"]
    assert cd.conda_channels == ["conda-forge"]
    assert yaml.safe_load(cd.serialize_to_string())["name"] == "proj"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("- a\n- b\n", "expected a YAML mapping"),
        ("name: x\nbuild: 3\n", r"unknown keys \['build'\]"),
        ("dependencies: [[1]]\n", "is not a str"),
        ("dependencies: [{pip: six}]\n", "is not a pip list"),
        ("name: [unclosed\n", "is not valid YAML"),
    ],
)
def test_bad_conda_files_are_named(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=match) as caught:
        CondaDependencies(path)
    assert "bad.yml" in str(caught.value)


def test_missing_file_and_bad_save_paths(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"nope\.yml' does not exist"):
        CondaDependencies(tmp_path / "nope.yml")
    cd = CondaDependencies()
    with pytest.raises(ValidationError, match="is a folder"):
        cd.save(tmp_path)
    with pytest.raises(ValidationError, match="its folder does not exist"):
        cd.save(tmp_path / "missing" / "env.yml")
    no_python = CondaDependencies(_underlying_structure={"dependencies": ["numpy"]})
    with pytest.raises(ValidationError, match="no python package"):
        no_python.save(tmp_path / "env.yml")
