"""The committee's report as XLSX (openpyxl): one sheet per part, the same K_FLOOR as the pages."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

from ..dates import jdate
from .analysis import FLAG_LABELS, percent
from .report import K_FLOOR, CohortReport

#: A cell starting with one of these could run as a formula in Excel (full-width forms included).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def cell(value):
    """Text Excel would read as a formula gets a leading quote; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _fmt(value, digits=1):
    return None if value is None else round(value, digits)


def report_workbook(reports: list[CohortReport]) -> bytes:
    """Sheets 概要, 出席, 事前事後, アンケート, 自由記述, 問題分析; one block (or column) per cohort."""
    book = Workbook(write_only=True)
    sheets = {name: book.create_sheet(name) for name in ("概要", "出席", "事前事後", "アンケート", "自由記述", "問題分析")}

    def put(name, row):
        sheets[name].append([cell(v) for v in row])

    put("概要", ["研修", "研修課程", "受講期間（開始）", "受講期間（終了）", "参加者", "必修教材", "期限までに修了", "修了率"])
    put("出席", ["研修", "集合研修日", "出席（遅刻・早退を含む）", "参加者"])
    put("事前事後", ["研修", "事前テスト 人数", "事前テスト 平均点", "事後テスト 人数", "事後テスト 平均点",
                    "両方受けた人数", "伸び 平均", "伸び 標準偏差", "効果量 d_z", "伸びの分布（点）", "人数"])
    put("アンケート", ["研修", "回答数", "項目", "種類", "回答", "人数", "平均（5段階）"])
    put("自由記述", ["研修", "項目", "記述（順不同）"])
    put("問題分析", ["研修", "研修課程", "教材", "問", "回答数", "初回回答数", "正答率（初回）", "識別力（点双列相関）", "フラグ"])
    for r in reports:
        name = r.cohort.name
        put("概要", [name, r.cohort.curriculum_label, jdate(r.cohort.opens_on), jdate(r.cohort.closes_on), r.enrolled,
                    r.required, r.completed_by_deadline, percent(r.completion_rate)])
        for day, attended in r.days:
            put("出席", [name, jdate(day), attended, r.enrolled])
        p = r.prepost
        put("事前事後", [name, p.pre_n, _fmt(p.pre_mean), p.post_n, _fmt(p.post_mean), p.n, _fmt(p.mean_gain),
                        _fmt(p.sd_gain), _fmt(p.effect_size, 2)])
        for low, count in p.histogram:
            if count:
                put("事前事後", [name] + [None] * 8 + [f"{low:+d}〜{low + 9:+d}", count])
        s = r.survey
        if not s.shown:
            put("アンケート", [name, s.responses, f"回答が{K_FLOOR}件未満のため集計しません"])
            continue
        for item in s.items:
            if not item.shown:
                put("アンケート", [name, s.responses, item.prompt, item.type, f"回答が{K_FLOOR}件未満のため表示しません"])
            elif item.type == "text":
                for text in item.texts:
                    put("自由記述", [name, item.prompt, text])
            else:
                for label, count in item.counts:
                    put("アンケート", [name, s.responses, item.prompt, item.type, label, count, _fmt(item.mean, 2)])
    for r in reports:
        for q in r.questions:
            put("問題分析", [r.cohort.name, q.curriculum, q.module_title, q.number, q.attempts, q.first,
                          _fmt(q.facility, 3), _fmt(q.discrimination, 3), "、".join(FLAG_LABELS[f] for f in q.flags)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
