"""Writes a synthetic content folder of N realistic items (the sample's catalogue), for benchmarks.

python -m bench.corpus DIR N
"""

from __future__ import annotations

import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATEGORIES = ["activities", "training", "dues", "recruitment", "performance", "integrity", "decisions", "spending",
              "appointments", "awards", "suggestions", "discipline", "other"]  # fmt: skip
PARAGRAPH = (
    "根据党务公开工作安排，现将有关情况公开如下。本事项经支部委员会研究同意，按程序报局机关党委审核，"
    "公开期间如有意见建议，请通过意见箱、监督电话或电子邮箱反映，我们将及时办理并反馈结果。"
)


def write_corpus(target: Path, count: int, day: date = date(2026, 11, 20), seed: int = 7) -> Path:
    """A content folder with `count` items, all current on `day` unless `spread` says otherwise."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    for n in range(count):
        category = CATEGORIES[n % len(CATEGORIES)]
        start = day - timedelta(days=rng.randint(0, 6))
        scope = "public" if n % 3 and category != "discipline" else "internal"  # the catalogue keeps discipline internal
        paragraphs = "\n\n".join(PARAGRAPH for _ in range(rng.randint(1, 3)))
        text = (
            f"---\ntitle: 第{n + 1}号公开事项：关于{category}工作的情况说明\ncategory: {category}\nscope: {scope}\n"
            f"valid_from: {start.isoformat()}\nvalid_until: {(start + timedelta(days=20)).isoformat()}\n"
            f"doc_number: 测党〔2026〕{n + 1}号\n---\n{paragraphs}\n"
        )
        path = target / f"{n // 100:03d}" / f"item-{n:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]), int(sys.argv[2]))
