using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;

// Ingest load generator for a running Reach service: pre-generates synthetic cascades, writes them
// as NDJSON batches, then posts the batches with a fixed number of requests in flight and reports
// events per second and request latency. With --server-pid it also reports the service's resident
// memory before and after (an upper bound for memory per node: it includes uncollected garbage).
var options = LoadOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("""
        usage: Reach.LoadTest [--url http://localhost:5000] [--nodes 1000000] [--cascades 1] [--batch 5000]
                              [--concurrency 4] [--seed 1] [--accounts] [--server-pid PID] [--read-metrics]
                              [--warmup-nodes N] [--copy-baseline CONNECTION-STRING] [--no-parents]
        --no-parents:    reposts name no parent (as on X): every edge is inferred from the follower graph.
        --warmup-nodes:  first post N nodes of the same shape (cascades, batch, concurrency; ids of
                         their own), then wait until the service is idle, before measuring.
                              [--follower-lists N [--list-size IDS] [--overlap IDS] [--then-cascade]]
        --follower-lists: instead of cascades, post N bulk follower lists ("followers" events, one
                         per request) of --list-size ids each, consecutive lists sharing --overlap
                         ids: the import rate. --then-cascade: then a cascade whose root and reposts
                         are by those N accounts (no parents named), and time its first reads.
        --copy-baseline: instead of posting, COPY the same events as rows into PostgreSQL with the
                         same batch size and concurrency (the raw-database baseline for durable ingest).
                              [--read-rate R [--read-seconds 30] [--read-warmup-seconds 10] [--read-client sockets|httpclient]]
        --read-rate:     after ingest, GET the first cascade's metrics R times a second for
                         --read-seconds (open loop) and print latency percentiles; the sockets
                         client first reads at that rate for --read-warmup-seconds unmeasured.
        --read-client:   sockets (default): a thread and a kept-alive connection per lane, no
                         per-request allocation; httpclient: HttpClient, whose own thread-pool
                         hops and garbage add to the latencies it measures.
                              [--profile-rate P]
        --profile-rate:  while reading, post P profile updates a second (account events, ten
                         requests a second) for accounts outside the cascade read.
        """);
    return 2;
}

if (options.FollowerLists > 0)
{
    return await FollowerLoad.RunAsync(options);
}

Console.WriteLine($"generating {options.Cascades} cascade(s) of {options.Nodes:N0} nodes (seed {options.Seed}) …");
var events = SyntheticCascadeGenerator.Generate(new SyntheticOptions
{
    Nodes = options.Nodes,
    Cascades = options.Cascades,
    Seed = options.Seed,
    IncludeAccounts = options.Accounts,
    ExplicitParents = !options.NoParents,
    IdPrefix = $"load{options.Seed}-",
}).ToList();
var batches = events.Chunk(options.Batch).Select(chunk => EventWriter.ToNdjson(chunk)).ToList();
var reposts = events.Count(e => e.Type == EventType.Repost);
Console.WriteLine($"{events.Count:N0} events ({reposts:N0} reposts) in {batches.Count} batches of ≤{options.Batch}, {batches.Sum(b => (long)b.Length) / 1e6:N1} MB");
if (options.CopyBaseline is { } connectionString)
{
    await CopyBaseline.RunAsync(connectionString, events, options.Batch, options.Concurrency);
    return 0;
}

events.Clear();

using var http = LoadHttp.Create(options.Url, TimeSpan.FromMinutes(10));
if (options.WarmupNodes > 0)
{
    // Steady state: the JIT's tiers settle on a load of the same shape (cascades, batch size,
    // requests in flight) but of ids of its own, before anything is measured.
    var warmup = SyntheticCascadeGenerator.Generate(new SyntheticOptions
    {
        Nodes = Math.Max(1, options.WarmupNodes / options.Cascades),
        Cascades = options.Cascades,
        Seed = options.Seed + 1_000_000,
        IncludeAccounts = options.Accounts,
        ExplicitParents = !options.NoParents,
        IdPrefix = "warmup-",
    }).Chunk(options.Batch).Select(chunk => EventWriter.ToNdjson(chunk)).ToList();
    await PostAllAsync(warmup, new double[warmup.Count]);
    var settled = await SettleAsync(options.ServerPid);
    Console.WriteLine($"warmed up with {options.WarmupNodes:N0} nodes{settled}");
}

var rssBefore = ResidentBytes(options.ServerPid);
var cpuBefore = CpuSeconds(options.ServerPid);
var latencies = new double[batches.Count];
var clock = Stopwatch.StartNew();
var accepted = await PostAllAsync(batches, latencies);
clock.Stop();

var seconds = clock.Elapsed.TotalSeconds;
Array.Sort(latencies);
Console.WriteLine($"ingested {accepted:N0} events in {seconds:N2} s: {accepted / seconds:N0} events/s, {reposts / seconds:N0} reposts/s");

Console.WriteLine($"request latency ms: p50 {Percentile(0.50):N1}, p90 {Percentile(0.90):N1}, p99 {Percentile(0.99):N1}, max {latencies[^1]:N1}");

if (options.ServerPid is not null)
{
    var cpu = CpuSeconds(options.ServerPid) - cpuBefore;
    Console.WriteLine($"service CPU time: {cpu:N2} s ({cpu / seconds:N2} cores busy), {cpu * 1e6 / accepted:N1} µs per event");
}

if (options.ReadMetrics)
{
    var root = $"load{options.Seed}-c0-p0";
    var read = Stopwatch.StartNew();
    var metrics = JsonNode.Parse(await http.GetStringAsync($"/v1/posts/{root}/metrics"))!;
    Console.WriteLine($"first metrics read of {root}: {read.Elapsed.TotalMilliseconds:N1} ms, size {metrics["size"]}, depth {metrics["depth"]}, ν {metrics["structuralVirality"]}");
}

