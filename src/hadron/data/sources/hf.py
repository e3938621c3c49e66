"""Hugging Face ``datasets``, always in streaming mode: a hub name, a local data dir, or a saved dataset.

``datasets`` is optional and imported only here, when such a source is opened. A directory written by
``save_to_disk`` is loaded with ``load_from_disk`` and streamed with ``to_iterable_dataset``; anything else
goes through ``load_dataset(..., streaming=True)``. Errors name the 1-based row within the split.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from hadron.data.sources.base import ErrorHandler, Record, Source
from hadron.data.sources.shape import check_columns
from hadron.errors import ConfigError, InputError

SAVED_MARKERS = ("dataset_dict.json", "state.json")
"""Files ``save_to_disk`` leaves in a DatasetDict / Dataset directory."""


class HfSource(Source):
    format = "hf"

    def check(self) -> None:
        features = getattr(self._open(), "features", None)
        if features is None:  # schema unknown until rows arrive: the shared loop checks the first one
            return
        self.checks_columns = True
        check_columns(self.config, list(features), self.path)
        feature = features[self.config.prompt_column]
        dtype = getattr(feature, "dtype", type(feature).__name__)
        if dtype not in ("string", "large_string"):
            raise InputError(self.path, f"column {self.config.prompt_column!r} has type {dtype}, "
                                        "expected string")

    def records(self, report: ErrorHandler) -> Iterator[Record]:
        datasets = _import_datasets()
        rows, number = iter(self._open()), 0
        while True:
            try:
                data = next(rows)
            except StopIteration:
                return
            except (OSError, ValueError, datasets.exceptions.DatasetsError) as err:  # the stream is broken
                raise InputError(self.path, f"cannot read row {number + 1}: {_first_line(err)}",
                                 line=number + 1) from err
            number += 1
            yield Record(number, dict(data))

    def _open(self) -> Iterable[Mapping[str, Any]]:
        datasets = _import_datasets()
        options = self.config.storage_options or None
        try:
            if _is_saved(self.path, self.config.storage_options):
                loaded = datasets.load_from_disk(self.path, storage_options=options)
            else:
                loaded = datasets.load_dataset(self.path, name=self.config.name, streaming=True,
                                               storage_options=options)
        except (OSError, ValueError, datasets.exceptions.DatasetsError) as err:
            raise InputError(self.path, f"cannot load dataset: {_first_line(err)}") from err
        split = self._pick_split(loaded)
        return split.to_iterable_dataset() if hasattr(split, "to_iterable_dataset") else split

    def _pick_split(self, loaded: Any) -> Any:
        if not isinstance(loaded, Mapping):  # a single split was saved
            return loaded
        names = list(loaded)
        wanted = self.config.split or ("train" if "train" in names or len(names) != 1 else names[0])
        if wanted not in names:
            raise ConfigError(f"{self.path}: no split {wanted!r} (splits: {', '.join(names)})")
        return loaded[wanted]


def _import_datasets() -> Any:
    try:
        import datasets
    except ImportError as err:
        raise ConfigError("reading Hugging Face datasets needs the 'datasets' package",
                          hint="pip install datasets") from err
    return datasets


def _is_saved(path: str, storage_options: dict[str, Any]) -> bool:
    from fsspec.core import url_to_fs

    try:
        fs, root = url_to_fs(path, **storage_options)
        return any(fs.exists(f"{root.rstrip('/')}/{marker}") for marker in SAVED_MARKERS)
    except (OSError, ValueError, ImportError):
        return False  # not a path fsspec understands: a hub name


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
