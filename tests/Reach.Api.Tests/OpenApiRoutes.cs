namespace Reach.Api.Tests;

/// <summary>One operation of the service's OpenAPI document.</summary>
internal sealed record OpenApiRoute(string Method, string Template, string[] PathParameters, string[]? Scopes)
{
    /// <summary>Whether the operation needs a key (it names the API-key scheme).</summary>
    public bool NeedsKey => Scopes is not null;

    /// <summary>The template with each path parameter replaced by <paramref name="value"/>(name).</summary>
    public string Fill(Func<string, string> value) =>
        PathParameters.Aggregate(Template, (path, name) => path.Replace("{" + name + "}", Uri.EscapeDataString(value(name)), StringComparison.Ordinal));

    public static async Task<IReadOnlyList<OpenApiRoute>> ReadAsync(HttpClient client)
    {
        var document = await client.GetJsonAsync("/openapi/v1.json");
        return [.. from path in document["paths"]!.AsObject()
            from operation in path.Value!.AsObject()
            where operation.Key is "get" or "put" or "post" or "delete" or "patch"
            select new OpenApiRoute(
                operation.Key.ToUpperInvariant(),
                path.Key,
                [.. (operation.Value!["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "path").Select(p => p!["name"]!.GetValue<string>())],
                operation.Value!["security"]?.AsArray().Select(r => r!.AsObject()["ApiKey"]?.AsArray().Select(s => s!.GetValue<string>()))
                    .FirstOrDefault(s => s is not null)?.ToArray())];
    }

    public HttpRequestMessage Request(Func<string, string> value) => new(new HttpMethod(Method), Fill(value))
    {
        Content = Method is "PUT" or "POST" or "PATCH" ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json") : null,
    };

    public override string ToString() => $"{Method} {Template}";
}
