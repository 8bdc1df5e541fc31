using Reach.Analysis.Audience;
using Reach.Analysis.Ids;

namespace Reach.Grains;

/// <summary>
/// A cascade's view of its participants' follower sets, fetched from their account grains and kept
/// per set version: which participants follow each account (extended as participants join, without
/// asking again for those already checked), and the members of each set while the cascade counts
/// reach exactly. Beyond the exact limit only sketches are needed; they are fetched for each
/// computation and not kept, so a cascade never holds more than the exact limit's worth of hashes
/// plus small sets.
/// </summary>
internal sealed class ParticipantAudiences
{
    /// <summary>Sets up to this size travel as members even for an estimate: smaller than a sketch.</summary>
    private const int SmallSet = 2048;
    private const int CallsInFlight = 512;

    private sealed class Entry
    {
        public long SetVersion;
        public long Size;
        public ulong[]? Members;
        public List<int> FollowedBy = [];
        public int CheckedParticipants;
    }

    private Entry?[] _entries = [];
    private ulong[] _hashes = [];
    private int _participants;

    // The participants' hashes in ascending order with their account indexes: what account grains
    // check against their sorted members in one merge walk. Built only when a set needs checking
    // against every participant, and then extended by merging in those who joined since.
    private (ulong[] Hashes, int[] Accounts) _sorted = ([], []);

    /// <summary>
    /// Brings the view up to date for the first <paramref name="cache"/>.Accounts participants and
    /// returns per account what the calculator needs; null where F(u) is unknown.
    /// </summary>
    /// <param name="exactLimit">While the known sets hold at most this many entries in all, their union cannot pass it: members are fetched, not sketches.</param>
    /// <param name="membersForAll">Fetch members of every set whatever their sizes (an estimate turned out to fit the exact limit).</param>
    public async Task<AccountAudience?[]> RefreshAsync(
        IGrainFactory grains, string tenant, IdTable accounts, AudienceCache cache, int exactLimit, bool membersForAll = false)
    {
        var participants = cache.Accounts;
        if (participants > _hashes.Length)
        {
            Array.Resize(ref _hashes, Math.Max(participants, _hashes.Length * 2));
            Array.Resize(ref _entries, _hashes.Length);
        }

        if (participants > _participants)
        {
            cache.Hashes[_participants..participants].CopyTo(_hashes.AsSpan(_participants));
        }

        _participants = participants;
        var sizes = cache.SetSizes;
        var versions = cache.SetVersions;
        long entries = 0;
        foreach (var size in sizes)
        {
            entries += Math.Max(0, size);
        }

        membersForAll |= entries <= exactLimit;
        var work = new List<(int Account, AudienceQuery Query, int[] Positions)>();
        var sketches = new byte[]?[participants];
        for (var a = 0; a < participants; a++)
        {
            if (sizes[a] < 0)
            {
                _entries[a] = null;
                continue;
            }

            var entry = _entries[a];
            var wantMembers = membersForAll || sizes[a] <= SmallSet;
            if (entry is null || entry.SetVersion != versions[a])
            {
                _entries[a] = entry = new Entry { SetVersion = versions[a], Size = sizes[a] };
                if (sizes[a] == 0)
                {
                    (entry.Members, entry.CheckedParticipants) = ([], participants);
                    continue;
                }

                var (all, positionsOfAll) = SortedParticipants(participants);
                work.Add((a, new AudienceQuery(all, wantMembers, !wantMembers), positionsOfAll));
                continue;
            }

            var needsData = entry.Members is null;
            if (entry.Members is not null)
            {
                // The members are here: check the new participants against them.
                for (var p = entry.CheckedParticipants; p < participants; p++)
                {
                    if (entry.Members.AsSpan().BinarySearch(_hashes[p]) >= 0)
                    {
                        entry.FollowedBy.Add(p);
                    }
                }

                entry.CheckedParticipants = participants;
            }

            if (needsData || entry.CheckedParticipants < participants)
            {
                var (hashes, positions) = entry.CheckedParticipants == 0 ? SortedParticipants(participants) : Sorted(entry.CheckedParticipants, participants);
                work.Add((a, new AudienceQuery(hashes, wantMembers && entry.Members is null, !wantMembers), positions));
                entry.CheckedParticipants = participants;
            }
        }

        for (var start = 0; start < work.Count; start += CallsInFlight)
        {
            var chunk = work.GetRange(start, Math.Min(CallsInFlight, work.Count - start));
            AudienceSlice[] slices;
            try
            {
                slices = await Task.WhenAll(chunk.Select(w =>
                    grains.Get<IAccountGrain>(GrainKeys.For(tenant, accounts[w.Account])).GetAudienceAsync(w.Query)));
            }
            catch
            {
                // Entries of unanswered queries count as checked already: forget them, to be fetched whole next time.
                foreach (var (a, _, _) in work.Skip(start))
                {
                    _entries[a] = null;
                }

                throw;
            }

            for (var i = 0; i < chunk.Count; i++)
            {
                var (a, _, positions) = chunk[i];
                var slice = slices[i];
                var entry = _entries[a]!;
                if (!slice.Known)
                {
                    _entries[a] = null;
                    continue;
                }

                entry.Size = slice.Size;
                entry.Members = slice.Members ?? entry.Members;
                entry.FollowedBy.AddRange(slice.CandidateIndexes.Select(c => positions[c]));
                entry.FollowedBy.Sort();
                entry.CheckedParticipants = Math.Max(entry.CheckedParticipants, participants);
                sketches[a] = slice.Sketch;
            }
        }

        var result = new AccountAudience?[participants];
        for (var a = 0; a < participants; a++)
        {
            if (_entries[a] is { } entry)
            {
                result[a] = new AccountAudience
                {
                    FollowersKnown = true,
                    FollowerSetSize = entry.Size,
                    Members = entry.Members,
                    Sketch = sketches[a],
                    FollowedBy = [.. entry.FollowedBy],
                };
            }
        }

        return result;
    }

    /// <summary>All participants' hashes in order: those who joined since the last call are sorted and merged in.</summary>
    private (ulong[] Hashes, int[] Accounts) SortedParticipants(int participants)
    {
        var (hashes, accounts) = _sorted;
        if (hashes.Length == participants)
        {
            return _sorted;
        }

        var (newHashes, newAccounts) = Sorted(hashes.Length, participants);
        var mergedHashes = new ulong[participants];
        var mergedAccounts = new int[participants];
        int i = 0, j = 0;
        for (var k = 0; k < participants; k++)
        {
            var takeOld = j == newHashes.Length || (i < hashes.Length && hashes[i] <= newHashes[j]);
            (mergedHashes[k], mergedAccounts[k]) = takeOld ? (hashes[i], accounts[i++]) : (newHashes[j], newAccounts[j++]);
        }

        _sorted = (mergedHashes, mergedAccounts);
        return _sorted;
    }

    private (ulong[] Hashes, int[] Accounts) Sorted(int from, int to)
    {
        var hashes = _hashes[from..to];
        var accounts = new int[hashes.Length];
        for (var i = 0; i < accounts.Length; i++)
        {
            accounts[i] = from + i;
        }

        Array.Sort(hashes, accounts);
        return (hashes, accounts);
    }

    /// <summary>Forgets the members of large sets: an estimate does not need them.</summary>
    public void ReleaseLargeMembers()
    {
        foreach (var entry in _entries)
        {
            if (entry is { Members: { Length: > SmallSet } })
            {
                entry.Members = null;
            }
        }
    }
}
