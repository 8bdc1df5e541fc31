using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Reach.Grains;

namespace Reach.Api.Access;

/// <summary>
/// API keys are random strings; Reach keeps only their SHA-256. A key's id is the first 16 hex
/// digits of that hash, so the key names its own record and no key is ever stored or looked up
/// in the clear.
/// </summary>
public static partial class ApiKeys
{
    public const string Prefix = "reach_";

    public static string Generate() => Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string IdOf(byte[] hash) => Convert.ToHexStringLower(hash, 0, 8);

    /// <summary>Lower-case letters, digits and inner hyphens, at most 63: safe in grain keys, URLs and labels.</summary>
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    public static partial Regex TenantName();

    /// <summary>Each scope with its name in requests, answers and the OpenAPI document.</summary>
    public static readonly IReadOnlyList<(ApiScopes Scope, string Name)> Scopes =
        [(ApiScopes.Ingest, "ingest"), (ApiScopes.Read, "read"), (ApiScopes.Admin, "admin")];

    public static string NameOf(ApiScopes scope) => Scopes.Single(s => s.Scope == scope).Name;

    public static string[] NamesOf(ApiScopes scopes) => [.. Scopes.Where(s => scopes.HasFlag(s.Scope)).Select(s => s.Name)];

    /// <summary>The scopes named, or null when a name is not a scope.</summary>
    public static ApiScopes? Parse(IEnumerable<string> names)
    {
        var scopes = ApiScopes.None;
        foreach (var name in names)
        {
            if (Scopes.FirstOrDefault(s => s.Name == name) is not { Scope: not ApiScopes.None } known)
            {
                return null;
            }

            scopes |= known.Scope;
        }

        return scopes;
    }
}

public static class ReachClaims
{
    public const string TenantType = "reach:tenant";
    public const string KeyIdType = "reach:key";
    public const string ScopeType = "reach:scope";
    public const string OperatorType = "reach:operator";

    /// <summary>The tenant whose data the caller's key reaches; every endpoint that needs a scope has one.</summary>
    public static string Tenant(this ClaimsPrincipal user) =>
        user.FindFirstValue(TenantType) ?? throw new InvalidOperationException("The request was not authenticated with a tenant's key.");
}
