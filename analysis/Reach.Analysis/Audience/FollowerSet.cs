using System.Runtime.InteropServices;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Audience;

/// <summary>What a follow/unfollow event or a follower list did to a <see cref="FollowerSet"/>.</summary>
public enum FollowOutcome : byte
{
    /// <summary>Stored: it is now the latest word on its pair, or the newest follower list.</summary>
    Applied,

    /// <summary>Accepted but changes nothing: a later event on the same pair (or a later list) already decides.</summary>
    Superseded,

    /// <summary>The same event again.</summary>
    Duplicate,
}

/// <summary>A <see cref="FollowerSet"/> as flat arrays, for storage.</summary>
public sealed record FollowerSetImage(
    byte[] Snapshot, long SnapshotAt, bool HasSnapshot, byte[] PairFollowers, byte[] PairTimes, byte[] PairFollows);

/// <summary>
/// F(u), the followers of one account, as 64-bit hashes of their ids (<see cref="IdHash"/>) so that
/// ten million followers take 80 MB, not a string each. It holds the latest follower list (sorted,
/// the truth as of its time) and, for every (follower, this account) pair, the latest follow or
/// unfollow event (unfollow on a tie); pair events later than the list apply on top of it. A follow
/// costs a dictionary insert, never a rewrite of the set; the sorted member array and the
/// HyperLogLog sketch are derived from it on demand and cached until membership changes.
/// </summary>
public sealed class FollowerSet
{
    private ulong[] _snapshot = [];
    private long _snapshotAt = long.MinValue;
    private bool _hasSnapshot;

    // Pair events: sorted columns plus the recent ones, merged into the columns in bulk.
    private ulong[] _pairFollowers = [];
    private long[] _pairTimes = [];
    private bool[] _pairFollows = [];
    private readonly Dictionary<ulong, (long At, bool Follows)> _recent = [];

    private ulong[]? _members;
    private long _membersVersion = -1;
    private HyperLogLog? _sketch;
    private long _sketchVersion = -1;
    private byte[]? _sketchBytes;
    private long _sketchBytesVersion = -1;

    /// <summary>True once any follower list or pair event arrived: F(u) is then known (possibly empty).</summary>
    public bool IsKnown => _hasSnapshot || _pairFollowers.Length > 0 || _recent.Count > 0;

    /// <summary>|F(u)|.</summary>
    public long Count { get; private set; }

    /// <summary>Moves with every stored change.</summary>
    public long Version { get; private set; }

    /// <summary>Moves whenever the membership of F(u) may have changed.</summary>
    public long MembershipVersion { get; private set; }

    public int PairCount => _pairFollowers.Length + _recent.Count;

    public int SnapshotCount => _snapshot.Length;

    /// <summary>Approximate bytes held.</summary>
    public long FootprintBytes => (8L * _snapshot.Length) + (17L * _pairFollowers.Length) + (48L * _recent.Count)
        + (_members is { } m && m != _snapshot ? 8L * m.Length : 0);

    /// <summary>A follow (<paramref name="follows"/> true) or unfollow by <paramref name="follower"/> (a hash) at <paramref name="at"/>.</summary>
    public FollowOutcome ApplyPair(ulong follower, bool follows, long at)
    {
        var column = FindPair(follower, out var known);
        if (known is { } k)
        {
            if (k.At == at && k.Follows == follows)
            {
                return FollowOutcome.Duplicate;
            }

            if (k.At > at || (k.At == at && !k.Follows))
            {
                return FollowOutcome.Superseded;
            }
        }

        var before = Contains(follower);
        if (column >= 0)
        {
            (_pairTimes[column], _pairFollows[column]) = (at, follows);
        }
        else
        {
            _recent[follower] = (at, follows);
            if (_recent.Count > Math.Max(4096, _pairFollowers.Length / 4))
            {
                MergeRecentPairs();
            }
        }

        Version++;
        var after = Contains(follower);
        if (before != after)
        {
            Count += after ? 1 : -1;
            var sketchWasCurrent = _sketchVersion == MembershipVersion;
            MembershipVersion++;
            if (after && sketchWasCurrent)
            {
                _sketch!.AddHash(follower);
                _sketchVersion = MembershipVersion;
            }
        }

        return FollowOutcome.Applied;
    }

