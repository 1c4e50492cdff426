# Every theme and subtheme title of a workspace beside the keyword label the synthesis issue
# started from ("design / downtown": the first two keywords), as a Markdown table
# (BENCHMARKS.md, "Titles beside the keyword labels").
#
# Usage: python3 benches/compare/title_lists.py WORKSPACE
# Needs polars.
import sys

import polars as pl

if len(sys.argv) != 2:
    sys.exit("usage: title_lists.py WORKSPACE")
ws = sys.argv[1]
themes = pl.read_parquet(f"{ws}/themes/themes.parquet")
lang = "lang" in themes.columns
tops = themes.filter(pl.col("parent_id").is_null()).sort(["size", "theme_id"], descending=[True, False])
subs = themes.filter(pl.col("parent_id").is_not_null())

print("| theme | units | language | keyword label | title |")
print("|---|---|---|---|---|")


def row(t, indent):
    kws = [k for k in (t["keywords"] or "").split("; ") if k]
    pair = " / ".join(kws[:2]) or "-"
    title = t["label"].replace("|", "\\|")
    print(f"| {indent}{t['theme_id']} | {t['size']:,} | {t['lang'] if lang else ''} | {pair} | {title} |")


for t in tops.iter_rows(named=True):
    row(t, "")
    for s in subs.filter(pl.col("parent_id") == t["theme_id"]).sort("theme_id").iter_rows(named=True):
        row(s, "&nbsp;&nbsp;")
