#!/usr/bin/env python3
"""The cells of a shape sweep that miss their bound, one markdown row each, with the
share of their taps that fall in the padding and a reason derived from the shape.

    cargo run -p tinyml-bench --release -- sweep --board mps2-an505 --variant ref \
        --variant opt --json sweep.json
    python3 scripts/sweep-misses.py sweep.json

Why the padding share: the reference kernels skip a tap outside the image, while the
optimized ones gather it as the zero point and multiply it like any other, so a cell
whose taps are mostly padding does up to 1 / (1 - share) times the reference's products.
`opt/ref x (1 - pad)` is what the ratio would be if the optimized kernel skipped them too.
"""
import json
import sys


def padded_share(p):
    """Share of the taps of every output pixel that lie outside the input."""
    if p.get("op") not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        return 0.0
    _, ih, iw, _ = p["input"]
    _, oh, ow, _ = p["output"]
    kh, kw = p["kernel"]
    s, d = p["stride"], p["dilation"]

    def pad_before(size_in, size_out, k):
        if p["padding"] != "SAME":
            return 0
        return max((size_out - 1) * s + (k - 1) * d + 1 - size_in, 0) // 2

    def inside(size_in, size_out, k, pad):
        # Per output position, the taps inside; the 2-D count is the product of the axes.
        return [sum(0 <= o * s - pad + t * d < size_in for t in range(k)) for o in range(size_out)]

    rows = inside(ih, oh, kh, pad_before(ih, oh, kh))
    cols = inside(iw, ow, kw, pad_before(iw, ow, kw))
    total = oh * ow * kh * kw
    return 1 - sum(rows) * sum(cols) / total if total else 0.0


def reason(p, pad):
    op, (kh, kw) = p.get("op"), p.get("kernel", (0, 0))
    if pad >= 0.25:
        return f"{pad:.0%} of the taps are padding, skipped by the reference, multiplied as zero points by the optimized kernel"
    if op == "CONV_2D" and (kh, kw) == (1, 1):
        return "pointwise on 12-40 input channels: one call per pixel and scalar requantization (the path by groups of four output channels is Helium-only)"
    if op == "DEPTHWISE_CONV_2D" and p.get("multiplier", 1) > 1 and p["in_channels"] < 4:
        return "depth multiplier above 1 on 1-3 channels (not analysed further)"
    if op == "DEPTHWISE_CONV_2D" and p["in_channels"] == 1:
        return "one channel (four pixels per pass on the DSP cores since 2026-12-07, 0.06-0.15 of the reference then: a miss is new)"
    return "not classified"


def main():
    sweep = json.load(open(sys.argv[1]))
    print("| board | cell | figure | bound | padding | opt/ref x (1 - pad) | reason |")
    print("|---|---|---:|---|---:|---:|---|")
    for r in sweep["rows"]:
        if r["status"] != "miss":
            continue
        p, ratio = r["params"], r.get("opt_over_ref")
        pad = padded_share(p)
        bound = r["bound"] or ""
        if "opt/ref" in str(bound):
            figure = f"{ratio:.3f}"
        else:
            figure = f"{r['opt']['per_unit']:.2f} instr/{r['unit']}"
        skipped = f"{ratio * (1 - pad):.3f}" if ratio else "-"
        print(f"| {r['board']} | `{r['cell']}` | {figure} | {bound} | {pad:.0%} | {skipped} | {reason(p, pad)} |")


if __name__ == "__main__":
    main()
