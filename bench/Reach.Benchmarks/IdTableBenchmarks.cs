using BenchmarkDotNet.Attributes;
using Reach.Analysis.Ids;

namespace Reach.Benchmarks;

/// <summary>
/// Lookups of ids already in an <see cref="IdTable"/>, as ingest makes them (a parent, a known
/// account, a post claimed again): 1,000,000 lookups at random over four tables of 1,000,000 ids,
/// about 200 MB in all, far past the cache, as the service's directory shards, cascades and account
/// index are. Like a grain's batch, each run of 250 lookups goes to one table. Time per lookup =
/// Mean ÷ 1,000,000.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class IdTableBenchmarks
{
    private const int Tables = 4;
    private const int IdsPerTable = 1_000_000;
    private const int Lookups = 1_000_000;
    private const int Batch = 250;

    private IdTable[] _tables = null!;
    private string[] _probeIds = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tables = [.. Enumerable.Range(0, Tables).Select(_ => new IdTable())];
        for (var i = 0; i < IdsPerTable; i++)
        {
            for (var t = 0; t < Tables; t++)
            {
                _tables[t].GetOrAdd(Id(t, i));
            }
        }

        var random = new Random(1);
        _probeIds = [.. Enumerable.Range(0, Lookups).Select(i => Id(TableOf(i), random.Next(IdsPerTable)))];
    }

    [Benchmark]
    public long IndexOfPresent()
    {
        long sum = 0;
        for (var i = 0; i < Lookups; i++)
        {
            sum += _tables[TableOf(i)].IndexOf(_probeIds[i]);
        }

        return sum;
    }

    [Benchmark]
    public long IndexOfPresentLookahead()
    {
        long sum = 0;
        for (var start = 0; start < Lookups; start += Batch)
        {
            var lookahead = new IdLookahead(_tables[TableOf(start)], _probeIds.AsSpan(start, Math.Min(Batch, Lookups - start)));
            for (var i = start; i < start + Batch && i < Lookups; i++)
            {
                lookahead.Advance();
                sum += lookahead.IndexOfCurrent();
            }
        }

        return sum;
    }

    private static int TableOf(int lookup) => lookup / Batch % Tables;

    private static string Id(int table, int i) => $"load1-c{table}-p{i}";
}
