using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Reach.Analysis.Events;
using Reach.Api.Tests.Observability;

namespace Reach.Api.Tests.Access;

/// <summary>
/// Three tenants on one service: A, and B and C, which hold the same ids as A but other data (B
/// and C the same as each other). B must see exactly what C sees, never what A sees, and none of
/// A's own ids.
/// </summary>
public sealed class IsolationTests(ReachHost host)
{
    private static readonly Dictionary<string, string> SharedIds = new()
    {
        ["postId"] = "p",
        ["accountId"] = "au",
        ["campaignId"] = "launch",
        ["name"] = "official",
    };

    private static readonly Dictionary<string, string> OnlyInA = new()
    {
        ["postId"] = "p-only-a",
        ["accountId"] = "au-only-a",
        ["campaignId"] = "launch-only-a",
        ["name"] = "official-only-a",
    };

    [Fact]
    public async Task Through_every_get_route_a_tenant_sees_its_own_data_and_never_another_tenants()
    {
        var (a, b, c) = (await TenantAsync(), await TenantAsync(), await TenantAsync());
        await SeedAAsync(a.Client);
        await SeedBAsync(b.Client);
        await SeedBAsync(c.Client);

        var routes = (await OpenApiRoute.ReadAsync(a.Client)).Where(r => r.Method == "GET" && r.NeedsKey).ToList();
        Assert.Contains(routes, r => r.Template == "/v1/campaigns/{campaignId}/report");
        foreach (var route in routes)
        {
            Assert.All(route.PathParameters, p => Assert.True(SharedIds.ContainsKey(p), $"{route}: add '{p}' to the ids this test fills in"));
            var url = route.Fill(p => SharedIds[p]);
            var (seenByA, seenByB, seenByC) = (await ReadAsync(a.Client, url), await ReadAsync(b.Client, url), await ReadAsync(c.Client, url));
            if (route.Template == "/v1/keys")
            {
                Assert.Equal(b.Name, seenByB["tenant"]!.GetValue<string>());
                Assert.Equal([b.KeyId], seenByB["keys"]!.AsArray().Select(k => k!["id"]!.GetValue<string>()));
                continue;
            }

            Assert.True(JsonNode.DeepEquals(seenByB, seenByC), $"{url}: B and C hold the same data but see\n{seenByB}\n{seenByC}");
            Assert.False(JsonNode.DeepEquals(seenByA, seenByB), $"{url}: B sees what A sees:\n{seenByB}");
        }

        foreach (var route in routes.Where(r => r.PathParameters.Length > 0))
        {
            using var response = await b.Client.GetAsync(route.Fill(p => OnlyInA[p]), TestContext.Current.CancellationToken);
            await response.ProblemAsync(404);
        }
    }

