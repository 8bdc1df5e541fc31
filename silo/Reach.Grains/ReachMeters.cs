using System.Diagnostics.Metrics;

namespace Reach.Grains;

/// <summary>Reach's own instruments, under the meter "Reach".</summary>
public static class ReachMeters
{
    public const string MeterName = "Reach";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> JournalCommits = Meter.CreateCounter<long>(
        "reach.journal.commits", description: "Group commits of journal entries to storage.");

    public static readonly Counter<long> JournalEntries = Meter.CreateCounter<long>(
        "reach.journal.entries", description: "Journal entries committed to storage.");

    public static readonly Counter<long> JournalBytes = Meter.CreateCounter<long>(
        "reach.journal.bytes", unit: "By", description: "Journal payload bytes committed to storage.");

    public static readonly Histogram<double> JournalCommitSeconds = Meter.CreateHistogram<double>(
        "reach.journal.commit.duration", unit: "s", description: "Time to commit one group of journal entries.");

    public static readonly Counter<long> Snapshots = Meter.CreateCounter<long>(
        "reach.snapshots", description: "Grain snapshots written to storage.");
}
