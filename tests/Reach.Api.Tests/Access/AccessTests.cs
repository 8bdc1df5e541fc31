using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Reach.Api.Tests.Access;

public sealed class AccessTests(ReachHost host)
{
    private static readonly string[] PublicRoutes = ["GET /", "GET /health/startup", "GET /health/ready", "GET /health/live"];

    [Fact]
    public async Task Every_route_but_the_home_page_and_the_probes_refuses_a_request_without_a_key_with_401()
    {
        using var anonymous = host.CreateAnonymousClient();
        var routes = await OpenApiRoutes(anonymous);

        Assert.Equal(PublicRoutes.Order(), routes.Where(r => !r.NeedsKey).Select(r => r.ToString()).Order());
        Assert.All(routes.Where(r => r.Template.StartsWith("/v1/", StringComparison.Ordinal)), r => Assert.True(r.NeedsKey, $"{r} needs no key"));
        foreach (var route in routes.Where(r => r.NeedsKey))
        {
            using var response = await anonymous.SendAsync(route.Request(_ => "x"), TestContext.Current.CancellationToken);
            var problem = await response.ProblemAsync(401);
            Assert.Contains("Authorization: Bearer", problem["detail"]!.GetValue<string>());
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        }

        foreach (var route in PublicRoutes)
        {
            using var response = await anonymous.GetAsync(route["GET ".Length..], TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"{route}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Every_route_refuses_a_key_that_lacks_its_scope_with_403_naming_the_scope()
    {
        var tenant = Tenants.Unique();
        var routes = await OpenApiRoutes(host.CreateAnonymousClient());
        var keyed = routes.Where(r => r.NeedsKey).ToList();
        Assert.All(keyed, r => Assert.True(r.Scopes!.Length == 1, $"{r} names {r.Scopes.Length} scopes"));

        foreach (var scope in new[] { "ingest", "read", "admin" })
        {
            using var client = host.CreateClient(await Tenants.CreateKeyAsync(host, tenant, [.. new[] { "ingest", "read", "admin" }.Where(s => s != scope)]));
            var needing = keyed.Where(r => r.Scopes![0] == scope).ToList();
            Assert.NotEmpty(needing);
            foreach (var route in needing)
            {
                using var response = await client.SendAsync(route.Request(_ => "x"), TestContext.Current.CancellationToken);
                var problem = await response.ProblemAsync(403);
                Assert.Contains($"'{scope}'", problem["detail"]!.GetValue<string>());
            }
        }

        using var tenantAdmin = host.CreateClient(await Tenants.CreateFullKeyAsync(host, tenant));
        var operatorRoutes = keyed.Where(r => r.Scopes![0] == "operator").ToList();
        Assert.Equal(["POST /v1/tenants/{tenant}/keys"], operatorRoutes.Select(r => r.ToString()));
        using var refused = await tenantAdmin.SendAsync(operatorRoutes[0].Request(_ => Tenants.Unique()), TestContext.Current.CancellationToken);
        Assert.Contains("operator", (await refused.ProblemAsync(403))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_key_a_malformed_header_and_a_revoked_key_each_answer_401_saying_which()
    {
        using var unknown = host.CreateClient("reach_" + new string('0', 48));
        Assert.Contains("not known", (await (await unknown.GetAsync("/v1/watch", TestContext.Current.CancellationToken)).ProblemAsync(401))["detail"]!.GetValue<string>());

        using var malformed = host.CreateAnonymousClient();
        malformed.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", "abc");
        Assert.Contains("Bearer", (await (await malformed.GetAsync("/v1/watch", TestContext.Current.CancellationToken)).ProblemAsync(401))["detail"]!.GetValue<string>());

        var tenant = Tenants.Unique();
        using var admin = host.CreateClient(await Tenants.CreateFullKeyAsync(host, tenant));
        using var created = await admin.PostAsJsonAsync("/v1/keys", new { name = "dashboard", scopes = new[] { "read" } }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<CreatedKeyBody>(TestContext.Current.CancellationToken))!;
        using var reader = host.CreateClient(key.Key);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/watch", TestContext.Current.CancellationToken)).StatusCode);

        using var revoked = await admin.DeleteAsync($"/v1/keys/{key.Id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        var problem = await (await reader.GetAsync("/v1/watch", TestContext.Current.CancellationToken)).ProblemAsync(401);
        Assert.Contains("revoked", problem["detail"]!.GetValue<string>());
        var listed = await admin.GetJsonAsync("/v1/keys");
        var entry = listed["keys"]!.AsArray().Single(k => k!["id"]!.GetValue<string>() == key.Id)!;
        Assert.NotNull(entry["revokedAt"]?.GetValue<DateTimeOffset>());
        Assert.DoesNotContain(key.Key, listed.ToJsonString());
        Assert.Null(entry["key"]);
    }

    [Fact]
    public async Task A_key_is_taken_as_a_bearer_token_as_an_x_api_key_header_or_as_a_basic_password()
    {
        var tenant = Tenants.Unique();
        var key = await Tenants.CreateKeyAsync(host, tenant, "read");
        string?[] headers = ["Bearer " + key, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(":" + key)), "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("me:" + key)), null];
        foreach (var authorization in headers)
        {
            using var client = host.CreateAnonymousClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/watch");
            if (authorization is null)
            {
                request.Headers.Add("X-Api-Key", key);
            }
            else
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{authorization ?? "X-Api-Key"}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_key_needs_a_name_known_scopes_and_a_valid_tenant_name()
    {
        using var operatorClient = host.CreateClient(TestKeys.Operator);
        async Task<string[]> ErrorsAsync(string tenant, object body)
        {
            using var response = await operatorClient.PostAsJsonAsync($"/v1/tenants/{tenant}/keys", body, TestContext.Current.CancellationToken);
            return [.. (await response.ProblemAsync(400))["errors"]!.AsObject().Select(e => e.Key).Order()];
        }

        Assert.Equal(["scopes"], await ErrorsAsync(Tenants.Unique(), new { name = "x", scopes = new[] { "read", "write" } }));
        Assert.Equal(["scopes"], await ErrorsAsync(Tenants.Unique(), new { name = "x", scopes = Array.Empty<string>() }));
        Assert.Equal(["name"], await ErrorsAsync(Tenants.Unique(), new { scopes = new[] { "read" } }));
        Assert.Equal(["tenant"], await ErrorsAsync("Not_A-Tenant", new { name = "x", scopes = new[] { "read" } }));
        Assert.Equal(["name", "scopes", "tenant"], await ErrorsAsync("-x", new { name = new string('n', 101) }));
    }

    [Fact]
    public async Task The_development_key_is_listed_for_the_default_tenant_and_cannot_be_revoked_through_the_api()
    {
        using var client = host.CreateClient();
        var listed = await client.GetJsonAsync("/v1/keys");
        Assert.Equal("default", listed["tenant"]!.GetValue<string>());
        var development = listed["keys"]!.AsArray().Single(k => k!["configured"]!.GetValue<bool>())!;
        Assert.Equal(["ingest", "read", "admin"], development["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));

        using var response = await client.DeleteAsync($"/v1/keys/{development["id"]!.GetValue<string>()}", TestContext.Current.CancellationToken);
        await response.ProblemAsync(409);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/keys", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static Task<IReadOnlyList<OpenApiRoute>> OpenApiRoutes(HttpClient client) => OpenApiRoute.ReadAsync(client);

    private sealed record CreatedKeyBody(string Id, string Key);
}
