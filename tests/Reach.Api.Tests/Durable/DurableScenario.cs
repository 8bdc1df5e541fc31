using System.Text.Json.Nodes;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;

namespace Reach.Api.Tests.Durable;

/// <summary>
/// An event stream with every kind of state a grain keeps (cascades with reposts, quotes, likes,
/// replies and impressions; account profiles; follows and unfollows), cut into request-sized
/// batches, and the reads that show what a service made of it.
/// </summary>
internal sealed class DurableScenario
{
    private DurableScenario(List<ReachEvent> events, int batchSize)
    {
        Events = events;
        Batches = [.. events.Chunk(batchSize).Select(chunk => EventWriter.ToNdjson(chunk))];
        BatchEvents = [.. events.Chunk(batchSize)];
        Roots = [.. events.Where(e => e.Type == EventType.Post).Select(e => e.PostId!)];
        Accounts = [.. events.Where(e => e.AccountId is not null).Select(e => e.AccountId!).Distinct(StringComparer.Ordinal).Take(60)];
    }

    public List<ReachEvent> Events { get; }

    public byte[][] Batches { get; }

    public ReachEvent[][] BatchEvents { get; }

    public string[] Roots { get; }

    public string[] Accounts { get; }

    public static DurableScenario Create(int nodesPerCascade, int cascades, int batchSize, int seed)
    {
        var prefix = Ids.Unique();
        var generated = SyntheticCascadeGenerator.Generate(new SyntheticOptions
        {
            Nodes = nodesPerCascade, Cascades = cascades, Seed = seed, Shuffle = true, IdPrefix = prefix,
        }).ToList();
        // Every fifth repost names no parent: its parent is inferred from the follower graph.
        generated = [.. generated.Select((e, i) => e.Type == EventType.Repost && i % 5 == 0 ? e with { ParentPostId = null } : e)];
        var random = new Random(seed);
        var nodes = generated.Where(e => e.Type is EventType.Repost or EventType.Post).ToList();
        var accounts = generated.Where(e => e.AccountId is not null).Select(e => e.AccountId!).Distinct().ToList();
        var extra = new List<ReachEvent>();
        foreach (var node in nodes.Where((_, i) => i % 7 == 0))
        {
            var at = node.At + TimeSpan.TicksPerMinute;
            extra.Add(new ReachEvent { Type = EventType.Like, At = at, AccountId = Pick(accounts, random), PostId = node.PostId });
            extra.Add(new ReachEvent
            {
                Type = EventType.Reply, At = at, PostId = node.PostId + "-reply", AccountId = Pick(accounts, random), ParentPostId = node.PostId,
            });
        }

        foreach (var node in nodes.Where((_, i) => i % 53 == 0))
        {
            extra.Add(new ReachEvent
            {
                Type = EventType.Quote, At = node.At + TimeSpan.TicksPerHour, PostId = node.PostId + "-quote",
                AccountId = Pick(accounts, random), QuotedPostId = node.PostId,
            });
        }

        foreach (var root in nodes.Where(n => n.Type == EventType.Post))
        {
            extra.Add(new ReachEvent { Type = EventType.Impressions, At = root.At + TimeSpan.TicksPerDay, PostId = root.PostId, Count = 1000 + random.Next(9000) });
        }

        foreach (var followed in accounts.Take(40))
        {
            for (var k = 0; k < 5; k++)
            {
                var follower = Pick(accounts, random);
                if (follower == followed)
                {
                    continue;
                }

                var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(10_000)).UtcTicks;
                extra.Add(new ReachEvent { Type = k == 4 ? EventType.Unfollow : EventType.Follow, At = at, AccountId = follower, TargetId = followed });
            }
        }

        foreach (var listed in accounts.Skip(40).Take(20))
        {
            var followers = Enumerable.Range(0, 30).Select(_ => random.Next(3) == 0 ? $"{prefix}outsider{random.Next(500)}" : Pick(accounts, random));
            extra.Add(new ReachEvent
            {
                Type = EventType.Followers, At = new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks, AccountId = listed,
                FollowerIds = [.. followers.Distinct()],
            });
        }

        // Root posts first, so that a cascade export can show every stored repost; the rest in random order.
        var all = generated.Where(e => e.Type == EventType.Post)
            .Concat(generated.Where(e => e.Type != EventType.Post).Concat(extra).OrderBy(_ => random.Next()))
            .ToList();
        return new DurableScenario(all, batchSize);
    }

    /// <summary>Sends every batch, in order, and asserts each was taken.</summary>
    public async Task SendAllAsync(HttpClient client)
    {
        foreach (var batch in Batches)
        {
            using var response = await client.PostNdjsonAsync(batch);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    /// <summary>Metrics, cascade, timeline of every root and metrics of some accounts, as read from one service.</summary>
    public async Task<Dictionary<string, JsonNode>> ReadAsync(HttpClient client)
    {
        var reads = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var root in Roots)
        {
            var id = Http.Escape(root);
            reads[$"/v1/posts/{id}/metrics"] = await client.GetJsonAsync($"/v1/posts/{id}/metrics");
            reads[$"/v1/posts/{id}/cascade"] = Canonical(await client.GetJsonAsync($"/v1/posts/{id}/cascade"));
            reads[$"/v1/posts/{id}/timeline?bucket=1h"] = await client.GetJsonAsync($"/v1/posts/{id}/timeline?bucket=1h");
        }

        foreach (var account in Accounts)
        {
            var url = $"/v1/accounts/{Http.Escape(account)}/metrics";
            using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
            reads[url] = response.IsSuccessStatusCode
                ? JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!
                : JsonValue.Create((int)response.StatusCode);
        }

        return reads;
    }

    public static void AssertSameReads(Dictionary<string, JsonNode> expected, Dictionary<string, JsonNode> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (url, node) in expected)
        {
            Assert.True(JsonNode.DeepEquals(node, actual[url]), $"{url} differs:\nexpected {node.ToJsonString()}\nactual   {actual[url].ToJsonString()}");
        }
    }

    /// <summary>Nodes and edges in id order: arrival order is not part of the cascade.</summary>
    private static JsonNode Canonical(JsonNode cascade)
    {
        foreach (var (array, key) in new[] { ("nodes", "id"), ("edges", "target") })
        {
            var sorted = cascade[array]!.AsArray().Select(n => n!.DeepClone()).OrderBy(n => n[key]!.GetValue<string>(), StringComparer.Ordinal).ToList();
            cascade[array] = new JsonArray([.. sorted]);
        }

        return cascade;
    }

    private static string Pick(List<string> items, Random random) => items[random.Next(items.Count)];
}
