"""Tabular datasets, as in azureml.core.dataset (v1): `Dataset.Tabular` and `TabularDataset`.

A `TabularDataset` is a recipe: where the rows come from and the steps applied to them
(split, column selection, take, skip). Nothing is read until `to_pandas_dataframe()`.
pandas (and pyarrow for Parquet files) are imported when a dataset is read.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from typing import Any

from runwatch.core._values import short_repr
from runwatch.errors import ConfigError, ValidationError


def pandas_module() -> Any:
    try:
        import pandas
    except ImportError:
        raise ConfigError(
            "datasets need pandas: pip install 'runwatch[automl]' (or 'runwatch[pandas]')"
        ) from None
    return pandas


def _columns(columns: Any, what: str) -> list[str]:
    if isinstance(columns, str):
        return [columns]
    if isinstance(columns, Sequence) and all(isinstance(c, str) for c in columns):
        return list(columns)
    raise ValidationError(f"{what}: columns {short_repr(columns)} must be a str or a list of str")


def _paths(path: Any) -> list[str]:
    items = path if isinstance(path, (list, tuple)) else [path]
    if not items:
        raise ValidationError("from_delimited_files: path is an empty list; expected files")
    out: list[str] = []
    for item in items:
        if isinstance(item, os.PathLike):
            item = os.fspath(item)
        if not isinstance(item, str):
            raise ValidationError(
                f"from_delimited_files: path {short_repr(item)} must be a local path, a glob "
                "or a URL (datastore paths are not supported)"
            )
        if "://" in item:
            out.append(item)
            continue
        found = sorted(glob.glob(item)) if any(ch in item for ch in "*?[") else [item]
        if not found or not all(os.path.isfile(p) for p in found):
            raise ValidationError(
                f"from_delimited_files: {item!r} matches no file; expected a delimited file"
            )
        out.extend(found)
    return out


class TabularDataset:
    """Rows and columns read lazily, transformed by the steps recorded on the dataset."""

    def __init__(self, source: dict[str, Any], steps: tuple[tuple[str, Any], ...] = ()) -> None:
        self._source = source
        self._steps = steps

    def _with(self, step: str, argument: Any) -> TabularDataset:
        return TabularDataset(self._source, (*self._steps, (step, argument)))

    # --- transformations (each returns a new dataset) --------------------------------
    def random_split(
        self, percentage: float, seed: int | None = None
    ) -> tuple[TabularDataset, TabularDataset]:
        """Two datasets: about `percentage` of the rows, chosen at random, and the rest."""
        if (
            isinstance(percentage, bool)
            or not isinstance(percentage, (int, float))
            or not 0 < percentage < 1
        ):
            raise ValidationError(
                f"random_split: percentage {short_repr(percentage)} must be a number "
                "between 0 and 1 (exclusive)"
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValidationError(f"random_split: seed {short_repr(seed)} must be an int")
        draw = {"percentage": float(percentage), "seed": seed if seed is not None else 0}
        return self._with("split", {**draw, "part": 0}), self._with("split", {**draw, "part": 1})

    def drop_columns(self, columns: str | Sequence[str]) -> TabularDataset:
        """The dataset without `columns`."""
        return self._with("drop", _columns(columns, "drop_columns"))

    def keep_columns(self, columns: str | Sequence[str], validate: bool = False) -> TabularDataset:
        """The dataset with only `columns`; with `validate`, check now that they exist."""
        kept = _columns(columns, "keep_columns")
        dataset = self._with("keep", kept)
        if validate:
            dataset.to_pandas_dataframe()
        return dataset

    def take(self, count: int) -> TabularDataset:
        """The first `count` rows."""
        return self._with("take", _count(count, "take"))

    def skip(self, count: int) -> TabularDataset:
        """All rows but the first `count`."""
        return self._with("skip", _count(count, "skip"))

    # --- reading ---------------------------------------------------------------------
    def to_pandas_dataframe(
        self, on_error: str = "null", out_of_range_datetime: str = "null"
    ) -> Any:
        """Read the rows into a pandas DataFrame."""
        frame = self._read()
        for step, argument in self._steps:
            frame = _apply(frame, step, argument)
        return frame.reset_index(drop=True)

    def _read(self) -> Any:
        pandas = pandas_module()
        source = self._source
        if source["kind"] == "frame":
            return source["frame"].copy()
        frames = []
        for path in source["paths"]:
            try:
                frames.append(
                    pandas.read_csv(
                        path,
                        sep=source["separator"],
                        header=0 if source["header"] else None,
                        encoding=source["encoding"],
                    )
                )
            except (OSError, ValueError) as error:
                raise ValidationError(f"cannot read {path!r} as delimited text: {error}") from None
        return frames[0] if len(frames) == 1 else pandas.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        source = self._source
        where = "a DataFrame" if source["kind"] == "frame" else ", ".join(source["paths"])
        steps = ", ".join(step for step, _ in self._steps)
        return f"TabularDataset(from {where}{'; ' + steps if steps else ''})"


def _count(count: Any, what: str) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValidationError(f"{what}: count {short_repr(count)} must be an int >= 0")
    return count


def _apply(frame: Any, step: str, argument: Any) -> Any:
    if step == "split":
        import numpy as np

        draws = np.random.default_rng(argument["seed"]).random(len(frame))
        chosen = draws < argument["percentage"]
        return frame[chosen if argument["part"] == 0 else ~chosen]
    if step in ("drop", "keep"):
        missing = [c for c in argument if c not in frame.columns]
        if missing:
            raise ValidationError(
                f"{'drop_columns' if step == 'drop' else 'keep_columns'}: no column "
                f"{', '.join(map(repr, missing))}; the dataset has {list(frame.columns)}"
            )
        return frame.drop(columns=argument) if step == "drop" else frame[argument]
    if step == "take":
        return frame.iloc[:argument]
    return frame.iloc[argument:]  # skip


class _Tabular:
    """`Dataset.Tabular`: the ways to make a `TabularDataset`."""

    @staticmethod
    def from_delimited_files(
        path: Any,
        validate: bool = True,
        include_path: bool = False,
        infer_column_types: bool = True,
        set_column_types: Any = None,
        separator: str = ",",
        header: bool | str = True,
        encoding: str = "utf8",
        **ignored: Any,
    ) -> TabularDataset:
        """A dataset of the rows of delimited files (local paths, globs or URLs)."""
        if not isinstance(separator, str) or not separator:
            raise ValidationError(f"separator {short_repr(separator)} must be a non-empty str")
        dataset = TabularDataset(
            {
                "kind": "files",
                "paths": _paths(path),
                "separator": separator,
                "header": header not in (False, "no_header", "NO_HEADER"),
                "encoding": encoding,
            }
        )
        if validate:
            dataset.take(1).to_pandas_dataframe()
        return dataset

    @staticmethod
    def from_pandas_dataframe(dataframe: Any, path: Any = None, **ignored: Any) -> TabularDataset:
        """A dataset of the rows of a pandas DataFrame (a copy, taken now)."""
        pandas = pandas_module()
        if not isinstance(dataframe, pandas.DataFrame):
            raise ValidationError(
                f"from_pandas_dataframe: {short_repr(dataframe)} is not a pandas DataFrame"
            )
        return TabularDataset({"kind": "frame", "frame": dataframe.copy()})


class Dataset:
    """As `azureml.core.Dataset`: `Dataset.Tabular.from_delimited_files(...)`."""

    Tabular = _Tabular
