using System.Security.Cryptography;

namespace Reach.Grains;

/// <summary>
/// Kept in memory only: a new activation starts from a random value, so a cascade that remembers
/// an epoch from before cannot mistake the new one for it and refreshes.
/// </summary>
public sealed class AudienceEpochGrain : Grain, IAudienceEpochGrain
{
    private long _epoch = RandomNumberGenerator.GetInt32(int.MaxValue) * (long)int.MaxValue;

    public Task<long> GetAsync() => Task.FromResult(_epoch);

    public Task AdvanceAsync()
    {
        _epoch++;
        return Task.CompletedTask;
    }
}
