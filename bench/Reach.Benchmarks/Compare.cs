using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Reach.Analysis.Cascades;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;

namespace Reach.Benchmarks;

/// <summary>
/// Reach's side of bench/compare: writes cascades as a plain tree file every tool reads, and
/// times Reach's metrics on the same trees.
/// <para>
/// The tree file: for each cascade a line <c>#\t{cascade}\t{n}\t{rootPostId}</c>, then its n − 1
/// edges <c>{cascade}\t{parent}\t{child}</c>. Nodes are numbered 0 (the root) to n − 1 in
/// breadth-first order, so every parent's number is below its child's.
/// </para>
/// </summary>
public static class Compare
{
    /// <summary><c>compare export --nodes N [--seed S] --out F</c> or <c>compare export --events F.ndjson[.gz] --out F</c>; <c>compare measure --in F [--seconds S]</c>.</summary>
    public static int Run(string[] args)
    {
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        switch (args.ElementAtOrDefault(1))
        {
            case "export" when Option("--out") is { } output:
                var graphs = Option("--events") is { } events
                    ? CascadeGraphBuilder.FromEvents(ReadEvents(events)).Values.Where(g => g.RootKnown).OrderBy(g => g.RootPostId, StringComparer.Ordinal).ToList()
                    : [.. CascadeGraphBuilder.FromEvents(SyntheticCascadeGenerator.Generate(new SyntheticOptions
                    {
                        Nodes = int.Parse(Option("--nodes") ?? "1000", CultureInfo.InvariantCulture),
                        Seed = int.Parse(Option("--seed") ?? "42", CultureInfo.InvariantCulture),
                        IncludeAccounts = false,
                    })).Values];
                Write(graphs, output);
                Console.WriteLine($"{graphs.Count} cascade(s), {graphs.Sum(g => (long)g.NodeCount):N0} nodes → {output}");
                return 0;
            case "measure" when Option("--in") is { } input:
                Measure(input, double.Parse(Option("--seconds") ?? "2", CultureInfo.InvariantCulture));
                return 0;
            default:
                Console.Error.WriteLine("usage: compare export (--nodes N [--seed S] | --events F) --out F | compare measure --in F [--seconds S]");
                return 2;
        }
    }

    private static IEnumerable<ReachEvent> ReadEvents(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var parsed = EventParser.ParseNdjson(buffer.ToArray());
        if (parsed.Errors.Count > 0)
        {
            throw new InvalidDataException($"{path}: {parsed.Errors.Count} invalid events, the first on line {parsed.Errors[0].Line}: {parsed.Errors[0].Reason}");
        }

        return parsed.Events.Select(e => e.Event).Where(e => e.Type is EventType.Post or EventType.Repost or EventType.Quote);
    }

    private static void Write(IReadOnlyList<CascadeGraph> graphs, string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        for (var c = 0; c < graphs.Count; c++)
        {
            var parents = graphs[c].Parents;
            var order = new int[parents.Length];
            CascadeMetricsCalculator.TopologicalOrder(parents, order);
            var number = new int[parents.Length];
            for (var i = 0; i < order.Length; i++)
            {
                number[order[i]] = i;
            }

            writer.Write(string.Create(CultureInfo.InvariantCulture, $"#\t{c}\t{parents.Length}\t{graphs[c].RootPostId}\n"));
            foreach (var node in order.AsSpan(1))
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"{c}\t{number[parents[node]]}\t{number[node]}\n"));
            }
        }
    }

    /// <summary>
    /// Builds each cascade as ingest does (a post and its reposts, in the file's order) and times
    /// <see cref="CascadeMetricsCalculator.Compute"/> over all of them: a second of warm-up (so the
    /// JIT has tiered up, as in a running service), then as many rounds as fit in
    /// <paramref name="seconds"/> (at least three), reporting the median round.
    /// </summary>
    private static void Measure(string path, double seconds)
    {
        var graphs = Read(path);
        var results = graphs.Select(g => CascadeMetricsCalculator.Compute(g)).ToList();
        var warmUp = Stopwatch.StartNew();
        for (var round = 0; round < 3 || warmUp.Elapsed < TimeSpan.FromSeconds(1); round++)
        {
            foreach (var graph in graphs)
            {
                CascadeMetricsCalculator.Compute(graph);
            }
        }

        var rounds = new List<double>();
        var budget = Stopwatch.StartNew();
        while (rounds.Count < 3 || (budget.Elapsed.TotalSeconds < seconds && rounds.Count < 1000))
        {
            var started = Stopwatch.GetTimestamp();
            foreach (var graph in graphs)
            {
                CascadeMetricsCalculator.Compute(graph);
            }

            rounds.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        rounds.Sort();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            tool = "reach",
            seconds = rounds[rounds.Count / 2],
            rounds = rounds.Count,
            results = results.Select((m, c) => new { cascade = c, size = m.Size, depth = m.Depth, maxBreadth = m.MaxBreadth, structuralVirality = m.StructuralVirality }),
        }));
    }

    private static List<CascadeGraph> Read(string path)
    {
        var graphs = new List<CascadeGraph>();
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        List<ReachEvent>? events = null;
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split('\t');
            if (fields[0] == "#")
            {
                Flush();
                events = [new ReachEvent { Type = EventType.Post, PostId = "n0", AccountId = "a0", At = at }];
            }
            else
            {
                var (parent, child) = (fields[1], fields[2]);
                events!.Add(new ReachEvent { Type = EventType.Repost, PostId = "n" + child, AccountId = "a" + child, RootPostId = "n0", ParentPostId = "n" + parent, At = at + int.Parse(child, CultureInfo.InvariantCulture) });
            }
        }

        Flush();
        return graphs;

        void Flush()
        {
            if (events is not null)
            {
                graphs.Add(CascadeGraphBuilder.FromEvents(events).Values.Single());
            }
        }
    }
}
