using Reach.Analysis.Events;

namespace Reach.Analysis.Cascades;

/// <summary>
/// Builds cascades straight from events, without the grains: for tools, tests and benchmarks.
/// Only the events a single cascade can place on its own are applied: the root post, reposts and
/// impressions; likes, replies and quotes need the post directory of the service.
/// </summary>
public static class CascadeGraphBuilder
{
    public static Dictionary<string, CascadeGraph> FromEvents(IEnumerable<ReachEvent> events)
    {
        var cascades = new Dictionary<string, CascadeGraph>(StringComparer.Ordinal);
        CascadeGraph Cascade(string root)
        {
            if (!cascades.TryGetValue(root, out var graph))
            {
                cascades[root] = graph = new CascadeGraph(root);
            }

            return graph;
        }

        foreach (var e in events)
        {
            switch (e.Type)
            {
                case EventType.Post:
                    Cascade(e.PostId!).SetRoot(e.AccountId!, e.At);
                    break;
                case EventType.Repost:
                    Cascade(e.RootPostId!).AddNode(e.PostId!, e.AccountId!, e.ParentPostId, e.At, NodeKind.Repost);
                    break;
                case EventType.Impressions:
                    Cascade(e.PostId!).SetImpressions(e.Count!.Value, e.At);
                    break;
                default:
                    break;
            }
        }

        return cascades;
    }
}
