"""The data settings of a search, a run and an evaluation, as one record: `DataSpec`.

A search is given them as flags (`search.pipeline.SearchConfig`), a run keeps them in `run.json`
(`rundir.RunRecord`) so that export reads its very rows again (`run_data`), and evaluate
reads a file with the same column flags (`ReadOptions`). Each builds a `DataSpec`, and
`DataSpec.load` is the one place they become `load_dataset`'s arguments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from autosent.data import GROUPED, Dataset, SplitRule, load_dataset


@dataclass(frozen=True)
class ReadOptions:
    """How to read a data file: the column, encoding and delimiter flags that search and evaluate share."""

    text_column: str = "text"
    label_column: str = "label"
    encoding: str = "utf-8"
    delimiter: str | None = None  # of .csv/.tsv files; by default their suffix's


@dataclass(frozen=True)
class DataSpec:
    """Which data a run is made of and how it is split: the same spec loads the same `Dataset`.

    `source`, `val_source` and `test_source` are as given (a bundled name, `tfds:NAME` or a
    path); `limit` subsamples the training split (seeded by `seed`); `rule` says which rows are
    one text (`data.leakage.SplitRule`).
    """

    source: str
    val_source: str | None = None
    test_source: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    limit: int | None = None
    seed: int = 0
    rule: SplitRule = GROUPED

    @property
    def sources(self) -> dict[str, str]:
        """The sources given, by the key a run's identity names them with (`data`, `val_data`, `test_data`)."""
        given = {"data": self.source, "val_data": self.val_source, "test_data": self.test_source}
        return {key: source for key, source in given.items() if source is not None}

    def load(self) -> Dataset:
        return load_dataset(
            self.source, val_source=self.val_source, test_source=self.test_source, **asdict(self.read),
            limit=self.limit, seed=self.seed, rule=self.rule,
        )  # fmt: skip
