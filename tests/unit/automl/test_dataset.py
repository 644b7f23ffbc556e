"""runwatch.dataset: Dataset.Tabular and TabularDataset, read with pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from runwatch import ValidationError
from runwatch.dataset import Dataset, TabularDataset


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    pd.DataFrame(
        {"a": range(100), "b": [i * 2.0 for i in range(100)], "label": [i % 2 for i in range(100)]}
    ).to_csv(path, index=False)
    return path


def test_from_delimited_files_reads_lazily_and_keeps_the_columns(csv: Path) -> None:
    dataset = Dataset.Tabular.from_delimited_files(str(csv))
    assert isinstance(dataset, TabularDataset)
    csv.write_text("a,b,label\n1,2.5,0\n")  # read when asked, not when made
    frame = dataset.to_pandas_dataframe()
    assert list(frame.columns) == ["a", "b", "label"]
    assert frame.to_dict("records") == [{"a": 1, "b": 2.5, "label": 0}]


def test_a_list_or_a_glob_of_files_reads_every_file(csv: Path, tmp_path: Path) -> None:
    second = tmp_path / "more.csv"
    second.write_text("a,b,label\n-1,0.5,1\n")
    both = Dataset.Tabular.from_delimited_files([str(csv), str(second)]).to_pandas_dataframe()
    assert len(both) == 101
    globbed = Dataset.Tabular.from_delimited_files(str(tmp_path / "*.csv")).to_pandas_dataframe()
    assert len(globbed) == 101


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="matches no file"):
        Dataset.Tabular.from_delimited_files(str(tmp_path / "nope.csv"))
    with pytest.raises(ValidationError, match="datastore paths are not supported"):
        Dataset.Tabular.from_delimited_files([("datastore", "path")])


def test_random_split_is_seeded_disjoint_and_complete(csv: Path) -> None:
    dataset = Dataset.Tabular.from_delimited_files(str(csv))
    train, test = dataset.random_split(percentage=0.8, seed=223)
    a, b = train.to_pandas_dataframe(), test.to_pandas_dataframe()
    assert set(a["a"]) | set(b["a"]) == set(range(100))
    assert not set(a["a"]) & set(b["a"])
    assert 65 <= len(a) <= 95
    again, _ = dataset.random_split(percentage=0.8, seed=223)
    assert again.to_pandas_dataframe().equals(a)
    other, _ = dataset.random_split(percentage=0.8, seed=1)
    assert not other.to_pandas_dataframe().equals(a)
    with pytest.raises(ValidationError, match=r"percentage 1\.5"):
        dataset.random_split(percentage=1.5)


def test_column_and_row_steps(csv: Path) -> None:
    dataset = Dataset.Tabular.from_delimited_files(str(csv))
    assert list(dataset.drop_columns(columns=["label"]).to_pandas_dataframe().columns) == ["a", "b"]
    assert list(dataset.keep_columns("b").to_pandas_dataframe().columns) == ["b"]
    assert dataset.take(3).to_pandas_dataframe()["a"].tolist() == [0, 1, 2]
    assert dataset.skip(98).to_pandas_dataframe()["a"].tolist() == [98, 99]
    assert dataset.skip(10).take(2).to_pandas_dataframe()["a"].tolist() == [10, 11]
    with pytest.raises(ValidationError, match="no column 'zzz'"):
        dataset.keep_columns(["zzz"], validate=True)
    with pytest.raises(ValidationError, match="no column 'zzz'"):
        dataset.drop_columns("zzz").to_pandas_dataframe()
    with pytest.raises(ValidationError, match="count -1"):
        dataset.take(-1)


def test_from_pandas_dataframe_copies_the_frame() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3]})
    dataset = Dataset.Tabular.from_pandas_dataframe(frame)
    frame.loc[0, "x"] = 99
    assert dataset.to_pandas_dataframe()["x"].tolist() == [1, 2, 3]
    with pytest.raises(ValidationError, match="not a pandas DataFrame"):
        Dataset.Tabular.from_pandas_dataframe([1, 2, 3])


def test_the_azure_paths_and_the_flat_names_are_the_same_objects() -> None:
    import runwatch
    from runwatch.automl import AutoMLConfig, AutoMLRun
    from runwatch.train.automl import AutoMLConfig as TrainConfig

    assert runwatch.Dataset is Dataset and runwatch.TabularDataset is TabularDataset
    assert runwatch.AutoMLConfig is AutoMLConfig is TrainConfig
    assert runwatch.AutoMLRun is AutoMLRun
