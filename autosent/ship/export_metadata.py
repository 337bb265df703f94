"""What an export's metadata.json says, typed: `ExportMetadata`, with its ensemble's members and comparisons.

Written by `export` and `ensemble`, read by `predict`, `evaluate`, `report`, `runs.listing` and the
model card; the wording every one of them shows of an export (its headline, an ensemble's
members, its comparison with its best member) is rendered here, once.

`from_json` reads every metadata.json autosent wrote, from exports made before the `format`
marker on. A reader is refused, in one line, only for what it reads: every reader needs the
label names, a format this autosent reads, a known standardisation and the split rule; a
reader names in `needs` the other fields it cannot do without (a report: trial, epochs, test
metrics, learning curve, members). A field a reader does not need and that is missing or
damaged reads as None, as the free dict it replaces let such readers ignore it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autosent.data.leakage import SplitRule
from autosent.errors import UsageError, first_line
from autosent.runs.records import upgrade_history
from autosent.search.profile import DataProfile
from autosent.ship.export_folder import FORMAT, METADATA_FILE, PRODUCER
from autosent.ship.metrics import Metrics
from autosent.ship.selection import NOISE_SE, Retraining, Selection
from autosent.text.standardize import STANDARDIZERS, recorded_standardize


class MetadataError(ValueError):
    """A metadata.json a reader cannot use: `str` is what is wrong with it; `fix` what the user should do."""

    def __init__(self, problem: str, fix: str = "export the model again"):
        super().__init__(problem)
        self.fix = fix


@dataclass(frozen=True)
class McNemarComparison:
    """McNemar's exact test of the ensemble against its best member on the same test texts (`metrics.mcnemar`)."""

    ensemble_only_right: int
    member_only_right: int
    p_value: float


@dataclass(frozen=True)
class ValComparison:
    """The ensemble's val cross-entropy against its best member's, paired per text (`ensemble.against_best_member`).

    `standard_error` is None for one val text: it has no spread to measure the noise by.
    """

    ensemble_val_cross_entropy: float
    member_val_cross_entropy: float
    difference: float
    standard_error: float | None
    beyond_noise: bool

    def sentence(self, best: str) -> str:
        """The model card's account of it, for an ensemble whose best member is trial `best`."""
        if self.standard_error is None:
            noise = "with one validation text, no noise to measure it against"
        else:
            verdict = "lower beyond" if self.beyond_noise else "not lower beyond"
            noise = f"{verdict} the noise ({NOISE_SE:g} standard errors, {NOISE_SE * self.standard_error:.4f})"
        return (
            f"On the validation texts that chose the members, its val cross-entropy is {self.ensemble_val_cross_entropy:.4f} "
            f"against {self.member_val_cross_entropy:.4f} for trial {best} alone: a paired per-text "
            f"difference of {self.difference:+.4f}, {noise}. Selection chose the members on these very texts, so this "
            "comparison favours the ensemble."
        )


