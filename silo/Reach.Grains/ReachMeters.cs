using System.Diagnostics.Metrics;

namespace Reach.Grains;

/// <summary>
/// Reach's own instruments, under the meter "Reach". No post or account id is ever a tag here:
/// per-post series exist only for the watch list (see the API's watch gauges).
/// </summary>
public static class ReachMeters
{
    public const string MeterName = "Reach";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> Events = Meter.CreateCounter<long>(
        "reach.events", unit: "{event}", description: "Events received through POST /v1/events, by type and outcome (accepted, duplicate, conflict, rejected).");

    public static readonly Histogram<int> IngestBatchSize = Meter.CreateHistogram<int>(
        "reach.ingest.batch.size", unit: "{event}", description: "Events per ingest request.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000] });

    public static readonly Histogram<double> IngestSeconds = Meter.CreateHistogram<double>(
        "reach.ingest.duration", unit: "s", description: "Time to answer one ingest request, everything in it stored.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    public static readonly Counter<long> JournalCommits = Meter.CreateCounter<long>(
        "reach.journal.commits", unit: "{commit}", description: "Group commits of journal entries to storage.");

    public static readonly Counter<long> JournalEntries = Meter.CreateCounter<long>(
        "reach.journal.entries", unit: "{entry}", description: "Journal entries committed to storage.");

    public static readonly Counter<long> JournalBytes = Meter.CreateCounter<long>(
        "reach.journal.bytes", unit: "By", description: "Journal payload bytes committed to storage.");

    public static readonly Histogram<double> JournalCommitSeconds = Meter.CreateHistogram<double>(
        "reach.journal.commit.duration", unit: "s", description: "Storage write latency: time to commit one group of journal entries.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    public static readonly Counter<long> Snapshots = Meter.CreateCounter<long>(
        "reach.snapshots", unit: "{snapshot}", description: "Grain snapshots written to storage.");

    public static readonly UpDownCounter<long> ActiveGrains = Meter.CreateUpDownCounter<long>(
        "reach.grains.active", unit: "{grain}", description: "Grains active in this silo, by kind (cascade, account, account_index, post_directory).");

    public static readonly Histogram<long> CascadeSize = Meter.CreateHistogram<long>(
        "reach.cascade.size", unit: "{node}", description: "Size of each cascade analysed (one sample per analysis).",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 10_000, 100_000, 1_000_000] });

    public static readonly Histogram<double> StructuralVirality = Meter.CreateHistogram<double>(
        "reach.cascade.structural_virality", description: "Structural virality of each cascade analysed with at least one repost (one sample per analysis).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 1.5, 2, 2.5, 3, 4, 5, 7, 10, 15, 20, 50] });

    public static readonly Counter<long> ReachComputations = Meter.CreateCounter<long>(
        "reach.reach.computations", unit: "{computation}", description: "Analyses of a cascade (attribution and reach), by reach method (exact, hll, none).");

    public static readonly Histogram<double> AnalysisSeconds = Meter.CreateHistogram<double>(
        "reach.analysis.duration", unit: "s", description: "Time to analyse one cascade: fetch participants' audiences, attribute, count reach, compute metrics.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Counts a grain as active until its deactivation.</summary>
    public static void Activated(string kind) => ActiveGrains.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void Deactivated(string kind) => ActiveGrains.Add(-1, new KeyValuePair<string, object?>("kind", kind));
}
