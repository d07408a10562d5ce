"""The scale bench's growth plot: well-formed SVG whose curves follow the rows they were drawn from."""

import xml.etree.ElementTree as ET

import pytest

from newsrag.eval import plot

NS = {"s": "http://www.w3.org/2000/svg"}


def row(chunks, p50, bare, rss=900.0):
    return {"chunks": chunks, "p50_ms": p50, "bare_p50_ms": bare, "ingest_peak_rss_mb": 1200.0,
            "serving_rss_mb": rss, "server_rss_mb": 400.0, "bare_client_rss_mb": 600.0,
            "next_after_ingest_s": 0.1}


def points(svg: str, key: str) -> list[tuple[float, float]]:
    line = ET.fromstring(svg).find(f"s:polyline[@data-series='{key}']", NS)
    return [tuple(map(float, p.split(","))) for p in line.get("points").split()]


def test_each_series_is_one_curve_through_every_size_in_order():
    svg = plot.svg([row(10_000, 100, 15), row(100_000, 120, 16), row(1_000_000, 200, 16)])
    for _, _, series in plot.PANELS:
        for key, *_ in series:
            pts = points(svg, key)
            assert len(pts) == 3
            assert pts[0][0] < pts[1][0] < pts[2][0]  # x follows the chunk count
    # log scale: ten times the chunks is the same step each time
    xs = [x for x, _ in points(svg, "p50_ms")]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.2)
    # y follows the value: a higher p50 is drawn higher (smaller y); ours sits above the peer
    ys = [y for _, y in points(svg, "p50_ms")]
    assert ys[0] > ys[1] > ys[2]
    assert all(o < b for (_, o), (_, b) in zip(points(svg, "p50_ms"), points(svg, "bare_p50_ms")))


def test_a_single_size_still_draws_and_no_rows_is_an_error():
    ET.fromstring(plot.svg([row(50_000, 120, 16)]))
    with pytest.raises(ValueError, match="no rows"):
        plot.svg([])


def test_cli_writes_the_svg(tmp_path):
    import json

    src = tmp_path / "scale.json"
    src.write_text(json.dumps([row(10_000, 100, 15), row(50_000, 110, 15)]))
    assert plot.main([str(src), str(tmp_path / "out.svg")]) == 0
    assert ET.parse(tmp_path / "out.svg").getroot().tag.endswith("svg")
    assert plot.main([str(src)]) == 2
