using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Reach.Grains;

namespace Reach.Api.Access;

/// <summary>
/// Reads the API key from <c>Authorization: Bearer &lt;key&gt;</c>, <c>X-Api-Key</c>, or a Basic
/// password (what a browser's login prompt sends), and turns it into the tenant and scopes it grants.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ConfiguredKeys configured, IGrainFactory grains)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Where a failed authentication leaves its reason for the 401 problem.</summary>
    public const string FailureItem = "reach:authentication-failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (key, malformed) = ReadKey(Request);
        if (malformed is not null)
        {
            return Fail(malformed);
        }

        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = ApiKeys.Hash(key);
        var keyId = ApiKeys.IdOf(hash);
        if (configured.IsOperator(hash))
        {
            return Success(new Claim(ReachClaims.OperatorType, "true"), new Claim(ReachClaims.KeyIdType, keyId));
        }

        if (configured.IsDevelopment(hash))
        {
            return Success(Grant(keyId, ConfiguredKeys.DevelopmentTenant, ApiScopes.All));
        }

        var check = await grains.Get<IApiKeyGrain>(keyId).CheckAsync(hash);
        return check.Status switch
        {
            ApiKeyStatus.Valid => Success(Grant(keyId, check.Tenant!, check.Scopes)),
            ApiKeyStatus.Revoked => Fail($"The API key {keyId} was revoked; ask the tenant's admin for a new one."),
            _ => Fail("The API key is not known."),
        };
    }

    private static Claim[] Grant(string keyId, string tenant, ApiScopes scopes) =>
        [new(ReachClaims.KeyIdType, keyId), new(ReachClaims.TenantType, tenant), .. ApiKeys.NamesOf(scopes).Select(s => new Claim(ReachClaims.ScopeType, s))];

    private static AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }

    private static (string? Key, string? Malformed) ReadKey(HttpRequest request)
    {
        if (request.Headers.Authorization is { Count: > 0 } authorization)
        {
            if (!AuthenticationHeaderValue.TryParse(authorization.ToString(), out var header) || string.IsNullOrWhiteSpace(header.Parameter))
            {
                return (null, "The Authorization header must be 'Bearer <key>'.");
            }

            if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                return (header.Parameter, null);
            }

            if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                return BasicPassword(header.Parameter);
            }

            return (null, $"The Authorization scheme must be Bearer (or Basic with the key as password), not '{header.Scheme}'.");
        }

        return request.Headers[ApiKeyHeader] is { Count: > 0 } apiKey && !string.IsNullOrWhiteSpace(apiKey.ToString())
            ? (apiKey.ToString().Trim(), null)
            : (null, null);
    }

    /// <summary>A browser's login prompt: the key goes in the password (or, alone, in the user name).</summary>
    private static (string? Key, string? Malformed) BasicPassword(string parameter)
    {
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            var key = colon < 0 ? pair : pair[(colon + 1)..] is { Length: > 0 } password ? password : pair[..colon];
            return string.IsNullOrWhiteSpace(key) ? (null, "The Basic credentials hold no key; put the key in the password.") : (key, null);
        }
        catch (FormatException)
        {
            return (null, "The Basic credentials are not base64.");
        }
    }
}
