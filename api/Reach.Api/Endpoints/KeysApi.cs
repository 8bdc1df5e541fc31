using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reach.Api.Access;
using Reach.Grains;

namespace Reach.Api.Endpoints;

/// <summary>A new key's name (what it is for) and scopes: any of ingest, read, admin.</summary>
public sealed record KeyBody(string? Name, string[]? Scopes);

/// <summary>A key as listed: never the key itself.</summary>
/// <param name="Configured">The development key, set by configuration: it cannot be revoked here.</param>
public sealed record KeyView(string Id, string Name, string[] Scopes, DateTimeOffset? CreatedAt, DateTimeOffset? RevokedAt, bool Configured);

/// <summary>A new key: <paramref name="Key"/> is shown this once; Reach keeps only its hash.</summary>
public sealed record CreatedKey(string Id, string Key, string Tenant, string Name, string[] Scopes, DateTimeOffset CreatedAt);

public sealed record KeyList(string Tenant, KeyView[] Keys);

public static class KeysApi
{
    private const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapKeys(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/tenants/{tenant}/keys", CreateTenantKeyAsync)
            .WithTags("Keys")
            .WithName("CreateTenantKey")
            .WithSummary("Create a key for a tenant (operator)")
            .WithDescription("The operator's key (Reach:OperatorKey) creates a tenant's keys; a tenant exists once it has one. Tenant names: lower-case letters, digits and inner hyphens, up to 63. The key is in the answer this once.")
            .RequireAuthorization(AccessHosting.OperatorPolicy)
            .Produces<CreatedKey>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        var keys = routes.MapGroup("/v1/keys").WithTags("Keys").RequireScope(ApiScopes.Admin);
        keys.MapPost("", CreateKeyAsync)
            .WithName("CreateKey")
            .WithSummary("Create a key for the caller's tenant")
            .WithDescription("A new key of the caller's tenant with the scopes given (ingest, read, admin). The key is in the answer this once.")
            .Produces<CreatedKey>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        keys.MapGet("", ListKeysAsync)
            .WithName("ListKeys")
            .WithSummary("The tenant's keys")
            .WithDescription("Id, name, scopes, and when each was created and revoked; never the keys themselves.");
        keys.MapDelete("/{keyId}", RevokeKeyAsync)
            .WithName("RevokeKey")
            .WithSummary("Revoke a key")
            .WithDescription("The key answers 401 from now on. 404 for an id that is not one of the tenant's keys.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    private static async Task<Results<Created<CreatedKey>, ValidationProblem>> CreateTenantKeyAsync(string tenant, KeyBody body, IGrainFactory grains)
    {
        var errors = Validate(body, out var scopes);
        if (!ApiKeys.TenantName().IsMatch(tenant))
        {
            errors["tenant"] = ["Tenant names have 1 to 63 lower-case letters, digits and inner hyphens."];
        }

        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : await CreateAsync(grains, tenant, body.Name!, scopes);
    }

    private static async Task<Results<Created<CreatedKey>, ValidationProblem>> CreateKeyAsync(KeyBody body, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = Validate(body, out var scopes);
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : await CreateAsync(grains, user.Tenant(), body.Name!, scopes);
    }

    private static async Task<Ok<KeyList>> ListKeysAsync(ClaimsPrincipal user, IGrainFactory grains, ConfiguredKeys configured)
    {
        var tenant = user.Tenant();
        var ids = await grains.Get<ITenantKeysGrain>(tenant).GetAsync();
        var stored = await Task.WhenAll(ids.Select(id => grains.Get<IApiKeyGrain>(id).GetAsync(tenant)));
        var views = stored.OfType<ApiKeyInfo>()
            .Select(k => new KeyView(k.Id, k.Name, ApiKeys.NamesOf(k.Scopes), k.CreatedAt, k.RevokedAt, Configured: false))
            .ToList();
        if (tenant == ConfiguredKeys.DevelopmentTenant && configured.DevelopmentKeyId is { } developmentId)
        {
            views.Insert(0, new KeyView(developmentId, "development", ApiKeys.NamesOf(ApiScopes.All), null, null, Configured: true));
        }

        return TypedResults.Ok(new KeyList(tenant, [.. views]));
    }

    private static async Task<Results<Ok<KeyView>, ProblemHttpResult>> RevokeKeyAsync(
        [StringLength(16, MinimumLength = 16)] string keyId, ClaimsPrincipal user, IGrainFactory grains, ConfiguredKeys configured)
    {
        var tenant = user.Tenant();
        if (tenant == ConfiguredKeys.DevelopmentTenant && keyId == configured.DevelopmentKeyId)
        {
            return TypedResults.Problem("The development key comes from configuration (Reach:DevelopmentKey); change it there.",
                statusCode: StatusCodes.Status409Conflict, title: "Configured key");
        }

        return await grains.Get<IApiKeyGrain>(keyId).RevokeAsync(tenant) is { } key
            ? TypedResults.Ok(new KeyView(key.Id, key.Name, ApiKeys.NamesOf(key.Scopes), key.CreatedAt, key.RevokedAt, Configured: false))
            : Problems.NotFound("Unknown key", $"The tenant has no key '{keyId}'.");
    }

    private static Dictionary<string, string[]> Validate(KeyBody body, out ApiScopes scopes)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxNameLength)
        {
            errors["name"] = [$"Name the key (what it is for) in 1 to {MaxNameLength} characters."];
        }

        scopes = ApiKeys.Parse(body.Scopes ?? []) ?? ApiScopes.None;
        if (body.Scopes is not { Length: > 0 } || ApiKeys.Parse(body.Scopes) is null)
        {
            errors["scopes"] = [$"Give one or more of {string.Join(", ", ApiKeys.Scopes.Select(s => s.Name))}."];
        }

        return errors;
    }

    private static async Task<Results<Created<CreatedKey>, ValidationProblem>> CreateAsync(IGrainFactory grains, string tenant, string name, ApiScopes scopes)
    {
        while (true)
        {
            var key = ApiKeys.Generate();
            var hash = ApiKeys.Hash(key);
            var id = ApiKeys.IdOf(hash);
            var createdAt = DateTimeOffset.UtcNow;
            if (await grains.Get<IApiKeyGrain>(id).CreateAsync(new ApiKeyRecord(tenant, name, scopes, hash, createdAt)))
            {
                await grains.Get<ITenantKeysGrain>(tenant).AddAsync(id);
                return TypedResults.Created("/v1/keys", new CreatedKey(id, key, tenant, name, ApiKeys.NamesOf(scopes), createdAt));
            }
        }
    }
}
