"""Search spaces: TOML files (bundled ones in `autosent/search/spaces/`) that say what Hyperband may try.

A space file has up to five tables:

    [vectorizer]      max_tokens, sequence_length     (fixed for a run: vectorised once)
                      ngrams, ngram_max_tokens        (word n-grams, for `bag`, `nbsvm` and `tfidf`)
                      char_ngrams, char_max_tokens    (character n-grams, for `char_nbsvm` and `tfidf`)
                      each size an integer, or a rule the training split decides (see SIZE_RULES)
                      standardize                     (how a text becomes words: autosent.text.standardize)
    [hyperband]       max_epochs, factor
    [training]        patience                        (EarlyStopping on the val cross-entropy)
    [hyperparameters] one entry per model hyperparameter, each either
                      a plain value                   -> fixed
                      { choice = [a, b, ...] }        -> one of these
                      { int = [lo, hi], step = s }    -> integer range
                      { float = [lo, hi], sampling = "log" }  -> float range
                      batch_size may also be { steps_per_epoch = S, min = A, max = B }: the
                      training split decides it (see BATCH_RULE)
    [encoders.NAME]   entries that replace [hyperparameters] ones when a trial picks
                      encoder NAME (a recurrent encoder is cheaper at a larger batch)

Hyperparameters a file leaves out take the seed notebook's value, so a one-line file is
a valid space. Everything is validated on load and every error names the key.
Which encoders there are, and which hyperparameters each reads, is the encoder registry's
(`autosent.models.encoders`). A hyperparameter that only some encoders read (embedding_dim, units, ...), or that an
[encoders.NAME] table sets, is conditional on the encoder in keras-tuner's terms: it is
sampled only for the trials that use it, from their own range.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from autosent.errors import UsageError, whole_number_problem
from autosent.models.encoders import registry
from autosent.models.encoders.registry import Param
from autosent.text import standardize
from autosent.text.inputs import CHARS, NGRAMS

#: Where the bundled spaces live: package data, so that a wheel carries them, and plain
#: files in the source tree, so that an editable install reads the edited ones.
SPACES_DIR = Path(str(resources.files("autosent.search") / "spaces"))

#: The encoder of a space that names none: the seed notebook's.
DEFAULT_ENCODER = "conv1d"


def params() -> dict[str, Param]:
    """Every hyperparameter the hypermodel reads, `encoder` first (one of the registered families).

    The families (`autosent.models.encoders`) say which each reads, with its default and range; read
    when a space loads, so a family registered after this module was imported is known too.
    """
    return {"encoder": Param(str, DEFAULT_ENCODER, allowed=registry.names()), **registry.hyperparameters()}


@dataclass(frozen=True)
class Setting:
    """One entry of the [vectorizer], [hyperband] or [training] table: an integer in [minimum, maximum], or one of `allowed`.

    A vectorizer size may instead be a rule (`SIZE_RULES`), resolved on the training split
    by `sizes.resolve_sizes`; `default` is what a file that leaves the entry out gets, and a
    run recorded before the entry existed.
    """

    default: int | str | dict[str, int]
    minimum: int = 0
    maximum: int = 0
    allowed: tuple[str, ...] | None = None


#: The rules a vectorizer size may be given as, each with a cap (`max`): `sequence_length` as
#: a percentile of the training texts' lengths in words, a vocabulary as the words (or
#: n-grams) seen at least `min_count` times in the training split, the widest character
#: n-gram as the widest whose n-grams of the median training text number `grams_per_text` at
#: most (about its characters x the width: long reviews get shorter n-grams, which cost less).
SIZE_RULES = {
    "sequence_length": "percentile", "max_tokens": "min_count", "ngram_max_tokens": "min_count",
    "char_ngrams": "grams_per_text", "char_max_tokens": "min_count",
}  # fmt: skip

#: The rule `batch_size` may be given as: the training texts over `steps_per_epoch`, rounded
#: down and kept within [min, max], so that an epoch is at least that many optimiser steps. An
#: epoch is what Hyperband counts, and a family whose learning rates were measured at some
#: number of steps per epoch needs about that many to converge within a rung, whatever the
#: data's size.
BATCH_RULE = ("steps_per_epoch", "min", "max")

SETTINGS: dict[str, dict[str, Setting]] = {
    "vectorizer": {
        # 3: padding and out-of-vocabulary come first, and a vocabulary needs a word
        "max_tokens": Setting({"min_count": 2, "max": 20000}, 3, 10_000_000),
        "sequence_length": Setting({"percentile": 90, "max": 400}, 1, 10_000),
        "ngrams": Setting(2, 1, 5),
        "ngram_max_tokens": Setting({"min_count": 2, "max": 200000}, 2, 10_000_000),
        # character n-grams inside words, for the families that read them: 1 to `char_ngrams` characters
        "char_ngrams": Setting({"grams_per_text": 4000, "max": 5}, 1, 8),
        "char_max_tokens": Setting({"min_count": 2, "max": 200000}, 2, 10_000_000),
        # Keras' own by default, which is also what runs made before this entry used
        "standardize": Setting(standardize.STRIP, allowed=standardize.STANDARDIZERS),
    },
    "hyperband": {"max_epochs": Setting(10, 1, 1000), "factor": Setting(3, 2, 100)},
    "training": {"patience": Setting(2, 1, 1000)},
}


@dataclass(frozen=True)
class SearchSpace:
    """A validated space file."""

    name: str
    settings: dict[str, dict[str, Any]]
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    encoder_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # the [encoders.NAME] tables

    def _size(self, key: str) -> int:
        value = self.settings["vectorizer"][key]
        if not isinstance(value, int):
            raise TypeError(f"vectorizer.{key} is the rule {value}: resolve the space on its data first (sizes.resolve_sizes)")
        return value

    @property
    def max_tokens(self) -> int:
        return self._size("max_tokens")

    @property
    def sequence_length(self) -> int:
        return self._size("sequence_length")

    @property
    def standardize(self) -> str:
        """How the text layers turn a text into words (`autosent.text.standardize`)."""
        return self.settings["vectorizer"]["standardize"]

    @property
    def size_rules(self) -> dict[str, dict[str, int]]:
        """The vectorizer sizes the training split decides: {key: rule}, empty once resolved."""
        return {k: v for k, v in self.settings["vectorizer"].items() if isinstance(v, dict)}

    def with_fixed(self, name: str, value: Any) -> SearchSpace:
        """This space with hyperparameter `name` fixed to `value` for every encoder (a CLI flag's override)."""
        overrides = {e: {k: v for k, v in o.items() if k != name} for e, o in self.encoder_overrides.items()}
        return SearchSpace(self.name, self.settings, {**self.hyperparameters, name: value}, overrides)

    def with_sizes(self, sizes: dict[str, int]) -> SearchSpace:
        """This space with its vectorizer size rules replaced by resolved `sizes`."""
        vectorizer = {**self.settings["vectorizer"], **sizes}
        return SearchSpace(self.name, {**self.settings, "vectorizer": vectorizer}, self.hyperparameters, self.encoder_overrides)

    @property
    def batch_rules(self) -> dict[str | None, dict[str, int]]:
        """The `batch_size` rules the training split decides (`BATCH_RULE`): {encoder: rule}, None for [hyperparameters]."""
        tables = {None: self.hyperparameters, **self.encoder_overrides}
        return {encoder: entries["batch_size"] for encoder, entries in tables.items() if _is_batch_rule(entries.get("batch_size"))}

    def with_batch_sizes(self, batches: dict[str | None, int]) -> SearchSpace:
        """This space with its `batch_size` rules replaced by resolved `batches` ({encoder: batch}, as `batch_rules`).

        An encoder's batch equal to the common fixed one is no override: the space is then the
        one a file with no rule would give, so a run made before the rule existed, at that
        batch (IMDB's 64), still compares equal and resumes.
        """
        common = batches.get(None, self.hyperparameters.get("batch_size"))
        hyperparameters = {**self.hyperparameters, "batch_size": common} if None in batches else self.hyperparameters
        overrides = {}
        for encoder, entries in self.encoder_overrides.items():
            if encoder in batches and batches[encoder] == common:
                entries = {k: v for k, v in entries.items() if k != "batch_size"}
            elif encoder in batches:
                entries = {**entries, "batch_size": batches[encoder]}
            overrides[encoder] = entries
        return SearchSpace(self.name, self.settings, hyperparameters, overrides)

    @property
    def encoders(self) -> list[str]:
        """The encoders a trial can pick."""
        spec = self.hyperparameters.get("encoder", DEFAULT_ENCODER)
        return list(spec["choice"]) if isinstance(spec, dict) else [spec]

    def reads(self, name: str) -> bool:
        """Whether any trial can pick an encoder that reads input `name`, so the run makes it."""
        return any(name in registry.family(e).inputs for e in self.encoders)

    @property
    def uses_ngrams(self) -> bool:
        """Whether any trial can pick a word n-gram encoder, so the run needs word n-gram counts."""
        return self.reads(NGRAMS)

    @property
    def uses_chars(self) -> bool:
        """Whether any trial can pick a character encoder, so the run needs character n-gram counts."""
        return self.reads(CHARS)

    @property
    def ngram_settings(self) -> tuple[int, int]:
        """(ngrams, max_tokens) of the n-gram vectorizer."""
        return self.settings["vectorizer"]["ngrams"], self._size("ngram_max_tokens")

    @property
    def char_settings(self) -> tuple[int, int]:
        """(widest character n-gram, max_tokens) of the character n-gram vectorizer."""
        return self._size("char_ngrams"), self._size("char_max_tokens")

    @property
    def vectorizer_settings(self) -> dict[str, Any]:
        """The [vectorizer] settings this space's text layers read: the character ones only if it uses them.

        Runs and exports made before the character encoders show no settings they never had.
        """
        unused = () if self.uses_chars else ("char_ngrams", "char_max_tokens")
        return {k: v for k, v in self.settings["vectorizer"].items() if k not in unused}

    def largest(self, name: str, encoder: str) -> Any:
        """The largest value hyperparameter `name` can take in a trial of `encoder`."""
        return _largest(self.spec(name, encoder))

    @property
    def largest_kernel(self) -> int:
        """The widest convolution a trial can pick (1 if none can): no text may be shorter."""
        return max((self.largest("kernel_size", e) for e in self.encoders if registry.family(e).reads("kernel_size")), default=1)

    @property
    def max_epochs(self) -> int:
        return self.settings["hyperband"]["max_epochs"]

    @property
    def factor(self) -> int:
        return self.settings["hyperband"]["factor"]

    @property
    def patience(self) -> int:
        return self.settings["training"]["patience"]

    def as_dict(self) -> dict[str, Any]:
        """The space as plain data, for run.json and for comparing runs.

        Only the vectorizer settings its text layers read (`vectorizer_settings`): a run made
        before the character settings existed compares equal to the same space today, so it resumes.
        """
        return {**self.settings, "vectorizer": self.vectorizer_settings, "hyperparameters": self.hyperparameters,
                "encoders": self.encoder_overrides}  # fmt: skip

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> SearchSpace:
        """The inverse of `as_dict`: a run's space as it was, even if its file changed since.

        Keys added to the format since the run was made take their defaults, and keys retired
        since are dropped. The rest is checked as a space file is, and must hold no rule (a search
        resolves each on its data before it records the space): `ValueError` names what a
        hand-edited run.json got wrong.
        """
        problem = _missing_table(data)
        if problem is not None:
            raise ValueError(problem)
        current = {**data, "vectorizer": {k: v for k, v in data["vectorizer"].items() if k not in RETIRED}}
        try:
            space = _validated(name, "its space", current)
        except UsageError as e:
            raise ValueError(str(e)) from None
        # A rule as recorded, not one a default filled in for a key added since the run was made.
        rules = [f"vectorizer.{key}" for key, value in current["vectorizer"].items() if isinstance(value, dict)]
        rules += [f"encoders.{e}.batch_size" if e else "hyperparameters.batch_size" for e in space.batch_rules]
        if rules:
            raise ValueError(f"its space's {rules[0]} is a rule, which a search resolves on its data before it records the space")
        return space

    def spec(self, name: str, encoder: str) -> Any:
        """What the file says `name` is for trials of `encoder`: its [encoders] entry, else the common one."""
        return self.encoder_overrides.get(encoder, {}).get(name, self.hyperparameters.get(name, params()[name].default))

    def declare(self, hp, name: str):
        """Register hyperparameter `name` on keras-tuner's `hp`; return its value, None if unused.

        Declare `encoder` first. A parameter with one spec for every encoder that can be
        picked is declared plainly. Otherwise it is declared under keras-tuner's conditional
        scope on `encoder`: the common spec for the encoders that read it, and each
        [encoders.NAME] entry as its own hyperparameter, `NAME.name` (keras-tuner drops the
        value of one name declared under two conditions). All are registered on every call,
        so the oracle knows the whole space from the first trial on.
        """
        readers = [e for e in self.encoders if name == "encoder" or registry.family(e).reads(name)]
        overridden = [e for e in readers if name in self.encoder_overrides.get(e, {})]
        common = [e for e in readers if e not in overridden]
        if common == self.encoders:
            return _declare_spec(hp, name, self.spec(name, common[0]))
        value = None
        for encoders, tuner_name in [(common, name), *(([e], f"{e}.{name}") for e in overridden)]:
            if encoders:
                with hp.conditional_scope("encoder", encoders):
                    active = _declare_spec(hp, tuner_name, self.spec(name, encoders[0]))
                value = active if active is not None else value
        return value

    def declare_all(self, hp) -> dict[str, Any]:
        """Register every hyperparameter on `hp`, `encoder` first; return this trial's values by name.

        `batch_size` is registered too (fit() reads it), so the oracle knows the whole space.
        """
        return {name: self.declare(hp, name) for name in params()}

    def model_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """A trial's keras-tuner values by the hypermodel's names: `gru.units` becomes `units`."""
        encoder = values.get("encoder", self.encoders[0])
        out = {k: v for k, v in values.items() if k.partition(".")[0] not in registry.names()}
        for name in self.encoder_overrides.get(encoder, {}):
            if f"{encoder}.{name}" in values:
                out[name] = values[f"{encoder}.{name}"]
        return out

    def tuner_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """The inverse of `model_values`: a recorded trial's values as keras-tuner names them."""
        encoder = values.get("encoder", self.encoders[0])
        overridden = self.encoder_overrides.get(encoder, {})
        return {f"{encoder}.{k}" if k in overridden else k: v for k, v in values.items()}


def _declare_spec(hp, name: str, spec: Any):
    """One keras-tuner hyperparameter from one validated spec; None inside an inactive scope."""
    if _is_batch_rule(spec):
        raise TypeError(f"{name} is the rule {spec}: resolve the space on its data first (sizes.resolve_sizes)")
    if not isinstance(spec, dict):
        return hp.Fixed(name, spec)
    if "choice" in spec:
        return hp.Choice(name, spec["choice"], default=spec.get("default"))
    kind = "int" if "int" in spec else "float"
    lo, hi = spec[kind]
    extra = {k: spec[k] for k in ("step", "sampling", "default") if k in spec}
    return (hp.Int if kind == "int" else hp.Float)(name, lo, hi, **extra)


def resolve(space: str) -> Path:
    """A bundled space's name (`default`, `seed`), else a path as given.

    The bundled name wins over a file or folder of that name in the current folder, so a
    plain `autosent search` (`--space default`) means the same in every folder; `./default`
    names the local one.
    """
    return SPACES_DIR / f"{space}.toml" if space in bundled_spaces() else Path(space)


def load_space(space: str) -> SearchSpace:
    """Read and validate a space file; raise `UsageError` naming the first bad key."""
    path = resolve(space)
    if path.is_dir():
        raise UsageError(f"--space {space} is a folder; give a .toml file or a bundled space ({', '.join(bundled_spaces())})")
    try:
        # utf-8-sig: a byte-order mark (Windows editors write one) is no part of the TOML.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UsageError(f"space file not found: {path} (bundled: {', '.join(bundled_spaces())})") from None
    except OSError as e:
        raise UsageError(f"cannot read space file {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read space file {path}: it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"space file {path} is not valid TOML: {e}") from None
    return _validated(path.stem, str(path), raw)


def _validated(name: str, source: str, raw: dict[str, Any]) -> SearchSpace:
    """The space `raw` describes, every key checked; `UsageError` naming `source` and the first bad key."""
    tables = [*SETTINGS, "hyperparameters", "encoders"]
    unknown = set(raw) - set(tables)
    if unknown:
        raise UsageError(f"{source}: unknown table [{min(unknown)}] (allowed: {', '.join(tables)})")
    settings = {table: _settings(source, table, _table(source, table, raw.get(table, {}))) for table in SETTINGS}
    hps = {
        name: _check_param(f"{source}: hyperparameters.{name}", name, spec)
        for name, spec in _table(source, "hyperparameters", raw.get("hyperparameters", {})).items()
    }
    overrides = {
        encoder: _check_overrides(source, encoder, entries)
        for encoder, entries in _table(source, "encoders", raw.get("encoders", {})).items()
    }
    space = SearchSpace(name, settings, hps, overrides)
    length = settings["vectorizer"]["sequence_length"]
    longest = length if isinstance(length, int) else length["max"]
    if space.largest_kernel > longest:
        raise UsageError(
            f"{source}: kernel_size {space.largest_kernel} is longer than vectorizer.sequence_length = {longest}; "
            "a convolution needs at least one full window"
        )
    return space


def _table(source: str, name: str, given: Any) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise UsageError(f"{source}: [{name}] must be a table")
    return given


def _check_overrides(source: str, encoder: str, entries: Any) -> dict[str, Any]:
    """An [encoders.NAME] table: a known encoder, and only hyperparameters that encoder reads."""
    if encoder not in registry.names():
        raise UsageError(f"{source}: [encoders.{encoder}]: unknown encoder (allowed: {', '.join(registry.names())}); {registry.IMPORT_HINT}")
    checked = {}
    for name, spec in _table(source, f"encoders.{encoder}", entries).items():
        where = f"{source}: encoders.{encoder}.{name}"
        known = registry.hyperparameters()
        if name not in known:
            raise UsageError(f"{where}: unknown hyperparameter (allowed: {', '.join(known)})")
        if not registry.family(encoder).reads(name):
            raise UsageError(f"{where}: the {encoder} encoder does not use {name}")
        checked[name] = _check_param(where, name, spec)
    return checked


def bundled_spaces() -> list[str]:
    return sorted(p.stem for p in SPACES_DIR.glob("*.toml"))


#: Keys earlier versions read, and why they are gone.
RETIRED = {
    "ngram_sequence_length": "the n-gram encoders now read every n-gram of a text (counts), so there is no length to set",
}


def _settings(source: str, table: str, given: Any) -> dict[str, Any]:
    schema = SETTINGS[table]
    for key, value in given.items():
        if key in RETIRED:
            raise UsageError(f"{source}: {table}.{key} is no longer read: {RETIRED[key]}; remove it")
        if key not in schema:
            raise UsageError(f"{source}: unknown key {table}.{key} (allowed: {', '.join(schema)})")
        setting = schema[key]
        if setting.allowed is not None:
            if value not in setting.allowed:
                raise UsageError(f"{source}: {table}.{key} = {value!r} must be one of {', '.join(setting.allowed)}")
        elif key in SIZE_RULES and isinstance(value, dict):
            _check_rule(source, f"{table}.{key}", SIZE_RULES[key], value, setting)
        elif whole_number_problem(value, setting.minimum, setting.maximum) is not None:
            raise UsageError(
                f"{source}: {table}.{key} = {value!r} must be an integer from {setting.minimum} to {setting.maximum:,}"
            )
    return {key: given.get(key, setting.default) for key, setting in schema.items()}


def _check_rule(source: str, where: str, rule: str, value: dict[str, Any], setting: Setting) -> None:
    """A size rule: {rule = N, max = M}, N a percentile (1-100) or a count (at least 1), M a valid size."""
    if set(value) != {rule, "max"}:
        raise UsageError(f"{source}: {where} = {value!r} must be an integer or {{ {rule} = N, max = M }}")
    low, high = (1, 100) if rule == "percentile" else (1, 1_000_000)
    if whole_number_problem(value[rule], low, high) is not None:
        raise UsageError(f"{source}: {where}.{rule} = {value[rule]!r} must be an integer from {low} to {high:,}")
    if whole_number_problem(value["max"], setting.minimum, setting.maximum) is not None:
        raise UsageError(f"{source}: {where}.max = {value['max']!r} must be an integer from {setting.minimum} to {setting.maximum:,}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """A finite int or float: TOML also reads nan and inf, and true is an int to Python."""
    return (isinstance(value, float) and math.isfinite(value)) or _is_int(value)


def _check_value(where: str, name: str, value: Any) -> Any:
    """One value of `name`, in range; returned as the parameter's type (an int l2 becomes a float)."""
    param = params()[name]
    if param.allowed is not None:
        if value not in param.allowed:
            hint = f"; {registry.IMPORT_HINT}" if name == "encoder" else ""
            raise UsageError(f"{where}: {value!r} is not allowed (allowed: {', '.join(map(str, param.allowed))}){hint}")
        return value
    if param.kind is int and not _is_int(value):
        raise UsageError(f"{where}: {value!r} must be an integer")
    if not _is_number(value):
        raise UsageError(f"{where}: {value!r} must be a finite number")
    if param.positive and value <= 0:
        raise UsageError(f"{where}: {value!r} must be greater than 0")
    if param.minimum is not None and value < param.minimum:
        raise UsageError(f"{where}: {value!r} must be at least {param.minimum:g}")
    if param.maximum is not None and value > param.maximum:
        raise UsageError(f"{where}: {value!r} must be at most {param.maximum:g}")
    if param.below is not None and value >= param.below:
        raise UsageError(f"{where}: {value!r} must be less than {param.below:g}")
    return param.kind(value)


def _check_param(where: str, name: str, spec: Any) -> Any:
    """One hyperparameter entry, checked and normalised; `where` ("file: table.name") starts every error.

    Everything keras-tuner would refuse later (a step that is no positive number, a default
    outside the range, mixed int and float choices) is refused here, before a run is written.
    """
    if name not in params():
        raise UsageError(f"{where}: unknown hyperparameter (allowed: {', '.join(params())})")
    if not isinstance(spec, dict):
        return _check_value(where, name, spec)
    if set(spec) & set(BATCH_RULE):
        if name != "batch_size":
            raise UsageError(f"{where}: only batch_size takes {{ steps_per_epoch = S, min = A, max = B }}")
        return _check_batch_rule(where, spec)
    kinds = [k for k in ("choice", "int", "float") if k in spec]
    if len(kinds) != 1:
        raise UsageError(f"{where}: give exactly one of choice = [...], int = [lo, hi], float = [lo, hi]")
    kind = kinds[0]
    extra = set(spec) - {kind, "default", "step", "sampling"}
    if extra:
        raise UsageError(f"{where}: unknown key {min(extra)!r} (allowed: {kind}, default, step, sampling)")
    values = spec[kind]
    if not isinstance(values, list) or not values:
        raise UsageError(f"{where}: {kind} = {values!r} must be a non-empty list")
    values = [_check_value(where, name, value) for value in values]
    checked: dict[str, Any] = {kind: values}
    if kind == "choice":
        if set(spec) - {"choice", "default"}:
            raise UsageError(f"{where}: a choice takes no step or sampling")
    else:
        expected = {str: "choice", int: "int", float: "float"}[params()[name].kind]
        if kind != expected:
            raise UsageError(f"{where}: takes {expected} = [...], not {kind}")
        if len(values) != 2 or values[0] >= values[1]:
            raise UsageError(f"{where}: {kind} = {spec[kind]!r} must be [low, high] with low < high")
        sampling = spec.get("sampling", "linear")
        if sampling not in ("linear", "log", "reverse_log"):
            raise UsageError(f"{where}: sampling = {sampling!r} is not allowed (allowed: linear, log, reverse_log)")
        if sampling != "linear" and values[0] <= 0:
            raise UsageError(f"{where}: log sampling needs a low bound above 0, got {values[0]!r}")
        if "sampling" in spec:
            checked["sampling"] = sampling
        if "step" in spec:
            checked["step"] = _check_step(where, kind, spec["step"], sampling)
    if "default" in spec:
        default = _check_value(where, name, spec["default"])
        inside = default in values if kind == "choice" else values[0] <= default <= values[1]
        if not inside:
            raise UsageError(f"{where}: default = {spec['default']!r} is not among {kind} = {spec[kind]!r}")
        checked["default"] = default
    return checked


def _missing_table(data: Any) -> str | None:
    """The table a recorded space lacks (a search records every one), or None."""
    if not isinstance(data, dict):
        return "its space is not a table"
    missing = [table for table in (*SETTINGS, "hyperparameters") if not isinstance(data.get(table), dict)]
    return f"its space has no [{missing[0]}] table" if missing else None


def _is_batch_rule(spec: Any) -> bool:
    return isinstance(spec, dict) and "steps_per_epoch" in spec


def _check_batch_rule(where: str, spec: dict[str, Any]) -> dict[str, int]:
    """A `BATCH_RULE`: three positive integers, min <= max, each a valid batch size."""
    if set(spec) != set(BATCH_RULE):
        raise UsageError(f"{where} = {spec!r} must be {{ steps_per_epoch = S, min = A, max = B }}")
    checked = {key: _check_value(f"{where}.{key}", "batch_size", spec[key]) for key in BATCH_RULE}
    if checked["min"] > checked["max"]:
        raise UsageError(f"{where}: min = {checked['min']} is above max = {checked['max']}")
    return checked


def _check_step(where: str, kind: str, step: Any, sampling: str) -> Any:
    """A range's step: a positive number (an integer for `int`), a factor above 1 under log sampling."""
    if not (_is_int(step) if kind == "int" else _is_number(step)) or step <= 0:
        what = "a positive integer" if kind == "int" else "a positive number"
        raise UsageError(f"{where}: step = {step!r} must be {what}")
    if sampling != "linear" and step <= 1:
        raise UsageError(f"{where}: step = {step!r} must be above 1 with {sampling} sampling (it multiplies)")
    return step if kind == "int" else float(step)


def _largest(spec: Any) -> Any:
    """The largest value a validated spec can take."""
    if not isinstance(spec, dict):
        return spec
    if _is_batch_rule(spec):
        return spec["max"]
    return max(spec["choice"]) if "choice" in spec else spec["int" if "int" in spec else "float"][1]
