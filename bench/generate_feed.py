#!/usr/bin/env python3
"""Generate a synthetic but realistic GTFS Schedule zip of a chosen size.

Usage:
    python bench/generate_feed.py OUT.zip --stop-times N [--seed 1] [--agencies 1]

The feed has exactly N stop_times rows and keeps referential integrity
(every trip -> route/service/shape, every stop_time -> trip/stop, stop
platforms -> parent stations, frequencies/transfers -> trips/stops).
Everything else scales with N: ``--stop-times 3000000`` looks roughly like
the South East Queensland feed (about 600 routes, 11k stops, 100k trips,
about 1M shape points); ``--stop-times 30000000`` like a national feed.

Stdlib only. Output is streamed member by member, row by row, so memory
stays flat: only the network skeleton (corridor geometry, route/pattern
table) is kept in memory, never a whole file. The same --seed always gives
byte-identical member contents.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import csv
import io
import math
import os
import random
import sys
import time
import zipfile
from array import array

# --------------------------------------------------------------------------
# Constants

LAT0, LON0 = -27.4698, 153.0251  # Brisbane CBD
M_PER_DEG_LAT = 110574.0
M_PER_DEG_LON = 111320.0 * math.cos(math.radians(LAT0))
DAY_END = 26 * 3600 + 30 * 60  # no stop time after 26:30:00
TIME_TABLE_MAX = 27 * 3600

FEED_START, FEED_END = "20250303", "20250601"
HOLIDAYS = ["20250418", "20250421", "20250425", "20250505"]  # all in window
DAY_TYPES = ("WKD", "SAT", "SUN")
DAY_TYPE_SHARE = (1.0, 0.55, 0.45)  # trips per day type relative to weekday

ROUTE_TYPE_BUS, ROUTE_TYPE_RAIL, ROUTE_TYPE_FERRY, ROUTE_TYPE_TRAM = 3, 2, 4, 0

# hour -> relative departure density (hours past midnight, up to 26)
HOUR_WEIGHTS = {
    "WKD": [0, 0, 0, 0, 0.2, 0.6, 1.4, 2.2, 2.0, 1.3, 1.0, 1.0, 1.0, 1.0,
            1.2, 1.8, 2.2, 2.0, 1.3, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
    "SAT": [0, 0, 0, 0, 0.1, 0.3, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.4, 0.3, 0.1],
    "SUN": [0, 0, 0, 0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 0.9, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.2, 0.1, 0.1],
}

SYL_A = ["Al", "Bar", "Bel", "Bor", "Bul", "Car", "Cool", "Dar", "Ed", "Fern",
         "Gle", "Hol", "In", "Kel", "Lam", "Mar", "Mor", "Nun", "Ox", "Pad",
         "Red", "Ros", "San", "Sher", "Tar", "Up", "Wal", "War", "Wes", "Yer"]
SYL_B = ["aroo", "bah", "bin", "bury", "dale", "don", "field", "ford", "gan",
         "hurst", "ington", "ley", "lyn", "mere", "mont", "oola", "pa", "ridge",
         "ston", "ton", "vale", "ville", "wood", "worth", "ya"]
SUBURB_SUFFIX = ["", "", "", "", "", " Heights", " Park", " Creek", " Hills",
                 " North", " South", " West", " East", " Point"]
STREETS = ["Adelaide", "Albert", "Ann", "Beaudesert", "Boundary", "Brunswick",
           "Caxton", "Coronation", "Creek", "Cavendish", "Days", "Ellison",
           "Elizabeth", "Gympie", "Hamilton", "Honour", "Ipswich", "Kessels",
           "Kingsford Smith", "Lutwyche", "Logan", "Mains", "Margaret", "Mary",
           "Milton", "Moggill", "Mount Gravatt-Capalaba", "Newnham", "Oxley",
           "Old Cleveland", "Pacific", "Park", "Queen", "Redcliffe", "Riverside",
           "Sandgate", "Samford", "Stafford", "Sherwood", "Toohey", "Turbot",
           "Vulture", "Waterworks", "Wickham", "Wynnum", "Zillmere", "Musgrave",
           "Given", "Indooroopilly", "Coopers Camp", "Chermside", "Hellawell",
           "Beams", "Murphy", "Cleveland", "Rode", "Webster", "Bowen Bridge"]
STREET_TYPES = ["Road", "Street", "Road", "Street", "Avenue", "Drive", "Parade",
                "Terrace", "Highway", "Lane", "Crescent", "Boulevard"]


def fmt_time(s: int) -> str:
    h, r = divmod(s, 3600)
    m, sec = divmod(r, 60)
    return f"{h:02d}:{m:02d}:{sec:02d}"


def to_lat(y: float) -> str:
    return f"{LAT0 + y / M_PER_DEG_LAT:.6f}"


def to_lon(x: float) -> str:
    return f"{LON0 + x / M_PER_DEG_LON:.6f}"


# --------------------------------------------------------------------------
# Network skeleton


class Corridor:
    """A street (or line) with anchors (stop locations) every few hundred m.

    Direction 0 runs anchor 0 -> L-1, direction 1 runs back on the other side
    of the road. For each direction we keep the dense polyline (x, y metres
    from the CBD, cumulative distance) in travel order plus the vertex index
    of each anchor, so any shape is a slice of it and a stop's
    shape_dist_traveled is a difference of two cumulative distances.
    """

    __slots__ = ("idx", "kind", "street", "L", "xs", "ys", "cum", "avi",
                 "station", "used", "stop_ids", "anchor_name", "speed")

    def __init__(self, idx, kind, street):
        self.idx = idx
        self.kind = kind
        self.street = street


class Suburbs:
    """Deterministic suburb name per 2.5 km grid cell (order independent)."""

    CELL = 2500.0

    def __init__(self, seed):
        self.seed = seed
        self.cache = {}

    def name(self, x, y):
        key = (int(math.floor(x / self.CELL)), int(math.floor(y / self.CELL)))
        n = self.cache.get(key)
        if n is None:
            r = random.Random(self.seed * 1_000_003 + (key[0] + 10_000) * 40_009
                              + (key[1] + 10_000))
            n = r.choice(SYL_A) + r.choice(SYL_B) + r.choice(SUBURB_SUFFIX)
            self.cache[key] = n
        return n


def build_corridor(rng, c: Corridor, L: int, radius: float):
    kind = c.kind
    if kind == ROUTE_TYPE_RAIL:
        step_lo, step_hi, spacing, turn = 1200.0, 2600.0, 60.0, 0.12
    elif kind == ROUTE_TYPE_FERRY:
        step_lo, step_hi, spacing, turn = 700.0, 1800.0, 50.0, 0.35
    elif kind == ROUTE_TYPE_TRAM:
        step_lo, step_hi, spacing, turn = 350.0, 600.0, 35.0, 0.15
    else:
        step_lo, step_hi, spacing, turn = 300.0, 650.0, 48.0, 0.2

    # random walk; most corridors head towards the CBD
    r0 = radius * math.sqrt(rng.random()) + 500.0
    a0 = rng.uniform(0, 2 * math.pi)
    x, y = r0 * math.cos(a0), r0 * math.sin(a0)
    if rng.random() < 0.65:
        heading = math.atan2(-y, -x) + rng.gauss(0, 0.3)
    else:
        heading = rng.uniform(0, 2 * math.pi)
    px, py = [x], [y]
    for _ in range(L - 1):
        near = math.hypot(x, y) < 4000
        lo, hi = (step_lo * 0.7, step_hi * 0.75) if near else (step_lo, step_hi)
        step = rng.uniform(lo, hi)
        if kind == ROUTE_TYPE_BUS and rng.random() < 0.08:
            heading += rng.choice((-1, 1)) * math.pi / 2  # turn at a corner
        else:
            heading += rng.gauss(0, turn)
        x += step * math.cos(heading)
        y += step * math.sin(heading)
        px.append(x)
        py.append(y)

    # dense polyline for direction 0, with per-vertex normals
    dx0, dy0, nxs, nys, avi0 = [], [], [], [], []
    seg_n = []
    for k in range(L - 1):
        x1, y1, x2, y2 = px[k], py[k], px[k + 1], py[k + 1]
        dx, dy = x2 - x1, y2 - y1
        seg = math.hypot(dx, dy) or 1.0
        nx, ny = dy / seg, -dx / seg
        seg_n.append((nx, ny))
        n = max(2, int(round(seg / (spacing * rng.uniform(0.8, 1.25)))))
        bend = rng.uniform(-0.05, 0.05) * seg
        avi0.append(len(dx0))
        for j in range(n):
            t = j / n
            off = 0.0 if j == 0 else bend * math.sin(math.pi * t) + rng.uniform(-2.0, 2.0)
            dx0.append(x1 + dx * t + nx * off)
            dy0.append(y1 + dy * t + ny * off)
            nxs.append(nx)
            nys.append(ny)
    avi0.append(len(dx0))
    dx0.append(px[-1])
    dy0.append(py[-1])
    nxs.append(seg_n[-1][0])
    nys.append(seg_n[-1][1])
    # anchors: average normal of adjacent segments
    for k in range(1, L - 1):
        ax = seg_n[k - 1][0] + seg_n[k][0]
        ay = seg_n[k - 1][1] + seg_n[k][1]
        ln = math.hypot(ax, ay) or 1.0
        v = avi0[k]
        nxs[v], nys[v] = ax / ln, ay / ln

    side = 12.0 if kind == ROUTE_TYPE_RAIL else 18.0
    nv = len(dx0)
    xs1 = [dx0[v] + nxs[v] * side for v in range(nv - 1, -1, -1)]
    ys1 = [dy0[v] + nys[v] * side for v in range(nv - 1, -1, -1)]
    avi1 = [nv - 1 - avi0[L - 1 - i] for i in range(L)]

    def cumdist(xs, ys):
        out = array("d", [0.0]) * len(xs)
        acc = 0.0
        for v in range(1, len(xs)):
            acc += math.hypot(xs[v] - xs[v - 1], ys[v] - ys[v - 1])
            out[v] = acc
        return out

    c.L = L
    c.xs = (array("f", dx0), array("f", xs1))
    c.ys = (array("f", dy0), array("f", ys1))
    c.cum = (cumdist(dx0, dy0), cumdist(xs1, ys1))
    c.avi = (avi0, avi1)
    c.used = (bytearray(L), bytearray(L))
    c.stop_ids = ([None] * L, [None] * L)
    if kind == ROUTE_TYPE_RAIL:
        c.station = bytearray(b"\x01" * L)
    else:
        p = 0.04 if kind == ROUTE_TYPE_BUS else 0.0
        c.station = bytearray(1 if (rng.random() < p) else 0 for _ in range(L))
        if kind == ROUTE_TYPE_BUS:
            c.station[L - 1] = 1 if rng.random() < 0.3 else c.station[L - 1]
    # cross street / number per anchor, for stop names
    c.anchor_name = [None] * L
    for k in range(L):
        if rng.random() < 0.7:
            c.anchor_name[k] = f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
        else:
            c.anchor_name[k] = f"stop {k + 1}"
    if kind == ROUTE_TYPE_RAIL:
        c.speed = rng.uniform(14.0, 20.0)
    elif kind == ROUTE_TYPE_FERRY:
        c.speed = rng.uniform(5.5, 8.0)
    elif kind == ROUTE_TYPE_TRAM:
        c.speed = rng.uniform(5.0, 6.5)
    else:
        c.speed = rng.uniform(5.5, 8.5)


class Route:
    __slots__ = ("idx", "rid", "corr", "agency", "short", "long", "rtype",
                 "color", "text_color", "group", "late", "freq_factor")


class Pattern:
    __slots__ = ("idx", "route", "d", "a", "b", "stops", "shape", "counts",
                 "first_min", "last_min", "variant", "freq", "headsign")


def build_network(n_stop_times: int, seed: int, n_agencies: int):
    rng = random.Random(seed)
    scale = n_stop_times / 3_000_000
    n_routes = max(4, int(round(n_stop_times / 5000)))
    n_corr = max(2, int(round(n_routes / 5.5)))
    radius = max(6000.0, 25000.0 * math.sqrt(max(scale, 0.01)))
    suburbs = Suburbs(seed)

    corridors = []
    for ci in range(n_corr):
        u = rng.random()
        if u < 0.035:
            kind = ROUTE_TYPE_RAIL
        elif u < 0.045:
            kind = ROUTE_TYPE_FERRY
        elif u < 0.055:
            kind = ROUTE_TYPE_TRAM
        else:
            kind = ROUTE_TYPE_BUS
        if ci == 0:
            kind = ROUTE_TYPE_RAIL  # always at least one rail line
        c = Corridor(ci, kind, f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}")
        if kind == ROUTE_TYPE_RAIL:
            L = rng.randint(14, 36)
        elif kind in (ROUTE_TYPE_FERRY, ROUTE_TYPE_TRAM):
            L = rng.randint(12, 26)
        else:
            L = rng.randint(38, 75)
        build_corridor(rng, c, L, radius)
        corridors.append(c)

    # routes: first one per corridor, then random corridors
    routes = []
    seen_short = set()
    for ri in range(n_routes):
        r = Route()
        r.idx = ri
        r.corr = corridors[ri] if ri < n_corr else corridors[rng.randrange(n_corr)]
        r.agency = ri % n_agencies
        r.rtype = r.corr.kind
        if r.rtype == ROUTE_TYPE_RAIL:
            short = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTVWY") for _ in range(4))
        elif r.rtype == ROUTE_TYPE_FERRY:
            short = f"F{ri % 90 + 1}"
        elif r.rtype == ROUTE_TYPE_TRAM:
            short = f"GL{ri % 90 + 1}"
        else:
            short = str(rng.randint(100, 999) if n_routes < 800 else rng.randint(100, 99999))
        while short in seen_short:
            short = short + "X" if r.rtype != ROUTE_TYPE_BUS else str(int(short.rstrip("X") or 1) + 1)
        seen_short.add(short)
        r.short = short
        r.rid = f"{short}-{ri + 1}"
        r.color = f"{rng.randrange(0x1000000):06X}"
        r.text_color = "FFFFFF" if rng.random() < 0.8 else "000000"
        r.group = rng.randrange(max(1, n_routes // 25))
        r.late = rng.random() < (0.7 if r.rtype == ROUTE_TYPE_RAIL else 0.35)
        f = math.exp(rng.gauss(0.0, 0.7))
        if r.rtype == ROUTE_TYPE_RAIL:
            f *= 1.6
        r.freq_factor = f
        routes.append(r)

    # patterns (stopping patterns) and shapes
    patterns = []
    shapes = []          # (corridor, d, a, b)
    shape_index = {}
    variant_dist = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6]
    freq_step = max(7, n_routes // 8)
    for r in routes:
        c = r.corr
        L = c.L
        if r.rtype == ROUTE_TYPE_BUS:
            ln = min(L, rng.randint(20, 48))
        else:
            ln = max(6, L - rng.randint(0, L // 4))
        s = rng.randint(0, L - ln)
        e = s + ln - 1
        x0, y0 = c.xs[0][c.avi[0][s]], c.ys[0][c.avi[0][s]]
        x1, y1 = c.xs[0][c.avi[0][e]], c.ys[0][c.avi[0][e]]
        r.long = f"{suburbs.name(x0, y0)} - {suburbs.name(x1, y1)}"
        nvar = rng.choice(variant_dist)
        for d in (0, 1):
            a, b = (s, e) if d == 0 else (L - 1 - e, L - 1 - s)
            ranges = [(a, b, False)]
            tries = 0
            while len(ranges) < nvar and tries < 20:
                tries += 1
                span = b - a + 1
                if rng.random() < 0.25 and span >= 10:
                    cand = (a, b, True)  # express: same shape, fewer stops
                else:
                    cut1 = rng.randint(0, span // 3) if rng.random() < 0.6 else 0
                    cut2 = rng.randint(0, span // 3) if (cut1 == 0 or rng.random() < 0.4) else 0
                    if cut1 + cut2 == 0:
                        cut2 = max(1, span // 5)
                    cand = (a + cut1, b - cut2, False)
                    if cand[1] - cand[0] + 1 < 6:
                        continue
                if cand in ranges:
                    continue
                ranges.append(cand)
            for vi, (pa, pb, express) in enumerate(ranges):
                p = Pattern()
                p.idx = len(patterns)
                p.route = r.idx
                p.d = d
                p.a, p.b = pa, pb
                p.variant = vi
                if express:
                    stops = [pa]
                    for i in range(pa + 1, pb):
                        if (i - pa) % 3 == 0 or c.station[i if d == 0 else L - 1 - i]:
                            stops.append(i)
                    stops.append(pb)
                else:
                    stops = list(range(pa, pb + 1))
                p.stops = stops
                used = c.used[d]
                for i in stops:
                    used[i] = 1
                key = (c.idx, d, pa, pb)
                si = shape_index.get(key)
                if si is None:
                    si = len(shapes)
                    shape_index[key] = si
                    shapes.append(key)
                p.shape = si
                k_last = pb if d == 0 else L - 1 - pb
                xl, yl = c.xs[0][c.avi[0][k_last]], c.ys[0][c.avi[0][k_last]]
                p.headsign = suburbs.name(xl, yl)
                if c.station[k_last] and r.rtype != ROUTE_TYPE_BUS:
                    p.headsign += " station" if r.rtype == ROUTE_TYPE_RAIL else ""
                weight = r.freq_factor * (1.0 if vi == 0 else rng.uniform(0.1, 0.45))
                p.counts = weight  # replaced by integer counts below
                first = rng.randint(270, 360) if vi == 0 else rng.randint(330, 600)
                if r.late and vi == 0:
                    last = rng.randint(1440, 1545)
                elif vi == 0:
                    last = rng.randint(1260, 1410)
                else:
                    last = rng.randint(1000, 1320)
                p.first_min, p.last_min = first, last
                p.freq = (vi == 0 and r.idx % freq_step == 3)
                patterns.append(p)

    # integer trip counts per (pattern, day type) so that sum(stops) >= N
    share_sum = sum(DAY_TYPE_SHARE)
    tot_w = sum(p.counts * len(p.stops) * share_sum for p in patterns)
    k = n_stop_times / tot_w
    total = 0
    for p in patterns:
        m = max(1, int(round(p.counts * k)))
        cnt = [m, int(round(m * DAY_TYPE_SHARE[1])), int(round(m * DAY_TYPE_SHARE[2]))]
        p.counts = cnt
        total += sum(cnt) * len(p.stops)
    # adjust on weekday counts, round robin from the busiest patterns
    order = sorted(range(len(patterns)), key=lambda i: -patterns[i].counts[0])
    i = 0
    while total > n_stop_times + 100 and any(patterns[j].counts[0] > 1 for j in order):
        p = patterns[order[i % len(order)]]
        if p.counts[0] > 1:
            p.counts[0] -= 1
            total -= len(p.stops)
        i += 1
    i = 0
    while total < n_stop_times:
        p = patterns[order[i % len(order)]]
        p.counts[0] += 1
        total += len(p.stops)
        i += 1

    return routes, corridors, patterns, shapes, suburbs


# --------------------------------------------------------------------------
# Trip plan (regenerated identically for trips.txt and stop_times.txt)


def minute_cdfs():
    cdfs = {}
    for dt, hw in HOUR_WEIGHTS.items():
        acc, cdf = 0.0, []
        for minute in range(0, 27 * 60):
            acc += hw[min(minute // 60, 26)] + 1e-6
            cdf.append(acc)
        cdfs[dt] = cdf
    return cdfs


def pattern_duration(p, corridors, routes):
    """Rough trip duration (s) at off-peak speed, to cap late start times."""
    r = routes[p.route]
    c = r.corr
    cum, avi = c.cum[p.d], c.avi[p.d]
    dist = cum[avi[p.b]] - cum[avi[p.a]]
    dwell = 30 if r.rtype == ROUTE_TYPE_RAIL else 12
    return int(dist / c.speed * 1.25 + dwell * len(p.stops))


def start_times(p, dt_idx, m, cdf, dur):
    first = p.first_min
    last = min(p.last_min, (DAY_END - dur) // 60)
    if last <= first:
        last = first + 1
    lo, hi = cdf[first], cdf[last]
    span = hi - lo
    out = []
    prev = -1
    for j in range(m):
        target = lo + (j + 0.5) / m * span
        minute = bisect.bisect_left(cdf, target, first, last + 1)
        minute = min(max(minute, first), last)
        if minute <= prev and prev < last:
            minute = prev + 1
        prev = minute
        out.append(minute * 60)
    return out


def iter_trips(patterns, corridors, routes, n_stop_times):
    """Yield (trip_no, pattern, dt_idx, j, start_sec, n_stops, block_no)."""
    cdfs = minute_cdfs()
    remaining = n_stop_times
    tno = 0
    for p in patterns:
        L = len(p.stops)
        dur = pattern_duration(p, corridors, routes)
        for dt_idx in range(3):
            m = p.counts[dt_idx]
            if m <= 0:
                continue
            starts = start_times(p, dt_idx, m, cdfs[DAY_TYPES[dt_idx]], dur)
            # Blocks: one vehicle runs trips of this pattern one after another. A trip goes to
            # the vehicle that has been free longest, else to a new one; a vehicle is free again
            # after the trip (the slowest, peak, profile: 1.3 x the rough duration; 1.5 x here)
            # plus a 5-minute layover. So trips of one block never overlap in time.
            free: list[tuple[int, int]] = []
            n_blocks = 0
            for j, st in enumerate(starts):
                n = L if remaining >= L else remaining
                if remaining - n == 1:
                    n -= 1
                if free and free[0][0] <= st:
                    blk = heapq.heappop(free)[1]
                else:
                    blk, n_blocks = n_blocks, n_blocks + 1
                heapq.heappush(free, (st + dur * 3 // 2 + 300, blk))
                yield tno, p, dt_idx, j, st, n, blk
                tno += 1
                remaining -= n
                if remaining <= 0:
                    return


def trip_id_of(tno):
    return str(30_000_001 + tno)


def service_id_of(route, dt_idx):
    return f"QR{route.group + 1}-{DAY_TYPES[dt_idx]}"


# --------------------------------------------------------------------------
# Writing


class Member:
    """One zip member written row by row through csv.writer."""

    def __init__(self, zf, name, header):
        self.name = name
        self.raw = zf.open(name, "w", force_zip64=True)
        self.text = io.TextIOWrapper(self.raw, encoding="utf-8", newline="",
                                     write_through=False)
        self.w = csv.writer(self.text, lineterminator="\n")
        self.w.writerow(header)
        self.rows = 0

    def row(self, r):
        self.w.writerow(r)
        self.rows += 1

    def close(self):
        self.text.close()


def pattern_rows(p, route, corridor):
    """Per-stop constant columns and time offsets for 3 speed profiles."""
    d = p.d
    cum, avi = corridor.cum[d], corridor.avi[d]
    ids = corridor.stop_ids[d]
    base = cum[avi[p.a]]
    speed = corridor.speed
    rail = route.rtype == ROUTE_TYPE_RAIL
    dwell = 30.0 if rail else 12.0
    stops = p.stops
    L = len(stops)
    tp_every = 3 if rail else 5
    const = []
    dists = [cum[avi[i]] - base for i in stops]
    for k, i in enumerate(stops):
        tp = 1 if (k == 0 or k == L - 1 or k % tp_every == 0) else 0
        pickup = "1" if k == L - 1 else "0"
        drop = "1" if k == 0 else "0"
        const.append((ids[i], str(k + 1), pickup, drop, f"{dists[k]:.1f}", "1" if tp else "0"))
    offsets = []
    for factor in (1.0, 1.3, 0.85):  # off-peak, peak, night
        t = 0.0
        prev = 0
        arr_l, dep_l = [], []
        for k in range(L):
            if k:
                t += (dists[k] - dists[k - 1]) / speed * factor + dwell
            # whole minutes, like most real feeds (and far better compression)
            arr = int(round(t / 60.0)) * 60
            if arr < prev:
                arr = prev
            dep = arr
            if rail and 0 < k < L - 1 and const[k][5] == "1":
                dep = arr + 60 if (k * 7) % 5 == 0 else arr
            arr_l.append(arr)
            dep_l.append(dep)
            prev = dep
            t = max(t, dep)
        offsets.append((arr_l, dep_l))
    return const, offsets


def profile_of(dt_idx, start_sec):
    minute = start_sec // 60
    if minute >= 1260 or minute < 360:
        return 2
    if dt_idx == 0 and (420 <= minute < 570 or 930 <= minute < 1110):
        return 1
    return 0


def generate(out_path, n_stop_times, seed, n_agencies):
    t0 = time.time()
    routes, corridors, patterns, shapes, suburbs = build_network(n_stop_times, seed, n_agencies)
    rng = random.Random(seed * 7 + 11)
    counts = {}
    tmp_path = out_path + ".tmp"
    zf = zipfile.ZipFile(tmp_path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)

    def finish(m):
        m.close()
        counts[m.name] = m.rows

    # agency.txt
    m = Member(zf, "agency.txt", ["agency_id", "agency_name", "agency_url", "agency_timezone",
                                  "agency_lang", "agency_phone"])
    for ai in range(n_agencies):
        name = "TransLink" if ai == 0 else f"Regional Transit {ai}"
        m.row([f"A{ai + 1}", name, f"https://transit{ai + 1}.example.com", "Australia/Brisbane",
               "en", f"07 3{ai:03d} 5555"])
    finish(m)

    # stops.txt (assigns stop ids to used anchors)
    m = Member(zf, "stops.txt", ["stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon",
                                 "location_type", "parent_station", "wheelchair_boarding"])
    next_stop = 1
    next_place = 1
    station_pairs = []
    for c in corridors:
        L = c.L
        for k in range(L):
            i1 = L - 1 - k
            u0, u1 = c.used[0][k], c.used[1][i1]
            if not (u0 or u1):
                continue
            v0 = c.avi[0][k]
            v1 = c.avi[1][i1]
            x0, y0 = c.xs[0][v0], c.ys[0][v0]
            x1, y1 = c.xs[1][v1], c.ys[1][v1]
            sub = suburbs.name(x0, y0)
            parent = ""
            if c.station[k]:
                parent = f"place_{next_place}"
                next_place += 1
                if c.kind == ROUTE_TYPE_FERRY:
                    sname = f"{sub} ferry terminal"
                elif c.kind == ROUTE_TYPE_RAIL:
                    sname = f"{sub} station"
                else:
                    sname = f"{sub} bus station"
                m.row([parent, "", sname, to_lat((y0 + y1) / 2), to_lon((x0 + x1) / 2), "1", "", "1"])
            else:
                an = c.anchor_name[k]
                if an.startswith("stop "):
                    sname = f"{c.street} {an}, {sub}"
                else:
                    sname = f"{c.street} at {an}"
            wb = rng.choices(("0", "1", "2"), (0.15, 0.75, 0.10))[0]
            pair = []
            for d, used, i, x, y in ((0, u0, k, x0, y0), (1, u1, i1, x1, y1)):
                if not used:
                    continue
                sid = str(next_stop)
                next_stop += 1
                c.stop_ids[d][i] = sid
                name = f"{sname}, platform {d + 1}" if parent else sname
                m.row([sid, sid, name, to_lat(y), to_lon(x), "0", parent, wb])
                pair.append(sid)
            if parent and len(pair) == 2:
                station_pairs.append(pair)
    finish(m)

    # routes.txt
    m = Member(zf, "routes.txt", ["route_id", "agency_id", "route_short_name", "route_long_name",
                                  "route_type", "route_color", "route_text_color"])
    for r in routes:
        m.row([r.rid, f"A{r.agency + 1}", r.short, r.long, str(r.rtype), r.color, r.text_color])
    finish(m)

    # trips.txt
    m = Member(zf, "trips.txt", ["route_id", "service_id", "trip_id", "trip_headsign",
                                 "direction_id", "block_id", "shape_id"])
    shape_ids = [str(4_000_001 + i) for i in range(len(shapes))]
    used_services = {}
    freq_trips = []
    freq_seen = set()
    for tno, p, dt_idx, j, st, n, blk in iter_trips(patterns, corridors, routes, n_stop_times):
        r = routes[p.route]
        svc = service_id_of(r, dt_idx)
        used_services[svc] = (r.group, dt_idx)
        tid = trip_id_of(tno)
        block = "" if r.rtype == ROUTE_TYPE_FERRY else f"{r.idx + 1}{DAY_TYPES[dt_idx][0]}{p.idx + 1}-{blk + 1}"
        m.row([r.rid, svc, tid, p.headsign, str(p.d), block, shape_ids[p.shape]])
        if p.freq and dt_idx == 0 and p.idx not in freq_seen:
            freq_seen.add(p.idx)
            freq_trips.append(tid)
    finish(m)

    # stop_times.txt
    m = Member(zf, "stop_times.txt", ["trip_id", "arrival_time", "departure_time", "stop_id",
                                      "stop_sequence", "pickup_type", "drop_off_type",
                                      "shape_dist_traveled", "timepoint"])
    ts = [fmt_time(s) for s in range(TIME_TABLE_MAX + 3600)]
    cur_p = None
    const = offsets = None
    writerows = m.w.writerows
    n_rows = 0
    for tno, p, dt_idx, j, st, n, blk in iter_trips(patterns, corridors, routes, n_stop_times):
        if p is not cur_p:
            cur_p = p
            r = routes[p.route]
            const, offsets = pattern_rows(p, r, r.corr)
        arr_l, dep_l = offsets[profile_of(dt_idx, st)]
        tid = trip_id_of(tno)
        writerows([(tid, ts[st + arr_l[k]], ts[st + dep_l[k]]) + const[k] for k in range(n)])
        n_rows += n
    m.rows = n_rows
    finish(m)

    # calendar.txt
    m = Member(zf, "calendar.txt", ["service_id", "monday", "tuesday", "wednesday", "thursday",
                                    "friday", "saturday", "sunday", "start_date", "end_date"])
    days = {0: "1,1,1,1,1,0,0", 1: "0,0,0,0,0,1,0", 2: "0,0,0,0,0,0,1"}
    for svc, (g, dt_idx) in sorted(used_services.items(), key=lambda kv: (kv[1][0], kv[1][1])):
        m.row([svc] + days[dt_idx].split(",") + [FEED_START, FEED_END])
    finish(m)

    # calendar_dates.txt: public holidays run the Sunday timetable
    m = Member(zf, "calendar_dates.txt", ["service_id", "date", "exception_type"])
    for svc, (g, dt_idx) in sorted(used_services.items(), key=lambda kv: (kv[1][0], kv[1][1])):
        if dt_idx == 1:
            continue
        for h in HOLIDAYS:
            m.row([svc, h, "2" if dt_idx == 0 else "1"])
    finish(m)

    # shapes.txt
    m = Member(zf, "shapes.txt", ["shape_id", "shape_pt_lat", "shape_pt_lon",
                                  "shape_pt_sequence", "shape_dist_traveled"])
    n_rows = 0
    for si, (ci, d, a, b) in enumerate(shapes):
        c = corridors[ci]
        xs, ys, cum, avi = c.xs[d], c.ys[d], c.cum[d], c.avi[d]
        va, vb = avi[a], avi[b]
        base = cum[va]
        sid = shape_ids[si]
        m.w.writerows([(sid, f"{LAT0 + ys[v] / M_PER_DEG_LAT:.6f}",
                    f"{LON0 + xs[v] / M_PER_DEG_LON:.6f}", v - va + 1,
                    f"{cum[v] - base:.1f}") for v in range(va, vb + 1)])
        n_rows += vb - va + 1
    m.rows = n_rows
    finish(m)

    # frequencies.txt
    m = Member(zf, "frequencies.txt", ["trip_id", "start_time", "end_time", "headway_secs",
                                       "exact_times"])
    for fi, tid in enumerate(freq_trips):
        m.row([tid, "07:00:00", "09:00:00", str(300 + 60 * (fi % 6)), "0"])
        m.row([tid, "16:00:00", "18:30:00", str(600 + 60 * (fi % 4)), "1" if fi % 3 == 0 else "0"])
    finish(m)

    # transfers.txt: platform changes at a few stations
    m = Member(zf, "transfers.txt", ["from_stop_id", "to_stop_id", "transfer_type",
                                     "min_transfer_time"])
    cap = max(4, len(routes) // 4)
    for pi, (s0, s1) in enumerate(station_pairs[: cap // 2]):
        mt = str(120 + 60 * (pi % 4))
        m.row([s0, s1, "2", mt])
        m.row([s1, s0, "2", mt])
    finish(m)

    # feed_info.txt
    m = Member(zf, "feed_info.txt", ["feed_publisher_name", "feed_publisher_url", "feed_lang",
                                     "feed_start_date", "feed_end_date", "feed_version"])
    m.row(["Synthetic GTFS generator", "https://example.com/gtfs", "en", FEED_START, FEED_END,
           f"synthetic-{n_stop_times}-seed{seed}"])
    finish(m)

    zf.close()
    os.replace(tmp_path, out_path)
    size = os.path.getsize(out_path)
    parts = " ".join(f"{k}={v}" for k, v in counts.items())
    print(f"generate_feed: {parts} zip={size} bytes ({size / 1e6:.1f} MB) "
          f"in {time.time() - t0:.1f}s", file=sys.stderr)
    return counts, size


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write a synthetic GTFS Schedule zip.")
    ap.add_argument("out", help="output .zip path")
    ap.add_argument("--stop-times", type=int, required=True,
                    help="exact number of stop_times rows (everything else scales)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--agencies", type=int, default=1)
    args = ap.parse_args(argv)
    if args.stop_times < 1000:
        ap.error("--stop-times must be at least 1000")
    if args.agencies < 1:
        ap.error("--agencies must be >= 1")
    generate(args.out, args.stop_times, args.seed, args.agencies)


if __name__ == "__main__":
    main()