    /// <summary>A whole follower list (hashes, any order, repeats allowed) as of <paramref name="at"/>.</summary>
    public FollowOutcome ApplySnapshot(ulong[] followers, long at)
    {
        if (_hasSnapshot && at < _snapshotAt)
        {
            return FollowOutcome.Superseded;
        }

        var list = SortedUnique(followers);
        if (_hasSnapshot && at == _snapshotAt)
        {
            // Two lists for the same instant: keep their union, whatever order they came in.
            var union = Union(_snapshot, list);
            if (union.Length == _snapshot.Length)
            {
                return FollowOutcome.Duplicate;
            }

            _snapshot = union;
        }
        else
        {
            (_snapshot, _snapshotAt, _hasSnapshot) = (list, at, true);
        }

        Version++;
        MembershipVersion++;
        Count = Recount();
        return FollowOutcome.Applied;
    }

    public bool Contains(ulong follower)
    {
        FindPair(follower, out var pair);
        return pair is { } p && p.At > _snapshotAt ? p.Follows : _snapshot.AsSpan().BinarySearch(follower) >= 0;
    }

    public bool Contains(string followerId) => Contains(IdHash.Of(followerId));

    /// <summary>F(u) as sorted hashes. The array is shared and must not be changed.</summary>
    public ulong[] Members()
    {
        if (_members is not null && _membersVersion == MembershipVersion)
        {
            return _members;
        }

        List<ulong>? adds = null;
        HashSet<ulong>? removes = null;
        foreach (var (follower, follows, listed) in PairsOverTheList())
        {
            if (follows && !listed)
            {
                (adds ??= []).Add(follower);
            }
            else if (!follows && listed)
            {
                (removes ??= []).Add(follower);
            }
        }

        if (adds is null && removes is null)
        {
            _members = _snapshot;
        }
        else
        {
            var kept = removes is null ? _snapshot : [.. _snapshot.Where(f => !removes.Contains(f))];
            var added = adds?.ToArray() ?? [];
            Array.Sort(added);
            _members = Union(kept, added);
        }

        _membersVersion = MembershipVersion;
        return _members;
    }

    /// <summary>The HyperLogLog sketch of F(u) at precision 14, kept current as followers are added.</summary>
    public HyperLogLog Sketch()
    {
        if (_sketch is null || _sketchVersion != MembershipVersion)
        {
            var sketch = new HyperLogLog();
            sketch.AddHashes(Members());
            (_sketch, _sketchVersion) = (sketch, MembershipVersion);
        }

        return _sketch;
    }

    /// <summary>The sketch in its byte form (<see cref="HyperLogLog.ToBytes"/>), shared until membership changes; must not be changed.</summary>
    public byte[] SketchBytes()
    {
        if (_sketchBytes is null || _sketchBytesVersion != MembershipVersion)
        {
            (_sketchBytes, _sketchBytesVersion) = (Sketch().ToBytes(), MembershipVersion);
        }

        return _sketchBytes;
    }

    /// <summary>Indexes of the <paramref name="candidates"/> (hashes in ascending order) that are in F(u), ascending.</summary>
    public int[] IndexesOfMembers(ReadOnlySpan<ulong> candidates)
    {
        for (var i = 1; i < candidates.Length; i++)
        {
            if (candidates[i - 1] > candidates[i])
            {
                throw new ArgumentException("Candidates must be in ascending order.", nameof(candidates));
            }
        }

        var found = new List<int>();
        if ((long)candidates.Length * 16 < Count || candidates.Length < 64)
        {
            for (var i = 0; i < candidates.Length; i++)
            {
                if (Contains(candidates[i]))
                {
                    found.Add(i);
                }
            }

            return [.. found];
        }

        // Many candidates: one merge walk over the sorted members.
        var members = Members();
        var m = 0;
        for (var c = 0; c < candidates.Length && m < members.Length; c++)
        {
            while (m < members.Length && members[m] < candidates[c])
            {
                m++;
            }

            if (m < members.Length && members[m] == candidates[c])
            {
                found.Add(c);
            }
        }

        return [.. found];
    }

    public FollowerSetImage ToImage()
    {
        MergeRecentPairs();
        return new FollowerSetImage(
            ToBytes<ulong>(_snapshot), _snapshotAt, _hasSnapshot,
            ToBytes<ulong>(_pairFollowers), ToBytes<long>(_pairTimes), ToBytes<bool>(_pairFollows));
    }

    public static FollowerSet FromImage(FollowerSetImage image)
    {
        var set = new FollowerSet
        {
            _snapshot = FromBytes<ulong>(image.Snapshot),
            _snapshotAt = image.SnapshotAt,
            _hasSnapshot = image.HasSnapshot,
            _pairFollowers = FromBytes<ulong>(image.PairFollowers),
            _pairTimes = FromBytes<long>(image.PairTimes),
            _pairFollows = FromBytes<bool>(image.PairFollows),
        };
        set.Count = set.Recount();
        return set;
    }

