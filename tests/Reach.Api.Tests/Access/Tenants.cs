using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Reach.Api.Tests.Access;

/// <summary>Tenants and keys made through the operator's route, as a deployment would.</summary>
internal static class Tenants
{
    /// <summary>A tenant name no other test uses.</summary>
    public static string Unique() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Creates a key of <paramref name="tenant"/> with these scopes and returns it.</summary>
    public static async Task<string> CreateKeyAsync(ReachHost host, string tenant, params string[] scopes)
    {
        using var operatorClient = host.CreateClient(TestKeys.Operator);
        using var response = await operatorClient.PostAsJsonAsync(
            $"/v1/tenants/{tenant}/keys", new { name = "test " + string.Join("+", scopes), scopes }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode == 201, body);
        var created = JsonNode.Parse(body)!;
        Assert.Equal(tenant, created["tenant"]!.GetValue<string>());
        return created["key"]!.GetValue<string>();
    }

    public static Task<string> CreateFullKeyAsync(ReachHost host, string tenant) => CreateKeyAsync(host, tenant, "ingest", "read", "admin");
}
