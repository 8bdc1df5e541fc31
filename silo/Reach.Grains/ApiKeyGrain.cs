using System.Security.Cryptography;

namespace Reach.Grains;

public sealed class ApiKeyGrain(
    [PersistentState("api-key", ReachStorage.Name)] IPersistentState<ApiKeyState> state) : Grain, IApiKeyGrain
{
    private static readonly ApiKeyCheck Unknown = new(ApiKeyStatus.Unknown, null, ApiScopes.None);

    public async Task<bool> CreateAsync(ApiKeyRecord record)
    {
        if (state.State.Key is not null)
        {
            return false;
        }

        state.State = new ApiKeyState { Key = record };
        await state.WriteStateAsync();
        return true;
    }

    public Task<ApiKeyCheck> CheckAsync(byte[] keyHash)
    {
        if (state.State.Key is not { } key || !CryptographicOperations.FixedTimeEquals(key.Hash, keyHash))
        {
            return Task.FromResult(Unknown);
        }

        return Task.FromResult(new ApiKeyCheck(state.State.RevokedAt is null ? ApiKeyStatus.Valid : ApiKeyStatus.Revoked, key.Tenant, key.Scopes));
    }

    public async Task<ApiKeyInfo?> RevokeAsync(string tenant)
    {
        if (state.State.Key?.Tenant != tenant)
        {
            return null;
        }

        if (state.State.RevokedAt is null)
        {
            state.State = state.State with { RevokedAt = DateTimeOffset.UtcNow };
            await state.WriteStateAsync();
        }

        return Info();
    }

    public Task<ApiKeyInfo?> GetAsync(string tenant) => Task.FromResult(state.State.Key?.Tenant == tenant ? Info() : null);

    private ApiKeyInfo Info()
    {
        var key = state.State.Key!;
        return new ApiKeyInfo(this.GetPrimaryKeyString(), key.Name, key.Scopes, key.CreatedAt, state.State.RevokedAt);
    }
}

/// <summary>A small set of names kept whole, in the order they were added.</summary>
public abstract class NameSetGrain(IPersistentState<NameSetState> state) : Grain
{
    public async Task AddAsync(string name)
    {
        if (!state.State.Names.Contains(name, StringComparer.Ordinal))
        {
            state.State = new NameSetState { Names = [.. state.State.Names, name] };
            await state.WriteStateAsync();
        }
    }

    public Task<string[]> GetAsync() => Task.FromResult(state.State.Names);
}

public sealed class TenantKeysGrain(
    [PersistentState("tenant-keys", ReachStorage.Name)] IPersistentState<NameSetState> state) : NameSetGrain(state), ITenantKeysGrain;

public sealed class WatchingTenantsGrain(
    [PersistentState("watching-tenants", ReachStorage.Name)] IPersistentState<NameSetState> state) : NameSetGrain(state), IWatchingTenantsGrain;
