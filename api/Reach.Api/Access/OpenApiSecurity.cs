using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Reach.Api.Access;

/// <summary>
/// Describes the API key in the OpenAPI document: one bearer scheme, and on every operation that
/// needs a key the scope it needs (as the requirement's role list) and the 401/403/429 answers.
/// </summary>
public static class OpenApiSecurity
{
    public static OpenApiOptions AddApiKeySecurity(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = $"An API key of one tenant: 'Authorization: Bearer <key>' (or the header {ApiKeyAuthenticationHandler.ApiKeyHeader}). " +
                    "Keys carry the scopes ingest, read and admin; the embedded default prints a development key on start.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                return Task.CompletedTask;
            }

            var needs = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>()
                .Select(policy => policy.StartsWith("scope:", StringComparison.Ordinal) ? policy["scope:".Length..] : policy)
                .ToList();
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, context.Document)] = needs,
            });
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key, or one that is not known or was revoked (problem details)." });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The key lacks the scope {string.Join(", ", needs)} (problem details)." });
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "The key's rate limit is spent; Retry-After says when to retry (problem details)." });
            return Task.CompletedTask;
        });
        return options;
    }
}