    /// <summary>Hashes of a follower list, sorted and without repeats: the form the set takes.</summary>
    public static ulong[] HashList(IReadOnlyList<string> followerIds)
    {
        var hashes = new ulong[followerIds.Count];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = IdHash.Of(followerIds[i]);
        }

        return SortedUnique(hashes);
    }

    public static byte[] ToBytes<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

    public static T[] FromBytes<T>(ReadOnlySpan<byte> bytes)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(bytes).ToArray();

    /// <summary>The array itself when already strictly increasing, else a sorted copy without repeats.</summary>
    private static ulong[] SortedUnique(ulong[] hashes)
    {
        var increasing = true;
        for (var i = 1; i < hashes.Length && increasing; i++)
        {
            increasing = hashes[i - 1] < hashes[i];
        }

        if (increasing)
        {
            return hashes;
        }

        var sorted = (ulong[])hashes.Clone();
        Array.Sort(sorted);
        var length = sorted.Length == 0 ? 0 : 1;
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] != sorted[length - 1])
            {
                sorted[length++] = sorted[i];
            }
        }

        return length == sorted.Length ? sorted : sorted[..length];
    }

    private static ulong[] Union(ulong[] left, ulong[] right)
    {
        if (right.Length == 0)
        {
            return left;
        }

        if (left.Length == 0)
        {
            return right;
        }

        var result = new ulong[left.Length + right.Length];
        int i = 0, j = 0, k = 0;
        while (i < left.Length && j < right.Length)
        {
            var (a, b) = (left[i], right[j]);
            result[k++] = a <= b ? a : b;
            i += a <= b ? 1 : 0;
            j += b <= a ? 1 : 0;
        }

        left.AsSpan(i).CopyTo(result.AsSpan(k));
        k += left.Length - i;
        right.AsSpan(j).CopyTo(result.AsSpan(k));
        k += right.Length - j;
        return k == result.Length ? result : result[..k];
    }

    private int FindPair(ulong follower, out (long At, bool Follows)? pair)
    {
        if (_recent.TryGetValue(follower, out var recent))
        {
            pair = recent;
            return -1;
        }

        var column = _pairFollowers.AsSpan().BinarySearch(follower);
        pair = column >= 0 ? (_pairTimes[column], _pairFollows[column]) : null;
        return column >= 0 ? column : -1;
    }

    private void MergeRecentPairs()
    {
        if (_recent.Count == 0)
        {
            return;
        }

        var size = _pairFollowers.Length + _recent.Count;
        var (followers, times, follows) = (new ulong[size], new long[size], new bool[size]);
        var recent = _recent.Keys.ToArray();
        Array.Sort(recent);
        int i = 0, j = 0;
        for (var k = 0; k < size; k++)
        {
            if (j >= recent.Length || (i < _pairFollowers.Length && _pairFollowers[i] < recent[j]))
            {
                (followers[k], times[k], follows[k]) = (_pairFollowers[i], _pairTimes[i], _pairFollows[i]);
                i++;
            }
            else
            {
                var (at, follow) = _recent[recent[j]];
                (followers[k], times[k], follows[k]) = (recent[j], at, follow);
                j++;
            }
        }

        (_pairFollowers, _pairTimes, _pairFollows) = (followers, times, follows);
        _recent.Clear();
    }

    private long Recount()
    {
        long count = _snapshot.Length;
        foreach (var (_, follows, listed) in PairsOverTheList())
        {
            count += follows == listed ? 0 : follows ? 1 : -1;
        }

        return count;
    }

    /// <summary>Every pair event later than the follower list, and whether the list has that follower.</summary>
    private IEnumerable<(ulong Follower, bool Follows, bool Listed)> PairsOverTheList()
    {
        for (var i = 0; i < _pairFollowers.Length; i++)
        {
            if (_pairTimes[i] > _snapshotAt)
            {
                yield return (_pairFollowers[i], _pairFollows[i], _snapshot.AsSpan().BinarySearch(_pairFollowers[i]) >= 0);
            }
        }

        foreach (var (follower, (at, follows)) in _recent)
        {
            if (at > _snapshotAt)
            {
                yield return (follower, follows, _snapshot.AsSpan().BinarySearch(follower) >= 0);
            }
        }
    }
}