if (options.ReadRate > 0)
{
    var path = $"/v1/posts/load{options.Seed}-c0-p0/metrics";
    await using var churn = options.ProfileRate > 0 ? ProfileChurn.Start(http, options.ProfileRate) : null;
    if (options.ReadWithHttpClient)
    {
        await ReadLoad.RunAsync(options.Url, path, options.ReadRate, options.ReadSeconds);
    }
    else
    {
        SocketReadLoad.Run(options.Url, path, options.ReadRate, options.ReadSeconds, options.ReadWarmUpSeconds,
            options.ServerPid is null ? null : () => CpuSeconds(options.ServerPid));
    }

    if (churn is not null)
    {
        Console.WriteLine($"profile updates posted while reading: {churn.Sent:N0}");
    }
}

if (options.ServerPid is not null)
{
    var rssAfter = ResidentBytes(options.ServerPid);
    var nodes = (long)options.Nodes * options.Cascades;
    Console.WriteLine($"service resident memory: {rssBefore / 1e6:N0} MB before, {rssAfter / 1e6:N0} MB after: {(rssAfter - rssBefore) / (double)nodes:N0} bytes per node");
}

return 0;

double Percentile(double p) => latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];

// Posts the batches with the configured requests in flight; returns the events accepted and puts
// each request's time in latencies at the batch's index.
async Task<long> PostAllAsync(IReadOnlyList<byte[]> bodies, double[] latencies)
{
    var next = -1;
    var accepted = 0L;
    await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < bodies.Count)
        {
            using var content = LoadHttp.Ndjson(bodies[index]);
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync("/v1/events", content);
            var body = await response.Content.ReadAsStringAsync();
            latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"batch {index}: {(int)response.StatusCode} {body}");
            }

            Interlocked.Add(ref accepted, JsonNode.Parse(body)!["accepted"]!.GetValue<long>());
        }
    }));
    return accepted;
}

// After the warm-up the service still compiles the methods it ran into their final tiers and
// analyses the warm-up cascades on its timers; measuring from there would count that work too.
// Waits until it has used under a tenth of a core for half a second, for at most 60 seconds.
static async Task<string> SettleAsync(int? pid)
{
    if (pid is null)
    {
        return "";
    }

    var clock = Stopwatch.StartNew();
    var window = TimeSpan.FromMilliseconds(500);
    while (clock.Elapsed < TimeSpan.FromSeconds(60))
    {
        var before = CpuSeconds(pid);
        await Task.Delay(window);
        if (CpuSeconds(pid) - before < 0.1 * window.TotalSeconds)
        {
            return $", settled after {clock.Elapsed.TotalSeconds:N1} s";
        }
    }

    return ", not settled after 60 s";
}

// utime + stime of a process, from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).
static double CpuSeconds(int? pid)
{
    if (pid is null)
    {
        return 0;
    }

    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
}

static long ResidentBytes(int? pid)
{
    if (pid is null)
    {
        return 0;
    }

    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

internal sealed record LoadOptions(
    string Url, int Nodes, int Cascades, int Batch, int Concurrency, int Seed, bool Accounts, int? ServerPid, bool ReadMetrics, int WarmupNodes,
    string? CopyBaseline = null, int FollowerLists = 0, int ListSize = 1_000_000, int Overlap = 0, bool ThenCascade = false, bool NoParents = false,
    int ReadRate = 0, int ReadSeconds = 30, bool ReadWithHttpClient = false, int ReadWarmUpSeconds = 10, int ProfileRate = 0)
{
    public static LoadOptions? Parse(string[] args)
    {
        var options = new LoadOptions("http://localhost:5000", 1_000_000, 1, 5_000, 4, 1, false, null, false, 0);
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                options = args[i] switch
                {
                    "--url" => options with { Url = Value() },
                    "--nodes" => options with { Nodes = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--cascades" => options with { Cascades = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--batch" => options with { Batch = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--concurrency" => options with { Concurrency = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--seed" => options with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--accounts" => options with { Accounts = true },
                    "--server-pid" => options with { ServerPid = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--read-metrics" => options with { ReadMetrics = true },
                    "--copy-baseline" => options with { CopyBaseline = Value() },
                    "--warmup-nodes" => options with { WarmupNodes = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--follower-lists" => options with { FollowerLists = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--list-size" => options with { ListSize = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--overlap" => options with { Overlap = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--then-cascade" => options with { ThenCascade = true },
                    "--no-parents" => options with { NoParents = true },
                    "--read-rate" => options with { ReadRate = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--profile-rate" => options with { ProfileRate = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--read-seconds" => options with { ReadSeconds = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--read-warmup-seconds" => options with { ReadWarmUpSeconds = int.Parse(Value(), CultureInfo.InvariantCulture) },
                    "--read-client" => options with
                    {
                        ReadWithHttpClient = Value() switch
                        {
                            "sockets" => false,
                            "httpclient" => true,
                            var other => throw new ArgumentException($"--read-client is sockets or httpclient, not {other}"),
                        },
                    },
                    _ => null,
                };
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                Console.Error.WriteLine(e.Message);
                return null;
            }

            if (options is null)
            {
                Console.Error.WriteLine($"unknown argument '{args[i]}'");
                return null;
            }
        }

        return options.Nodes >= 1 && options.Cascades >= 1 && options.Batch >= 1 && options.Concurrency >= 1 ? options : null;
    }
}
