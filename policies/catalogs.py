"""Catalog data files (occupations, items, tiers): CSV with a source for every row."""
from __future__ import annotations

from pathlib import Path

import polars as pl


class CatalogError(ValueError):
    pass


def load_catalog(path: Path, columns: dict[str, type[pl.DataType] | pl.DataType],
                 unique: tuple[str, ...] = ()) -> pl.DataFrame:
    """Read a catalog CSV (``#`` lines are comments) and check it strictly.

    Every row needs every column in ``columns`` (empty strings allowed only where the
    column is absent from ``columns``) and a non-empty ``source``.
    """
    df = pl.read_csv(path, comment_prefix="#", infer_schema=False)
    need = {**columns, "source": pl.String}
    missing = set(need) - set(df.columns)
    if missing:
        raise CatalogError(f"{path.name}: missing column {sorted(missing)[0]!r}")
    for name in need:
        blank = df.filter(pl.col(name).is_null() | (pl.col(name).str.strip_chars() == ""))
        if blank.height:
            raise CatalogError(f"{path.name}: row {blank.row(0)} has no {name}")
    df = df.with_columns(pl.col(n).cast(t) for n, t in columns.items())
    for key in unique:
        dup = df.filter(pl.col(key).is_not_null() & pl.col(key).is_duplicated())
        if dup.height:
            raise CatalogError(f"{path.name}: {key} {dup[key][0]!r} appears twice")
    return df
