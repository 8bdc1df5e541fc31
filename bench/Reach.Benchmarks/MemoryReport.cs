using System.Diagnostics;
using Reach.Analysis.Cascades;
using Reach.Analysis.Events;

namespace Reach.Benchmarks;

/// <summary>
/// <c>-- memory [nodes]</c>: what a cascade costs resident. Builds one cascade (default 1,000,000 nodes) from
/// pre-generated events and prints the graph's own footprint estimate, the measured managed-heap growth
/// (GC.GetTotalMemory(true) before and after building, the events already in memory) and the snapshot size,
/// each per node.
/// </summary>
public static class MemoryReport
{
    public static int Run(int nodes)
    {
        var events = Inputs.NodeEvents(nodes);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        var graph = new CascadeGraph(events[0].PostId!);
        foreach (var e in events)
        {
            if (e.Type == EventType.Repost)
            {
                graph.AddNode(e.PostId!, e.AccountId!, e.ParentPostId, e.At, NodeKind.Repost);
            }
            else
            {
                graph.SetRoot(e.AccountId!, e.At);
            }
        }

        watch.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(events);

        var snapshot = graph.ToSnapshot();
        var resident = after - before;
        var n = (double)graph.NodeCount;
        Console.WriteLine($"nodes                         {graph.NodeCount:N0} (accounts {graph.Accounts.Count:N0}), built in {watch.Elapsed.TotalMilliseconds:F0} ms");
        Console.WriteLine($"(a) FootprintBytes / node     {graph.FootprintBytes / n,8:F1} B   ({graph.FootprintBytes:N0} B)");
        Console.WriteLine($"(b) GC heap delta / node      {resident / n,8:F1} B   ({resident:N0} B, GC.GetTotalMemory(true) around the build)");
        Console.WriteLine($"(c) snapshot / node           {snapshot.Length / n,8:F1} B   ({snapshot.Length:N0} B)");
        GC.KeepAlive(graph);
        return 0;
    }
}
