#!/usr/bin/env python3
"""Draws the operator's dashboard (deploy/grafana/dashboards/mizani.json) from a Prometheus server's answers to the
dashboard's own queries, panel by panel where Grafana would place them: a picture of what the dashboard shows when
Grafana is not at hand (the project's build machines cannot install it). Needs matplotlib.

    scripts/dashboard-snapshot.py http://127.0.0.1:9090 15 docs/images/dashboard-under-load.png [title]
"""
import json
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROW_HEIGHT = 0.42  # inches per grid unit of height
WIDTH = 24.0


def query_range(prometheus, expr, start, end, step):
    url = prometheus + "/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(url, timeout=30) as r:
        answer = json.load(r)
    if answer.get("status") != "success":
        raise RuntimeError(f"{expr}: {answer}")
    return answer["data"]["result"]


def legend(fmt, labels):
    if not fmt:
        return ",".join(f"{k}={v}" for k, v in labels.items() if k != "__name__") or "value"
    out = fmt
    for k, v in labels.items():
        out = out.replace("{{" + k + "}}", v)
    return out


def main():
    prometheus, minutes, output = sys.argv[1].rstrip("/"), float(sys.argv[2]), sys.argv[3]
    title = sys.argv[4] if len(sys.argv) > 4 else None
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/mizani.json").read_text())
    end = time.time()
    start = end - minutes * 60
    step = max(5, int(minutes * 60 / 240))
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
    fig = plt.figure(figsize=(22, bottom * ROW_HEIGHT + 0.8))
    fig.suptitle(title or dashboard["title"], x=0.01, ha="left", fontsize=15, fontweight="bold")
    empty = []
    for panel in dashboard["panels"]:
        g = panel["gridPos"]
        left, width = g["x"] / WIDTH + 0.004, g["w"] / WIDTH - 0.012
        top = 1 - (g["y"] * ROW_HEIGHT + 0.8) / fig.get_figheight()
        height = g["h"] * ROW_HEIGHT / fig.get_figheight()
        if panel["type"] == "row":
            fig.text(left, top - height * 0.5, panel["title"], fontsize=13, fontweight="bold", va="center")
            continue
        ax = fig.add_axes([left + 0.02 * (panel["type"] != "stat"), top - height + 0.022, width - 0.02 * (panel["type"] != "stat"),
                           height - 0.045])
        ax.set_title(panel["title"], fontsize=10, loc="left")
        series = []
        for target in panel["targets"]:
            for s in query_range(prometheus, target["expr"], start, end, step):
                points = [(float(t) - end, float(v)) for t, v in s["values"] if v not in ("NaN", "+Inf", "-Inf")]
                series.append((legend(target.get("legendFormat"), s["metric"]), points))
        if not series or all(not p for _, p in series):
            empty.append(panel["title"])
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
        scale, suffix = (100, " %") if unit == "percentunit" else (1000, " ms") if unit == "s" else (1, "")
        if panel["type"] == "stat":
            last = [p[-1][1] for _, p in series if p]
            value = sum(last) if last else float("nan")
            ax.axis("off")
            ax.text(0.5, 0.35, f"{value * scale:g}{suffix}", ha="center", va="center", fontsize=26,
                    color="green" if value == 0 else "red")
            continue
        for name, points in series[:12]:
            if points:
                ax.plot([t / 60 for t, _ in points], [v * scale for _, v in points], label=name[:48], linewidth=1.2)
        ax.set_xlabel("minutes before " + time.strftime("%H:%M UTC", time.gmtime(end)), fontsize=8)
        ax.set_ylabel(suffix.strip() or unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if series:
            ax.legend(fontsize=7, loc="upper left", ncol=2 if len(series) > 4 else 1)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=80)
    print(f"wrote {output}; panels without data: {empty or 'none'}")


if __name__ == "__main__":
    main()
