using Reach.Analysis.Cascades;

namespace Reach.Analysis.Tests;

/// <summary>Small hand-made cascades: node names, parents and minutes after the root.</summary>
internal static class TreeBuilder
{
    public static readonly DateTimeOffset RootTime = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <param name="nodes">(id, parent, account, seconds after the root) in arrival order; parent null = root.</param>
    public static CascadeGraph Build(string root, params (string Id, string? Parent, string Account, double Seconds)[] nodes)
    {
        var graph = new CascadeGraph(root);
        graph.SetRoot("author", RootTime.UtcTicks);
        foreach (var (id, parent, account, seconds) in nodes)
        {
            var result = graph.AddNode(id, account, parent ?? root, At(seconds), NodeKind.Repost);
            Assert.Equal(AddOutcome.Added, result.Outcome);
        }

        return graph;
    }

    public static long At(double seconds) => RootTime.UtcTicks + (long)(seconds * TimeSpan.TicksPerSecond);
}
