using Reach.Analysis.Ids;

namespace Reach.Grains;

/// <summary>
/// How many shards the post directory and the account index have, and which shard an id is in.
/// Part of the storage layout: a PostgreSQL store records the count it was created with and keeps
/// it (<see cref="Storage.ReachSchema.SettleShardsAsync"/>); in memory it is Reach:Shards.
/// </summary>
/// <remarks>
/// Every request of many events calls every shard (and waits for each one's commit), so the count
/// is what a request pays in calls and journal rows; more shards spread the directory and the
/// index over more silos. See <see cref="ReachOptions.Shards"/>.
/// </remarks>
public sealed class ShardLayout
{
    public const int DefaultCount = 16;
    public const int MaxCount = 1024;

    /// <summary>What every store written before the count was recorded used.</summary>
    public const int CountBeforeRecorded = 64;

    private int _count;

    /// <summary>A layout the store settles when the silo starts.</summary>
    public ShardLayout()
    {
    }

    public ShardLayout(int count) => Settle(count);

    public int Count => _count > 0 ? _count : throw new InvalidOperationException("The shard layout was read before the store settled it.");

    public int ShardOf(string id) => IdHash.Shard(id, Count);

    /// <summary>The shard of the id whose <see cref="IdHash.Of(string)"/> is <paramref name="idHash"/>.</summary>
    public int ShardOf(ulong idHash) => IdHash.Shard(idHash, Count);

    internal void Settle(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        if (_count != 0 && _count != count)
        {
            throw new InvalidOperationException($"The shard layout is already settled at {_count} shards.");
        }

        _count = count;
    }
}
