using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;

namespace Reach.Benchmarks;

/// <summary>
/// One short job for the whole suite: one launch, 3 warmup and 10 measured iterations, so the
/// suite finishes in minutes on a 2-core machine.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithId("Short"));
        AddColumn(StatisticColumn.Median, StatisticColumn.Max);
        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared));
        HideColumns(Column.Job, Column.LaunchCount, Column.WarmupCount, Column.IterationCount);
    }
}
