using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Reach.Grains;

namespace Reach.Api.Access;

/// <summary>
/// The keys that come from configuration rather than from the key store: the operator's key and
/// the development key (tenant "default", every scope). Only their hashes are kept.
/// </summary>
public sealed class ConfiguredKeys
{
    private readonly byte[]? _operatorHash;
    private volatile byte[]? _developmentHash;

    public ConfiguredKeys(IOptions<ReachOptions> options)
    {
        _operatorHash = string.IsNullOrEmpty(options.Value.OperatorKey) ? null : ApiKeys.Hash(options.Value.OperatorKey);
        _developmentHash = string.IsNullOrEmpty(options.Value.DevelopmentKey) ? null : ApiKeys.Hash(options.Value.DevelopmentKey);
    }

    public const string DevelopmentTenant = GrainKeys.DefaultTenant;

    public bool HasDevelopmentKey => _developmentHash is not null;

    /// <summary>The id of the development key, when there is one.</summary>
    public string? DevelopmentKeyId => _developmentHash is { } hash ? ApiKeys.IdOf(hash) : null;

    /// <summary>Makes up the development key (once); the caller prints it, nothing else keeps it.</summary>
    public string CreateDevelopmentKey()
    {
        var key = ApiKeys.Generate();
        _developmentHash = ApiKeys.Hash(key);
        return key;
    }

    public bool IsOperator(byte[] hash) => _operatorHash is { } known && CryptographicOperations.FixedTimeEquals(known, hash);

    public bool IsDevelopment(byte[] hash) => _developmentHash is { } known && CryptographicOperations.FixedTimeEquals(known, hash);
}
