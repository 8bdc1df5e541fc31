using Reach.Analysis.Cascades;
using Reach.Analysis.Export;

namespace Reach.Analysis.Audience;

/// <summary>One repost (or quote) and what it carried.</summary>
/// <param name="MarginalReach">Followers of the reposter reached by no earlier node (time order).</param>
/// <param name="Downstream">Reposts that came through this one: its subtree in the attributed tree, itself aside.</param>
/// <param name="Followers">f(u) of the reposter; null when unknown.</param>
public sealed record Amplifier(
    int Rank,
    string PostId,
    string AccountId,
    DateTimeOffset At,
    long MarginalReach,
    int Downstream,
    long? Followers,
    string Attribution,
    string ParentPostId);

public enum AmplifierRanking
{
    MarginalReach,
    Downstream,
}

public sealed record AmplifierList(string PostId, string By, string? ReachMethod, int Reposts, IReadOnlyList<Amplifier> Amplifiers);

public static class Amplifiers
{
    /// <summary>
    /// The <paramref name="top"/> reposts by marginal reach or by downstream reposts; ties go to the
    /// larger other figure, then the earlier repost, then the smaller post id.
    /// </summary>
    public static AmplifierList Rank(
        CascadeGraph graph, CascadeAudience audience, ReadOnlySpan<long> followersByAccount, int top, AmplifierRanking by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var n = Math.Min(graph.NodeCount, audience.Parents.Length);
        var order = new int[n];
        var parents = audience.Parents.AsSpan(0, n);
        CascadeMetricsCalculator.TopologicalOrder(parents, order);
        var subtree = new int[n];
        Array.Fill(subtree, 1);
        for (var i = n - 1; i >= 1; i--)
        {
            subtree[parents[order[i]]] += subtree[order[i]];
        }

        long Primary(int node) => by == AmplifierRanking.MarginalReach ? audience.MarginalReach[node] : subtree[node] - 1;
        long Secondary(int node) => by == AmplifierRanking.MarginalReach ? subtree[node] - 1 : audience.MarginalReach[node];
        var times = graph.Times;
        var ids = graph.Ids;
        var ranked = Enumerable.Range(1, n - 1).ToArray();
        Array.Sort(ranked, (x, y) =>
        {
            var c = Primary(y).CompareTo(Primary(x));
            c = c != 0 ? c : Secondary(y).CompareTo(Secondary(x));
            c = c != 0 ? c : graph.Times[x].CompareTo(graph.Times[y]);
            return c != 0 ? c : ids.Utf8(x).SequenceCompareTo(ids.Utf8(y));
        });

        var list = new List<Amplifier>(Math.Min(top, ranked.Length));
        foreach (var node in ranked.Take(top))
        {
            var account = graph.AccountOf[node];
            list.Add(new Amplifier(
                list.Count + 1,
                ids[node],
                graph.Accounts[account],
                new DateTimeOffset(times[node], TimeSpan.Zero),
                audience.MarginalReach[node],
                subtree[node] - 1,
                account < followersByAccount.Length && followersByAccount[account] >= 0 ? followersByAccount[account] : null,
                CascadeExport.AttributionName(audience.Attributions[node]),
                ids[parents[node]]));
        }

        return new AmplifierList(
            graph.RootPostId,
            by == AmplifierRanking.MarginalReach ? "marginalReach" : "downstream",
            audience.Reach.AccountsWithKnownFollowers > 0 ? audience.Reach.Method : null,
            n - 1,
            list);
    }
}