@dataclass(frozen=True)
class EnsembleMember:
    """One retrained trial of an ensemble; a trial chosen twice weighs 2."""

    trial_id: str
    weight: int
    epochs: int
    encoder: str | None = None
    search_val_cross_entropy: float | None = None
    test_metrics: Metrics | None = None  # the member retrained alone, on the same test texts

    def to_json(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id, "weight": self.weight, "encoder": self.encoder, "epochs": self.epochs,
            "search_val_cross_entropy": self.search_val_cross_entropy,
            "test_metrics": None if self.test_metrics is None else self.test_metrics.to_json(),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> EnsembleMember:
        if not isinstance(data, dict) or not isinstance(data.get("trial_id"), str) or not all(_is(data.get(k), int) for k in ("weight", "epochs")):
            raise MetadataError("has no valid 'ensemble.members' (trial ids, weights, epochs)")
        test = data.get("test_metrics")
        return cls(
            data["trial_id"], data["weight"], data["epochs"], data.get("encoder"), data.get("search_val_cross_entropy"),
            _metrics(test) if isinstance(test, dict) else None,
        )


@dataclass(frozen=True)
class Ensemble:
    """An ensemble export's members, its best-ranked member, and how it compares with that member alone."""

    members: list[EnsembleMember]
    best_member: str
    mcnemar_against_best_member: McNemarComparison | None = None
    val_against_best_member: ValComparison | None = None  # exports made before it have none

    @property
    def best(self) -> EnsembleMember:
        return next(m for m in self.members if m.trial_id == self.best_member)

    def to_json(self) -> dict[str, Any]:
        return {
            "members": [m.to_json() for m in self.members],
            "best_member": self.best_member,
            "mcnemar_against_best_member": None if self.mcnemar_against_best_member is None else vars(self.mcnemar_against_best_member),
            "val_against_best_member": None if self.val_against_best_member is None else vars(self.val_against_best_member),
        }

    @classmethod
    def from_json(cls, data: Any) -> Ensemble:
        members = data.get("members") if isinstance(data, dict) else None
        if not isinstance(members, list):
            raise MetadataError("has no valid 'ensemble.members' (trial ids, weights, epochs)")
        test, val = data.get("mcnemar_against_best_member"), data.get("val_against_best_member")
        try:
            return cls(
                [EnsembleMember.from_json(m) for m in members], str(data.get("best_member")),
                McNemarComparison(**test) if isinstance(test, dict) else None,
                ValComparison(**val) if isinstance(val, dict) else None,
            )  # fmt: skip
        except TypeError:  # a comparison with other keys than autosent writes
            raise MetadataError("has no valid 'ensemble' comparisons with its best member") from None

    def described(self, retrained: bool = False) -> str:
        """`ensemble of trial 3 x2, trial 7 x1`; with `retrained`, each member's epochs too."""
        return "ensemble of " + ", ".join(
            f"trial {m.trial_id} x{m.weight}" + (f" retrained for {m.epochs} epoch(s)" if retrained else "") for m in self.members
        )

    def against_best_line(self) -> str:
        """What `export --ensemble` adds to its result: the best member's own test result, and McNemar's p."""
        best = self.best
        assert best.test_metrics is not None and self.mcnemar_against_best_member is not None, "an ensemble just exported has both"
        return (
            f"; trial {best.trial_id}, its best member, alone: {best.test_metrics.headline()} "
            f"(McNemar p = {self.mcnemar_against_best_member.p_value:.2g})"
        )

    def noise_note(self) -> str | None:
        """One line when selection did not beat the best member on val beyond the noise, else None."""
        val, best = self.val_against_best_member, self.best_member
        if len(self.members) == 1:  # whatever rounding made of its val comparison
            return f"note: selection chose trial {best} alone, so this is that one model (autosent export {best} ships it too)"
        if val is None or val.beyond_noise:
            return None
        if val.standard_error is None:
            return f"note: one val text cannot show the ensemble beating trial {best} alone: the single model is as good on this evidence"
        return (
            f"note: even on the val texts that chose its members, the ensemble does not beat trial {best} alone beyond the noise "
            f"(val cross-entropy {val.ensemble_val_cross_entropy:.4f} vs {val.member_val_cross_entropy:.4f}, a paired "
            f"difference of {val.difference:+.4f}, not below -{NOISE_SE:g} standard errors, -{NOISE_SE * val.standard_error:.4f}): "
            "the single model is as good on this evidence, and simpler"
        )


@dataclass(frozen=True)
class ExportMetadata:
    """An export's metadata.json. Every field but the label names may be None in what an older
    or damaged metadata.json gave a reader that does not need it (see the module's docstring)."""

    label_names: list[str]
    format: int = FORMAT
    vectorizer: dict[str, Any] = field(default_factory=dict)  # as resolved on the training split
    split: SplitRule = field(default_factory=SplitRule)  # how to make the test split again
    run: str | None = None
    full: bool | None = None  # retrained on train + val
    retraining_rule: str | None = None  # why on those texts (`selection.retraining`); exports made before it have none
    test_metrics: Metrics | None = None
    data: str | None = None
    data_fingerprint: str | None = None
    splits: dict[str, int] | None = None
    space_name: str | None = None
    profile: DataProfile | None = None  # exports of runs made before it have none
    versions: dict[str, str] | None = None
    exported_at: str | None = None
    trial_id: str | None = None  # `18+01+05` for an ensemble
    hyperparameters: dict[str, Any] | None = None  # an ensemble's: its best member's
    epochs: int | None = None
    retrain_history: list[dict[str, float]] = field(default_factory=list)
    search_val_cross_entropy: float | None = None
    selection: Selection | None = None  # exports made before it, and ensembles, have none
    ensemble: Ensemble | None = None

    def to_json(self) -> dict[str, Any]:
        """metadata.json as autosent writes it: its marker first, and no key for what an export has not."""
        optional = {
            "split": self.split.to_json(),
            "profile": None if self.profile is None else self.profile.to_json(),
            "selection": None if self.selection is None else self.selection.to_json(),
            "ensemble": None if self.ensemble is None else self.ensemble.to_json(),
        }
        return {
            "producer": PRODUCER, "format": self.format, "run": self.run, "full": self.full,
            **({"retraining_rule": self.retraining_rule} if self.retraining_rule is not None else {}),
            "label_names": self.label_names, "test_metrics": None if self.test_metrics is None else self.test_metrics.to_json(),
            "data": self.data, "data_fingerprint": self.data_fingerprint, "splits": self.splits,
            **({"split": optional["split"]} if optional["split"] is not None else {}),
            "space_name": self.space_name, "vectorizer": self.vectorizer,
            **({"profile": optional["profile"]} if optional["profile"] is not None else {}),
            "versions": self.versions, "exported_at": self.exported_at, "trial_id": self.trial_id,
            "hyperparameters": self.hyperparameters, "epochs": self.epochs, "retrain_history": self.retrain_history,
            "search_val_cross_entropy": self.search_val_cross_entropy,
            **{key: optional[key] for key in ("selection", "ensemble") if optional[key] is not None},
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Any, needs: frozenset[str] = frozenset()) -> ExportMetadata:
        """The metadata of any export autosent made; `MetadataError` for what no reader, or one that `needs` a field, can use."""
        names = data.get("label_names") if isinstance(data, dict) else None
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
            raise MetadataError("has no list of label_names")
        version = data.get("format", 0)  # exports made before the marker have none
        if not _is(version, int) or version > FORMAT:
            raise MetadataError(
                f"has format {version!r}, which this autosent does not read (it reads up to {FORMAT})", "upgrade autosent, or export the model again"
            )
        vectorizer = data.get("vectorizer", {})
        if not isinstance(vectorizer, dict):
            raise MetadataError("has no valid 'vectorizer' settings")
        standardize = recorded_standardize(vectorizer)
        if standardize not in STANDARDIZERS:
            raise MetadataError(f"names an unknown vectorizer.standardize {standardize!r} (known: {', '.join(STANDARDIZERS)})")
        try:
            split = SplitRule.from_json(data.get("split"))  # evaluate --split test remakes the test split by it
        except ValueError as e:
            raise MetadataError(f"is damaged: {e}") from None

        def typed(name: str, kind: type) -> Any:
            value = data.get(name)
            if _is(value, kind):
                return value
            if name in needs:
                raise MetadataError(f"has no valid {name!r} ({kind.__name__} expected)")
            return None

        def parsed(name: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
            if name not in data:
                return default
            try:
                return parse(data[name])
            except (MetadataError, ValueError, TypeError, KeyError, AttributeError) as e:
                if name in needs:
                    raise e if isinstance(e, MetadataError) else MetadataError(f"has no valid {name!r}") from None
                return default

        test = typed("test_metrics", dict)
        return cls(
            label_names=names, format=version, vectorizer=vectorizer, split=split,
            run=typed("run", str), full=typed("full", bool), retraining_rule=typed("retraining_rule", str),
            test_metrics=parsed("test_metrics", _metrics) if test is not None else None,
            data=typed("data", str), data_fingerprint=typed("data_fingerprint", str), splits=typed("splits", dict),
            space_name=typed("space_name", str), profile=parsed("profile", DataProfile.from_json),
            versions=typed("versions", dict), exported_at=typed("exported_at", str), trial_id=typed("trial_id", str),
            hyperparameters=typed("hyperparameters", dict), epochs=typed("epochs", int),
            retrain_history=parsed("retrain_history", _history, []),
            search_val_cross_entropy=data.get("search_val_cross_entropy") if _is(data.get("search_val_cross_entropy"), float) else None,
            selection=parsed("selection", lambda s: Selection(s["trial_id"], s["rule"], s["lowest_val_cross_entropy_trial"], s.get("held_out_cross_entropy"))),
            ensemble=parsed("ensemble", Ensemble.from_json),
        )  # fmt: skip

    def described(self, retrained: bool = False) -> str:
        """What was exported: `trial 18 (4 epochs)`, or with `retrained` `trial 18, retrained for 4 epoch(s)`; an ensemble's members."""
        if self.ensemble is not None:
            return self.ensemble.described(retrained)
        return f"trial {self.trial_id}, retrained for {self.epochs} epoch(s)" if retrained else f"trial {self.trial_id} ({self.epochs} epochs)"

    def retraining(self) -> Retraining | None:
        """What the export retrained on and why; None for an export made before autosent recorded why."""
        return None if self.full is None or self.retraining_rule is None else Retraining(self.full, self.retraining_rule)

    def headline(self) -> str:
        """`export` and `export --ensemble`'s result: its test figures, and an ensemble's against its best member's."""
        assert self.test_metrics is not None, "an export just made has its test metrics"
        return self.test_metrics.headline() + ("" if self.ensemble is None else self.ensemble.against_best_line())

    def named(self, folder: Any) -> str:
        """`export results/imdb-default/export (run imdb-default, trial 18, test accuracy 0.7822)`, less what is unknown."""
        accuracy = None if self.test_metrics is None else self.test_metrics.accuracy
        about = [
            f"run {self.run}" if self.run is not None else "",
            f"trial {self.trial_id}" if self.trial_id is not None else "",
            f"test accuracy {accuracy:.4f}" if _is(accuracy, float) else "",
        ]
        shown = ", ".join(a for a in about if a)
        return f"export {folder}" + (f" ({shown})" if shown else "")


def _is(value: Any, kind: type) -> bool:
    """isinstance, where a bool is no number, and an int is a float too (JSON has one kind of number)."""
    if isinstance(value, bool):
        return kind is bool
    return isinstance(value, (int, float) if kind is float else kind)


def _history(rows: Any) -> list[dict[str, float]]:
    """A retrained model's learning curve, by today's metric names (`records.upgrade_history`)."""
    valid = isinstance(rows, list) and all(
        isinstance(row, dict) and _is(row.get("epoch"), int) and all(_is(v, float) for v in row.values()) for row in rows
    )
    if not valid:
        raise MetadataError("has no valid 'retrain_history' (rows of epoch numbers and losses)")
    return upgrade_history(rows)


def _metrics(data: dict[str, Any]) -> Metrics:
    """Test metrics as any autosent wrote them, refused if what is shown of them is not a number."""
    for name in ("accuracy", "roc_auc"):  # None only where a class had no text
        if name in data and data[name] is not None and not _is(data[name], float):
            raise MetadataError(f"has no valid 'test_metrics.{name}' (a number expected)")
    per_class = data.get("per_class", {})
    if not isinstance(per_class, dict) or not all(isinstance(c, dict) for c in per_class.values()):
        raise MetadataError("has no valid 'test_metrics.per_class' (figures by class expected)")
    return Metrics.from_json(data)


def read_metadata(folder: Path, needs: frozenset[str] = frozenset()) -> ExportMetadata:
    """An export's metadata.json, or `UsageError` naming it if it cannot say what a reader needs
    (`ExportMetadata.from_json`: `needs` names the fields the reader cannot do without)."""
    path = folder / METADATA_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UsageError(f"{path} is unreadable ({first_line(e)}); export the model again") from None
    try:
        return ExportMetadata.from_json(data, needs)
    except MetadataError as e:
        raise UsageError(f"{path} {e}; {e.fix}") from None