    [Fact]
    public async Task A_tenant_cannot_change_or_revoke_what_belongs_to_another_and_gets_404_for_trying()
    {
        var (a, b) = (await TenantAsync(), await TenantAsync());
        await SeedAAsync(a.Client);

        await (await b.Client.DeleteAsync("/v1/watch/posts/p", TestContext.Current.CancellationToken)).ProblemAsync(404);
        await (await b.Client.DeleteAsync($"/v1/keys/{a.KeyId}", TestContext.Current.CancellationToken)).ProblemAsync(404);
        var report = await a.Client.GetStringAsync("/v1/campaigns/launch-only-a/report", TestContext.Current.CancellationToken);
        using var verify = await b.Client.PostAsync("/v1/campaigns/launch-only-a/verify",
            new StringContent(report, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await verify.ProblemAsync(404);

        Assert.Equal(["p"], (await a.Client.GetJsonAsync("/v1/watch"))["posts"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await a.Client.GetAsync("/v1/keys", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task The_watch_gauges_on_metrics_carry_each_tenants_own_value_under_its_tenant_label()
    {
        var (a, b) = (await TenantAsync(), await TenantAsync());
        await SeedAAsync(a.Client);
        await SeedBAsync(b.Client);

        using var anonymous = host.CreateAnonymousClient();
        var metrics = new PrometheusText(await anonymous.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
        Assert.Equal(2, metrics.Value("reach_watch_post_reposts", ("tenant", a.Name), ("post_id", "p")));
        Assert.Equal(4, metrics.Value("reach_watch_post_reposts", ("tenant", b.Name), ("post_id", "p")));
    }

    private sealed record TenantClient(string Name, string KeyId, HttpClient Client);

    private async Task<TenantClient> TenantAsync()
    {
        var name = Tenants.Unique();
        var key = await Tenants.CreateFullKeyAsync(host, name);
        var client = host.CreateClient(key);
        var keyId = (await client.GetJsonAsync("/v1/keys"))["keys"]!.AsArray().Single()!["id"]!.GetValue<string>();
        return new TenantClient(name, keyId, client);
    }

    /// <summary>Tenant A: post p by au with two reposts, and ids of its own.</summary>
    private static async Task SeedAAsync(HttpClient client)
    {
        ReachEvent[] events =
        [
            Ev.Account("au", 40), Ev.Followers("au", ["a1", "x"], 0),
            Ev.Post("p", "au", 0, ["launch"]),
            Ev.Repost("p-r1", "a1", "p", "p", 1), Ev.Repost("p-r2", "a2", "p", null, 2),
            Ev.Account("au-only-a", 7), Ev.Post("p-only-a", "au-only-a", 3, ["launch"]), Ev.Repost("p-only-a-r1", "a1", "p-only-a", null, 4),
        ];
        await client.IngestAsync(events);
        await PutAsync(client, "/v1/groups/official", new { accountIds = new[] { "au" } });
        await PutAsync(client, "/v1/groups/official-only-a", new { accountIds = new[] { "au-only-a" } });
        await PutAsync(client, "/v1/campaigns/launch", new { posts = new[] { "p", "p-only-a" } });
        await PutAsync(client, "/v1/campaigns/launch-only-a", new { rule = new { groups = new[] { "official-only-a" } } });
        await PutAsync(client, "/v1/watch/posts/p", null);
        await PutAsync(client, "/v1/watch/accounts/au", null);
    }

    /// <summary>Tenants B and C: the same ids p, au, official and launch, other data: a chain of four reposts.</summary>
    private static async Task SeedBAsync(HttpClient client)
    {
        ReachEvent[] events =
        [
            Ev.Account("au", 900), Ev.Followers("au", ["b1", "y", "z"], 0), Ev.Followers("b1", ["b2", "w"], 0),
            Ev.Post("p", "au", 0, ["launch"]),
            Ev.Repost("p-r1", "b1", "p", "p", 5), Ev.Repost("p-r2", "b2", "p", "p-r1", 6),
            Ev.Repost("p-r3", "b3", "p", null, 7), Ev.Repost("p-r4", "b4", "p", "p-r3", 8),
        ];
        await client.IngestAsync(events);
        await PutAsync(client, "/v1/groups/official", new { accountIds = new[] { "au", "b1" } });
        await PutAsync(client, "/v1/campaigns/launch", new { rule = new { tags = new[] { "launch" } } });
        await PutAsync(client, "/v1/watch/posts/p", null);
    }

    private static async Task PutAsync(HttpClient client, string url, object? body)
    {
        using var response = body is null
            ? await client.PutAsync(url, null, TestContext.Current.CancellationToken)
            : await client.PutAsJsonAsync(url, body, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
    }

    /// <summary>A GET's JSON without the time the answer was made.</summary>
    private static async Task<JsonNode> ReadAsync(HttpClient client, string url)
    {
        var json = await client.GetJsonAsync(url);
        if (json is JsonObject answer)
        {
            answer.Remove("generatedAt");
        }

        return json;
    }
}
