"""Load and check the medication tables: ``kb/medications/`` and ``kb/valuesets/``.

- ``medications/rxnorm-opioid-products.csv``: RxNorm opioid products (csv module). Codes are
  digits, every field is filled in, strengths are positive numbers in a known unit, and rows of
  one product name one ingredient (two salts of it are summed).
- ``medications/mme-factors.yaml``: the MME factor sets, routes and flags (pydantic). Every dose
  form of the product table has a route; in every set every ingredient is counted, not counted
  or has no factor, explicitly; every citation resolves; every flag the calculator raises is
  described, with template fields it can fill and the numbers it compares with (MME/day threshold,
  acute-supply window, reassessment window) and no others.
- ``valuesets/<id>.csv``: ``system,code,display``; codes match their system.

Every problem is appended to the loader's issue list with the file and the line or key.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spinecare.core.errors import KBIssue
from spinecare.core.medications.mme import (
    FLAG_IDS,
    FLAG_NUMBERS,
    REQUIRED_VALUESETS,
    flag_template_fields,
)
from spinecare.core.medications.model import (
    ICD10CM,
    RXNORM,
    SNOMED,
    ExcludedIngredient,
    FactorSet,
    FlagSpec,
    MmeFactor,
    MmeTable,
    OpioidProduct,
    ValueSet,
)
from spinecare.knowledge.schema import CITE, ChangelogEntry, Status, _semver

PRODUCTS = "medications/rxnorm-opioid-products.csv"
FACTORS = "medications/mme-factors.yaml"
VALUESETS = "valuesets"
PRODUCT_COLUMNS = [
    "rxcui",
    "name",
    "dose_form_rxcui",
    "dose_form",
    "ingredient_rxcui",
    "ingredient",
    "strength",
    "strength_value",
    "strength_unit",
]
STRENGTH_UNITS = ("MG", "MG/ML", "MG/HR", "MG/ACTUAT")
VALUESET_COLUMNS = ["system", "code", "display"]
CODE_PATTERNS = {
    RXNORM: re.compile(r"^\d{1,10}$"),
    SNOMED: re.compile(r"^\d{6,18}$"),
    # a code (M54.50) or a block of codes (C00-C14) as the CDC expansions list them
    ICD10CM: re.compile(
        r"^[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?(-[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?)?$"
    ),
}
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierModel(_Strict):
    up_to: float | None = Field(gt=0)
    factor: float = Field(gt=0)


class FactorModel(_Strict):
    ingredient: str = Field(pattern=r"^[a-z][a-z -]*$")
    route: str
    per: Literal["mg/day", "mcg/h"]
    factor: float | None = Field(default=None, gt=0)
    tiers: list[TierModel] = Field(default_factory=list)
    cites: list[str] = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _one_factor(self) -> FactorModel:
        if (self.factor is None) == (not self.tiers):
            raise ValueError("give either factor or tiers (dose bands), not both or neither")
        bounds = [t.up_to for t in self.tiers]
        if bounds and (bounds[-1] is not None or None in bounds[:-1]):
            raise ValueError("tiers: only the last band is open (up_to: null), and it must be")
        numeric = [b for b in bounds if b is not None]
        if numeric != sorted(set(numeric)):
            raise ValueError("tiers: up_to must increase")
        return self


class ExcludedModel(_Strict):
    ingredient: str = Field(pattern=r"^[a-z][a-z -]*$")
    reason: str = Field(min_length=10)
    cites: list[str] = Field(default_factory=list)


class FactorSetModel(_Strict):
    title: str
    cites: list[str] = Field(min_length=1)
    note: str = ""
    factors: list[FactorModel] = Field(min_length=1)
    not_counted: list[ExcludedModel] = Field(default_factory=list)
    no_factor: list[ExcludedModel] = Field(default_factory=list)


class FlagModel(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    severity: Literal["info", "warning", "critical"]
    title: str
    detail: str = Field(min_length=20)
    cites: list[str] = Field(min_length=1)
    threshold_mme: float | None = Field(default=None, gt=0)
    supply_days_more_than: float | None = Field(default=None, ge=0)
    supply_days_less_than: float | None = Field(default=None, gt=0)
    within_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _window(self) -> FlagModel:
        low, high = self.supply_days_more_than, self.supply_days_less_than
        if low is not None and high is not None and low >= high:
            raise ValueError("supply_days_more_than must be below supply_days_less_than")
        return self


#: FlagModel fields that hold a number the calculator compares with (see FLAG_NUMBERS).
_NUMBER_FIELDS = ("threshold_mme", "supply_days_more_than", "supply_days_less_than", "within_days")


class MmeFactorsFile(_Strict):
    id: str = Field(pattern=r"^table\.[a-z0-9][a-z0-9._-]*$")
    version: str
    status: Status
    title: str
    cites: list[str] = Field(min_length=1)
    default_set: str
    routes: dict[str, list[str]]
    factor_sets: dict[str, FactorSetModel] = Field(min_length=1)
    flags: list[FlagModel]
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _version(self) -> MmeFactorsFile:
        _semver(self.version)
        return self


@dataclass
class MedicationData:
    """What ``load_medications`` adds to the ``KnowledgeBase``."""

    products: dict[str, OpioidProduct] = field(default_factory=dict)
    mme: MmeTable | None = None
    valuesets: dict[str, ValueSet] = field(default_factory=dict)


def load_medications(
    root: Path, issues: list[KBIssue], sources: Collection[str] | None = None
) -> MedicationData:
    """Read ``medications/`` and ``valuesets/`` under ``root``; append problems to ``issues``.

    ``sources`` are the KB's source ids, to resolve citations; ``None`` skips that check (for
    tools and tests that load the medication tables alone, without the rest of the KB).
    """
    data = MedicationData()
    data.valuesets = _valuesets(root, issues)
    if not (root / "medications").is_dir():
        return data
    data.products = _products(root, issues)
    data.mme = _factors(root, issues, sources, data.products)
    missing = [v for v in REQUIRED_VALUESETS if v not in data.valuesets]
    if missing:
        issues.append(
            KBIssue(VALUESETS, "", f"the MME calculator needs value set(s): {', '.join(missing)}")
        )
    return data


def _csv_rows(
    root: Path, rel: str, columns: list[str], issues: list[KBIssue]
) -> list[tuple[int, list[str]]]:
    """The complete rows of a CSV file with their line numbers; problems go to ``issues``."""
    path = root / rel
    if not path.is_file():
        issues.append(KBIssue(rel, "", "file missing"))
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or rows[0] != columns:
        issues.append(KBIssue(rel, "line 1", f"header must be {','.join(columns)}"))
        return []
    good = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(columns) or not all(cell.strip() for cell in row):
            issues.append(
                KBIssue(rel, f"line {number}", f"incomplete row: {len(columns)} values needed")
            )
        else:
            good.append((number, row))
    return good


def _products(root: Path, issues: list[KBIssue]) -> dict[str, OpioidProduct]:
    out: dict[str, OpioidProduct] = {}
    rows = _csv_rows(root, PRODUCTS, PRODUCT_COLUMNS, issues)
    for number, row in rows:
        rxcui, name, form_rxcui, form, ingr_rxcui, ingredient, _, value, unit = row
        where = f"line {number}"
        bad = [
            c
            for c, v in (
                ("rxcui", rxcui),
                ("dose_form_rxcui", form_rxcui),
                ("ingredient_rxcui", ingr_rxcui),
            )
            if not v.isdigit()
        ]
        if bad:
            issues.append(KBIssue(PRODUCTS, where, f"RxNorm codes are digits: {', '.join(bad)}"))
            continue
        try:
            strength = float(value)
        except ValueError:
            strength = -1.0
        if strength <= 0 or unit not in STRENGTH_UNITS:
            issues.append(
                KBIssue(PRODUCTS, where, f"strength must be > 0 in {'/'.join(STRENGTH_UNITS)}")
            )
            continue
        product = OpioidProduct(rxcui, name, form, ingredient.lower(), ingr_rxcui, strength, unit)
        first = out.get(rxcui)
        if first is not None:
            if (first.ingredient, first.strength_unit, first.dose_form) != (
                product.ingredient,
                unit,
                form,
            ):
                issues.append(
                    KBIssue(
                        PRODUCTS,
                        where,
                        f"product {rxcui} has rows with different ingredients, units or dose "
                        "forms; the MME calculator supports one opioid ingredient per product",
                    )
                )
                continue
            # two salts of the same ingredient (oxycodone hydrochloride + terephthalate)
            product = OpioidProduct(
                rxcui, name, form, first.ingredient, ingr_rxcui, first.strength + strength, unit
            )
        out[rxcui] = product
    return out


def _factors(
    root: Path,
    issues: list[KBIssue],
    sources: Collection[str] | None,
    products: dict[str, OpioidProduct],
) -> MmeTable | None:
    path = root / FACTORS
    if not path.is_file():
        issues.append(KBIssue(FACTORS, "", "file missing"))
        return None
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    except yaml.YAMLError as exc:
        issues.append(KBIssue(FACTORS, "", f"not valid YAML: {exc}"))
        return None
    if isinstance(raw, dict):  # x-… keys hold YAML anchors only
        raw = {k: v for k, v in raw.items() if not str(k).startswith("x-")}
    try:
        m = MmeFactorsFile.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            issues.append(KBIssue(FACTORS, ".".join(str(p) for p in err["loc"]), err["msg"]))
        return None
    count = len(issues)
    _check_cites(m, sources, issues)
    routes: dict[str, str] = {}
    for route, forms in m.routes.items():
        for form in forms:
            if form in routes:
                issues.append(KBIssue(FACTORS, f"routes.{route}", f"'{form}' is in two routes"))
            routes[form] = route
    for form in sorted({p.dose_form for p in products.values()} - routes.keys()):
        issues.append(
            KBIssue(FACTORS, "routes", f"dose form '{form}' of the product table has no route")
        )
    ingredients = {p.ingredient for p in products.values()}
    sets = {
        sid: _factor_set(sid, s, ingredients, set(m.routes), issues)
        for sid, s in m.factor_sets.items()
    }
    if m.default_set not in sets:
        issues.append(KBIssue(FACTORS, "default_set", f"no factor set '{m.default_set}'"))
    flags = _flags(m, issues)
    if len(issues) > count:
        return None
    return MmeTable(
        id=m.id,
        version=m.version,
        title=m.title,
        default_set=m.default_set,
        routes=routes,
        sets=sets,
        flags=flags,
        cites=tuple(m.cites),
        source_file=FACTORS,
    )


def _check_cites(m: MmeFactorsFile, sources: Collection[str] | None, issues: list[KBIssue]) -> None:
    found: list[tuple[str, str]] = [("cites", c) for c in m.cites]
    for sid, s in m.factor_sets.items():
        found += [(f"factor_sets.{sid}.cites", c) for c in s.cites]
        groups: list[tuple[str, Sequence[FactorModel | ExcludedModel]]] = [
            ("factors", s.factors),
            ("not_counted", s.not_counted),
            ("no_factor", s.no_factor),
        ]
        for name, items in groups:
            for i, item in enumerate(items):
                found += [(f"factor_sets.{sid}.{name}.{i}.cites", c) for c in item.cites]
    for i, flag in enumerate(m.flags):
        found += [(f"flags.{i}.cites", c) for c in flag.cites]
    for key, cite in found:
        if not CITE.match(cite):
            issues.append(KBIssue(FACTORS, key, f"'{cite}' is not a citation src.<id>#<section>"))
        elif sources is not None and cite.partition("#")[0] not in sources:
            issues.append(
                KBIssue(FACTORS, key, f"citation '{cite}' does not resolve: no such source")
            )


def _factor_set(
    sid: str, s: FactorSetModel, ingredients: set[str], routes: set[str], issues: list[KBIssue]
) -> FactorSet:
    key = f"factor_sets.{sid}"
    factors: dict[tuple[str, str], MmeFactor] = {}
    for i, f in enumerate(s.factors):
        if f.route not in routes:
            issues.append(KBIssue(FACTORS, f"{key}.factors.{i}.route", f"no route '{f.route}'"))
        if (f.ingredient, f.route) in factors:
            issues.append(
                KBIssue(FACTORS, f"{key}.factors.{i}", f"{f.ingredient} by {f.route} twice")
            )
        tiers = tuple((t.up_to, t.factor) for t in f.tiers)
        factors[(f.ingredient, f.route)] = MmeFactor(
            f.ingredient, f.route, f.per, f.factor, tiers, tuple(f.cites), f.note
        )

    def excluded(items: list[ExcludedModel]) -> dict[str, ExcludedIngredient]:
        return {
            e.ingredient: ExcludedIngredient(e.ingredient, e.reason, tuple(e.cites)) for e in items
        }

    not_counted, no_factor = excluded(s.not_counted), excluded(s.no_factor)
    placed: dict[str, int] = {}
    for ingredient in {i for i, _ in factors}:  # one ingredient may have factors by two routes
        placed[ingredient] = 1
    for e in (*s.not_counted, *s.no_factor):
        placed[e.ingredient] = placed.get(e.ingredient, 0) + 1
    for ingredient in sorted(ingredients):
        if ingredient not in placed:
            issues.append(
                KBIssue(
                    FACTORS,
                    key,
                    f"ingredient '{ingredient}' of the product table is neither in factors, "
                    "not_counted nor no_factor",
                )
            )
    for ingredient, times in sorted(placed.items()):
        if times > 1:
            issues.append(
                KBIssue(FACTORS, key, f"ingredient '{ingredient}' is listed {times} times")
            )
        if ingredient not in ingredients:
            issues.append(
                KBIssue(FACTORS, key, f"ingredient '{ingredient}' is not in the product table")
            )
    return FactorSet(sid, s.title, tuple(s.cites), factors, not_counted, no_factor, s.note)


def _flags(m: MmeFactorsFile, issues: list[KBIssue]) -> dict[str, FlagSpec]:
    flags: dict[str, FlagSpec] = {}
    for i, f in enumerate(m.flags):
        if f.id not in FLAG_IDS:
            issues.append(
                KBIssue(FACTORS, f"flags.{i}.id", f"the calculator raises no flag '{f.id}'")
            )
        needed = FLAG_NUMBERS.get(f.id, ())
        for name in _NUMBER_FIELDS:
            given = getattr(f, name) is not None
            if given != (name in needed):
                issues.append(
                    KBIssue(
                        FACTORS,
                        f"flags.{i}.{name}",
                        f"flag '{f.id}' needs {name}" if not given else f"not used by '{f.id}'",
                    )
                )
        sample: dict[str, object] = {
            name: 1 if name == "count" else "1" for name in flag_template_fields(f.id)
        }
        for part in ("title", "detail"):
            try:
                getattr(f, part).format_map(sample)
            except (KeyError, ValueError, IndexError) as exc:
                issues.append(KBIssue(FACTORS, f"flags.{i}.{part}", f"bad template field: {exc}"))
        flags[f.id] = FlagSpec(
            f.id,
            f.severity,
            f.title,
            f.detail,
            tuple(f.cites),
            f.threshold_mme,
            f.supply_days_more_than,
            f.supply_days_less_than,
            f.within_days,
        )
    for fid in FLAG_IDS:
        if fid not in flags:
            issues.append(KBIssue(FACTORS, "flags", f"flag '{fid}' is not described"))
    return flags


def _valuesets(root: Path, issues: list[KBIssue]) -> dict[str, ValueSet]:
    out: dict[str, ValueSet] = {}
    folder = root / VALUESETS
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        rel = f"{VALUESETS}/{path.name}"
        codes: dict[str, set[str]] = {}
        for number, (system, code, _) in _csv_rows(root, rel, VALUESET_COLUMNS, issues):
            pattern = CODE_PATTERNS.get(system)
            if pattern is None:
                issues.append(KBIssue(rel, f"line {number}", f"unknown code system '{system}'"))
            elif not pattern.match(code):
                issues.append(
                    KBIssue(rel, f"line {number}", f"'{code}' is not a valid code of {system}")
                )
            else:
                codes.setdefault(system, set()).add(code)
        out[path.stem] = ValueSet(path.stem, {s: frozenset(c) for s, c in codes.items()})
    return out
