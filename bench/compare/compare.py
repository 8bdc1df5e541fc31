#!/usr/bin/python3
"""Side by side: the same cascade metrics (size, depth, max breadth, structural virality) with
NetworkX, igraph, recursive SQL in PostgreSQL, a plain O(n) Python loop, and Reach, on the same
trees, in one run on one machine.

Every tool gets the tree already in its own structure (a NetworkX graph, an igraph graph, an
indexed `reposts` table, parent lists, Reach's CascadeGraph as ingest builds it) and is timed on
the metrics alone; fast tools repeat for a few seconds and report the median round. Each tool
runs in a process of its own with a time limit per data set, beyond which it "did not finish"
(and is not tried on larger sets). All tools that finish must agree on every cascade.

Run through bench/compare.sh, which builds Reach, writes the trees and starts PostgreSQL.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

TOOLS = ["networkx", "igraph", "sql", "python-loop", "reach"]


def read_trees(path):
    """[(n, rootPostId, [(parent, child)])] from the tree file (see Compare.cs)."""
    trees = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "#":
                trees.append((int(fields[2]), fields[3], []))
            else:
                trees[-1][2].append((int(fields[1]), int(fields[2])))
    return trees


def timed(compute, seconds):
    """Median time of compute() over rounds filling `seconds` (at least one; three when quick)."""
    rounds = []
    started = time.perf_counter()
    result = None
    while not rounds or (len(rounds) < 3 and time.perf_counter() - started < seconds * 5) or (time.perf_counter() - started < seconds and len(rounds) < 1000):
        t0 = time.perf_counter()
        result = compute()
        rounds.append(time.perf_counter() - t0)
    rounds.sort()
    return result, rounds[len(rounds) // 2], len(rounds)


def metrics_row(cascade, n, depth, breadth, sv):
    return {"cascade": cascade, "size": n, "depth": depth, "maxBreadth": breadth, "structuralVirality": sv}


def run_networkx(trees, seconds):
    import networkx as nx
    graphs = []
    for n, _, edges in trees:
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(edges)
        graphs.append(g)

    def compute():
        rows = []
        for c, g in enumerate(graphs):
            n = g.number_of_nodes()
            levels = nx.single_source_shortest_path_length(g, 0)
            counts = {}
            for d in levels.values():
                counts[d] = counts.get(d, 0) + 1
            sv = 2 * nx.wiener_index(g) / (n * (n - 1)) if n > 1 else None
            rows.append(metrics_row(c, n, max(levels.values()), max(counts.values()), sv))
        return rows
    return timed(compute, seconds)


def run_igraph(trees, seconds):
    import igraph as ig
    graphs = [ig.Graph(n=n, edges=edges, directed=False) for n, _, edges in trees]

    def compute():
        rows = []
        for c, g in enumerate(graphs):
            n = g.vcount()
            _, layers, _ = g.bfs(0)
            widths = [layers[i + 1] - layers[i] for i in range(len(layers) - 1)]
            sv = g.average_path_length(directed=False) if n > 1 else None
            rows.append(metrics_row(c, n, len(widths) - 1, max(widths), sv))
        return rows
    return timed(compute, seconds)


def run_python_loop(trees, seconds):
    parents = []
    for n, _, edges in trees:
        p = [0] * n
        for parent, child in edges:
            p[child] = parent
        parents.append(p)

    def compute():
        rows = []
        for c, p in enumerate(parents):
            n = len(p)
            depth = [0] * n
            for i in range(1, n):
                depth[i] = depth[p[i]] + 1
            width = [0] * (max(depth) + 1)
            for d in depth:
                width[d] += 1
            size = [1] * n
            wiener = 0
            for i in range(n - 1, 0, -1):
                s = size[i]
                size[p[i]] += s
                wiener += s * (n - s)
            rows.append(metrics_row(c, n, len(width) - 1, max(width), 2 * wiener / (n * (n - 1)) if n > 1 else None))
        return rows
    return timed(compute, seconds)


SQL = """
WITH RECURSIVE levels(cascade, node, depth) AS (
    SELECT cascade, child, 1 FROM reposts WHERE parent = 0
  UNION ALL
    SELECT r.cascade, r.child, l.depth + 1 FROM reposts r JOIN levels l ON r.cascade = l.cascade AND r.parent = l.node
),
ancestors(cascade, ancestor, node) AS (
    SELECT cascade, parent, child FROM reposts
  UNION ALL
    SELECT a.cascade, r.parent, a.node FROM ancestors a JOIN reposts r ON r.cascade = a.cascade AND r.child = a.ancestor
),
subtree AS (
    SELECT cascade, ancestor AS node, count(*) + 1 AS size FROM ancestors WHERE ancestor <> 0 GROUP BY cascade, ancestor
),
sizes AS (
    SELECT cascade, count(*) + 1 AS n FROM reposts GROUP BY cascade
),
wiener AS (
    SELECT r.cascade, sum(coalesce(t.size, 1) * (s.n - coalesce(t.size, 1)))::numeric AS w
    FROM reposts r JOIN sizes s ON s.cascade = r.cascade LEFT JOIN subtree t ON t.cascade = r.cascade AND t.node = r.child
    GROUP BY r.cascade
),
widths AS (
    SELECT cascade, depth, count(*) AS width FROM levels GROUP BY cascade, depth
)
SELECT s.cascade, s.n, max(w.depth), greatest(1, max(w.width)), 2 * wi.w / (s.n * (s.n - 1))
FROM sizes s JOIN widths w ON w.cascade = s.cascade JOIN wiener wi ON wi.cascade = s.cascade
GROUP BY s.cascade, s.n, wi.w ORDER BY s.cascade
"""


def run_sql(trees, seconds, dsn):
    import psycopg2
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("DROP TABLE IF EXISTS reposts")
    cursor.execute("CREATE UNLOGGED TABLE reposts (cascade int NOT NULL, parent int NOT NULL, child int NOT NULL)")
    import io
    buffer = io.StringIO()
    for c, (_, _, edges) in enumerate(trees):
        for parent, child in edges:
            buffer.write(f"{c}\t{parent}\t{child}\n")
    buffer.seek(0)
    cursor.copy_expert("COPY reposts FROM STDIN", buffer)
    cursor.execute("CREATE INDEX ON reposts (cascade, parent)")
    cursor.execute("CREATE UNIQUE INDEX ON reposts (cascade, child)")
    cursor.execute("ANALYZE reposts")
    sizes = {c: n for c, (n, _, _) in enumerate(trees)}

    def compute():
        cursor.execute(SQL)
        found = {row[0]: metrics_row(row[0], int(row[1]), int(row[2]), int(row[3]), float(row[4])) for row in cursor.fetchall()}
        # A lone post has no rows in reposts: size 1, depth 0, breadth 1.
        return [found.get(c) or metrics_row(c, 1, 0, 1, None) for c in sorted(sizes)]
    result = timed(compute, seconds)
    cursor.execute("DROP TABLE reposts")
    return result


def worker(tool, path, seconds, dsn):
    trees = read_trees(path)
    if tool == "networkx":
        rows, median, rounds = run_networkx(trees, seconds)
    elif tool == "igraph":
        rows, median, rounds = run_igraph(trees, seconds)
    elif tool == "python-loop":
        rows, median, rounds = run_python_loop(trees, seconds)
    elif tool == "sql":
        rows, median, rounds = run_sql(trees, seconds, dsn)
    else:
        raise SystemExit(f"unknown tool {tool}")
    print(json.dumps({"tool": tool, "seconds": median, "rounds": rounds, "results": rows}))


def measure(tool, path, args):
    if tool == "reach":
        command = ["dotnet", args.reach, "compare", "measure", "--in", path, "--seconds", str(args.seconds)]
    else:
        command = [sys.executable, __file__, "--worker", tool, "--in", path, "--seconds", str(args.seconds), "--dsn", args.dsn]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.limit)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(f"{tool} failed on {path}:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def agree(a, b):
    for x, y in zip(a["results"], b["results"]):
        for key in ("size", "depth", "maxBreadth"):
            if x[key] != y[key]:
                return f"cascade {x['cascade']}: {key} {x[key]} against {y[key]}"
        sx, sy = x["structuralVirality"], y["structuralVirality"]
        if (sx is None) != (sy is None) or (sx is not None and not math.isclose(sx, sy, rel_tol=1e-9)):
            return f"cascade {x['cascade']}: structuralVirality {sx} against {sy}"
    return None if len(a["results"]) == len(b["results"]) else "different numbers of cascades"


def check_reference(reach, trees, reference_path):
    """Reach's figures against the data set's own reference values (computed with networkx by its authors)."""
    reference = {}
    with open(reference_path) as f:
        for line in f:
            row = json.loads(line)
            reference[row["rootPostId"]] = row
    problems = 0
    for row, (_, root, _) in zip(reach["results"], trees):
        ref = reference.get(root)
        if ref is None:
            continue
        if (row["size"], row["depth"], row["maxBreadth"]) != (ref["size"], ref["depth"], ref["maxBreadth"]) or (
                ref["structuralVirality"] is not None and not math.isclose(row["structuralVirality"], ref["structuralVirality"], rel_tol=1e-9)):
            problems += 1
    return problems, len(reference)


def fmt(seconds):
    if seconds is None:
        return "did not finish"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def svg_chart(rows, path):
    """Time against cascade size per tool, log-log, for the synthetic sets."""
    synthetic = [r for r in rows if r["set"].startswith("synthetic")]
    width, height, left, bottom, top, right = 720, 440, 70, 50, 30, 150
    xs = [r["nodes"] for r in synthetic]
    times = [r["times"][t] for r in synthetic for t in TOOLS if r["times"].get(t)]
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    y0, y1 = math.floor(math.log10(min(times))), math.ceil(math.log10(max(times)))
    px = lambda x: left + (math.log10(x) - x0) / max(x1 - x0, 1e-9) * (width - left - right)
    py = lambda y: top + (y1 - math.log10(y)) / (y1 - y0) * (height - top - bottom)
    colors = {"networkx": "#d62728", "igraph": "#ff7f0e", "sql": "#9467bd", "python-loop": "#7f7f7f", "reach": "#1f77b4"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">Cascade metrics: time per cascade against its size (log–log; lower is faster)</text>']
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        tick = ["1 µs", "10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s", "100 s", "1000 s"][e + 6] if -6 <= e <= 3 else f"1e{e} s"
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for x in xs:
        out.append(f'<line x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{top}" y2="{height - bottom}" stroke="#eee"/>')
        out.append(f'<text x="{px(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{x:,} nodes</text>')
    for i, tool in enumerate(TOOLS):
        points = [(px(r["nodes"]), py(r["times"][tool])) for r in synthetic if r["times"].get(tool)]
        if points:
            out.append(f'<polyline fill="none" stroke="{colors[tool]}" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>')
            out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colors[tool]}"/>' for x, y in points)
        unfinished = [r for r in synthetic if r["times"].get(tool) is None]
        if unfinished and points:
            x, y = points[-1]
            out.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" fill="{colors[tool]}">then did not finish</text>')
        out.append(f'<rect x="{width - right + 16}" y="{top + 10 + i * 20}" width="12" height="12" fill="{colors[tool]}"/>')
        out.append(f'<text x="{width - right + 34}" y="{top + 20 + i * 20}">{tool}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker")
    parser.add_argument("--in", dest="input")
    parser.add_argument("--sets", nargs="*", default=[], help="name=treefile[=reference.jsonl]")
    parser.add_argument("--seconds", type=float, default=2.0, help="time each tool repeats a quick set for")
    parser.add_argument("--limit", type=float, default=120.0, help="time limit per tool and set, in seconds")
    parser.add_argument("--dsn", default="")
    parser.add_argument("--reach", default="")
    parser.add_argument("--json")
    parser.add_argument("--svg")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.input, args.seconds, args.dsn)
        return

    rows, unfinished, failures = [], set(), []
    print(f"| set | cascades | nodes | " + " | ".join(TOOLS) + " | " + " | ".join(f"{t} ÷ reach" for t in TOOLS if t != "reach") + " |")
    print("|---|---:|---:|" + "---:|" * (2 * len(TOOLS) - 1))
    for spec in args.sets:
        name, path, *reference = spec.split("=")
        trees = read_trees(path)
        results = {}
        synthetic = name.startswith("synthetic")
        for tool in TOOLS:
            # Synthetic sets grow: a tool that did not finish one is not tried on the larger ones.
            results[tool] = None if synthetic and tool in unfinished else measure(tool, path, args)
            if results[tool] is None and synthetic:
                unfinished.add(tool)
        reach = results["reach"]
        for tool, result in results.items():
            if result is not None and tool != "reach" and (problem := agree(result, reach)):
                failures.append(f"{name}: {tool} disagrees with reach: {problem}")
        if reference and reach:
            problems, total = check_reference(reach, trees, reference[0])
            if problems:
                failures.append(f"{name}: reach differs from the reference values on {problems} of {total} cascades")
            else:
                print(f"<!-- {name}: reach matches the data set's reference values on all {total} cascades -->")
        times = {tool: (result["seconds"] if result else None) for tool, result in results.items()}
        nodes = sum(n for n, _, _ in trees)
        rows.append({"set": name, "cascades": len(trees), "nodes": nodes, "times": times})
        ratios = [f"{times[t] / times['reach']:,.0f}×" if times[t] and times["reach"] else "–" for t in TOOLS if t != "reach"]
        print(f"| {name} | {len(trees):,} | {nodes:,} | " + " | ".join(fmt(times[t]) for t in TOOLS) + " | " + " | ".join(ratios) + " |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"limitSeconds": args.limit, "rows": rows}, f, indent=1)
    if args.svg:
        svg_chart(rows, args.svg)
    for failure in failures:
        print("DISAGREEMENT: " + failure)
    print("all tools that finished agree on every cascade" if not failures else f"{len(failures)} disagreement(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
