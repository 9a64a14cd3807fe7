"""svg.py - small hand-written SVG charts for bench/bench.py (no plotting library needed).

line_chart(path, title, xlabel, ylabel, series, logx=False, logy=False)
    series: [(name, [(x, y), ...]), ...]
bar_chart(path, title, ylabel, groups, bars)
    groups: [group label, ...]; bars: [(name, [value per group or None]), ...]
"""
import math

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
W, H = 640, 400
L, R, T, B = 70, 170, 40, 50          # margins: the legend sits on the right


def _esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fmt(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6:
        return "%gM" % (v / 1e6)
    if a >= 1e4:
        return "%gk" % (v / 1e3)
    if a >= 1:
        return "%g" % round(v, 2)
    return "%.2g" % v


def _nice_ticks(lo, hi, n=5):
    if hi <= lo:
        hi = lo + 1
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _log_ticks(lo, hi):
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return [10 ** e for e in range(a, b + 1)]


def _header(title):
    return ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'font-family="sans-serif" font-size="12">' % (W, H, W, H),
            '<rect width="100%" height="100%" fill="white"/>',
            '<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>' % (L, _esc(title))]


def _legend(out, names):
    for i, name in enumerate(names):
        y = T + 10 + i * 20
        c = COLORS[i % len(COLORS)]
        out.append('<rect x="%d" y="%d" width="14" height="10" fill="%s"/>' % (W - R + 15, y - 9, c))
        out.append('<text x="%d" y="%d">%s</text>' % (W - R + 35, y, _esc(name)))


def _axes(out, xlabel, ylabel):
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, H - B, W - R, H - B))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (L, T, L, H - B))
    out.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % ((L + W - R) / 2, H - 12, _esc(xlabel)))
    out.append('<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">%s</text>'
               % ((T + H - B) / 2, (T + H - B) / 2, _esc(ylabel)))


def line_chart(path, title, xlabel, ylabel, series, logx=False, logy=False):
    pts = [p for _, s in series for p in s if p[1] is not None]
    out = _header(title)
    if not pts:
        out.append('<text x="%d" y="%d">no data</text>' % (L + 20, H / 2))
        out.append("</svg>")
        open(path, "w").write("\n".join(out) + "\n")
        return
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    if logx:
        xt = sorted(set(xs))
        x0, x1 = math.log10(min(xs)), math.log10(max(xs))
        if x1 == x0:
            x0, x1 = x0 - 1, x1 + 1
        fx = lambda x: L + (math.log10(x) - x0) / (x1 - x0) * (W - R - L)
    else:
        xt = _nice_ticks(0, max(xs))
        x0, x1 = 0, xt[-1]
        fx = lambda x: L + (x - x0) / (x1 - x0) * (W - R - L)
    if logy:
        pos = [y for y in ys if y > 0] or [1]
        yt = _log_ticks(min(pos), max(pos))
        y0, y1 = math.log10(yt[0]), math.log10(yt[-1])
        if y1 == y0:
            y1 = y0 + 1
        fy = lambda y: H - B - (math.log10(max(y, yt[0])) - y0) / (y1 - y0) * (H - B - T)
    else:
        yt = _nice_ticks(0, max(ys) * 1.05)
        y0, y1 = 0, yt[-1]
        fy = lambda y: H - B - (y - y0) / (y1 - y0) * (H - B - T)
    for t in yt:
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (L, fy(t), W - R, fy(t)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 5, fy(t) + 4, _fmt(t)))
    for t in xt:
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (fx(t), H - B + 16, _fmt(t)))
    _axes(out, xlabel, ylabel)
    for i, (name, s) in enumerate(series):
        c = COLORS[i % len(COLORS)]
        s = [p for p in s if p[1] is not None]
        if not s:
            continue
        d = " ".join("%s%.1f,%.1f" % ("M" if j == 0 else "L", fx(x), fy(y)) for j, (x, y) in enumerate(s))
        out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"/>' % (d, c))
        for x, y in s:
            out.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s: %s</title></circle>'
                       % (fx(x), fy(y), c, _esc(name), _fmt(y)))
    _legend(out, [n for n, _ in series])
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")


def bar_chart(path, title, ylabel, groups, bars):
    vals = [v for _, vs in bars for v in vs if v is not None]
    out = _header(title)
    yt = _nice_ticks(0, (max(vals) if vals else 1) * 1.05)
    y1 = yt[-1] or 1
    fy = lambda y: H - B - y / y1 * (H - B - T)
    for t in yt:
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (L, fy(t), W - R, fy(t)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 5, fy(t) + 4, _fmt(t)))
    _axes(out, "", ylabel)
    gw = (W - R - L) / max(1, len(groups))
    bw = gw * 0.8 / max(1, len(bars))
    for g, label in enumerate(groups):
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (L + gw * (g + 0.5), H - B + 16, _esc(label)))
        for i, (name, vs) in enumerate(bars):
            v = vs[g]
            if v is None:
                continue
            x = L + gw * g + gw * 0.1 + i * bw
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>'
                       % (x, fy(v), bw - 2, H - B - fy(v), COLORS[i % len(COLORS)], _esc(name), _esc(label), _fmt(v)))
            out.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>'
                       % (x + (bw - 2) / 2, fy(v) - 3, _fmt(v)))
    _legend(out, [n for n, _ in bars])
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")
