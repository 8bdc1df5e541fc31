using BenchmarkDotNet.Attributes;
using Reach.Analysis.Events;

namespace Reach.Benchmarks;

/// <summary><see cref="EventParser.ParseNdjson"/> over 100,000 repost events (events/s = Events ÷ Mean).</summary>
[Config(typeof(BenchmarkConfig))]
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private byte[] _ndjson = null!;

    [Params(100_000)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var reposts = Inputs.NodeEvents(Events + 1).Where(e => e.Type == EventType.Repost);
        _ndjson = EventWriter.ToNdjson(reposts);
        var parsed = EventParser.ParseNdjson(_ndjson);
        if (parsed.Events.Count != Events || parsed.Errors.Count != 0)
        {
            throw new InvalidOperationException($"Expected {Events} valid events, parsed {parsed.Events.Count} with {parsed.Errors.Count} errors.");
        }

        Console.WriteLine($"// NDJSON: {Events} repost events, {_ndjson.Length} bytes ({(double)_ndjson.Length / Events:F1} bytes/event)");
    }

    [Benchmark]
    public ParsedBatch ParseNdjson() => EventParser.ParseNdjson(_ndjson);
}
