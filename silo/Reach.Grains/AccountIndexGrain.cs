using System.Numerics;
using Reach.Analysis.Ids;
using Reach.Grains.Journal;

namespace Reach.Grains;

public sealed class AccountIndexGrain(
    [PersistentState("account-index", ReachStorage.Name)] IPersistentState<AccountIndexState> state,
    GrainJournals journals) : Grain, IAccountIndexGrain
{
    private const long Unknown = -1;

    /// <summary>
    /// Changes kept for cascades to catch up by; past this many the older half is dropped, and a
    /// cascade that had not seen those asks for all of its accounts instead.
    /// </summary>
    private const int KeptChanges = 1 << 16;

    // One row per account, columns in parallel arrays: no object per account.
    private IdTable _accounts = new(1024);
    private long[] _reported = [];
    private long[] _profileAt = [];
    private string?[] _handles = [];
    private long[] _known = [];
    private long[] _setVersions = [];
    private int[] _repostsMade = [];
    private readonly UInt64Set _reposts = new();
    private long _version;
    private readonly long _activation = Random.Shared.NextInt64();

    // The row of every change of a count, in order; the change that made version v is at index
    // v − _changesKeptAfter − 1, as every change moves the version by one.
    private readonly List<int> _changedRows = [];
    private long _changesKeptAfter;
    private bool _dirty;
    private GrainJournal<AccountIndexJournalEntry, AccountIndexState> _journal = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var s = state.State;
        if (s.AccountIdEnds.Length > 0)
        {
            LoadCompact(s);
        }

        for (var i = 0; i < s.AccountIds.Length; i++)
        {
            var row = Row(s.AccountIds[i]);
            (_reported[row], _profileAt[row], _handles[row]) = (s.ReportedFollowers[i], s.ProfileTimes[i], s.Handles[i]);
            (_known[row], _repostsMade[row]) = (s.KnownFollowers[i], s.RepostsMade[i]);
            _setVersions[row] = i < s.KnownSetVersions.Length ? s.KnownSetVersions[i] : 0;
        }

        _reposts.UnionWith(s.Reposts);
        _version = s.Version;
        _journal = journals.For<AccountIndexJournalEntry, AccountIndexState>(
            this, "account-index:" + this.GetPrimaryKeyString(), state, Snapshot,
            () => (64L * _accounts.Count) + (8L * _reposts.Count),
            quickReplay: true, codec: AccountIndexJournalCodec.Instance);
        await _journal.ReplayAsync(Replay, cancellationToken);
        _changedRows.Clear();
        _changesKeptAfter = _version;
        ReachMeters.Activated("account_index");
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ReachMeters.Deactivated("account_index");
        return _journal.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task<ItemOutcome[]> ApplyProfilesAsync(ProfileBatch batch)
    {
        var version = _version;
        var outcomes = ApplyProfiles(batch);
        await JournalIfChangedAsync(new AccountIndexJournalEntry { Profiles = batch });
        await AdvanceEpochIfMovedAsync(version);
        return outcomes;
    }

    public async Task RecordRepostsAsync(string[] accountIds, string[] repostIds)
    {
        RecordReposts(accountIds, repostIds);
        await JournalIfChangedAsync(new AccountIndexJournalEntry { RepostAccounts = accountIds, RepostIds = repostIds });
    }

    public async Task SetKnownFollowersAsync(string accountId, long knownFollowers, long setVersion)
    {
        var version = _version;
        SetKnownFollowers(accountId, knownFollowers, setVersion);
        await JournalIfChangedAsync(new AccountIndexJournalEntry { KnownAccount = accountId, KnownFollowers = knownFollowers, KnownSetVersion = setVersion });
        await AdvanceEpochIfMovedAsync(version);
    }

    /// <summary>Cascades skip asking the shards while the tenant's audience epoch stands still: move it once a change is durable.</summary>
    private async Task AdvanceEpochIfMovedAsync(long versionBefore)
    {
        if (_version != versionBefore)
        {
            await GrainFactory.Get<IAudienceEpochGrain>(GrainKeys.Parse(this.GetPrimaryKeyString()).Tenant).AdvanceAsync();
        }
    }

    private async Task JournalIfChangedAsync(AccountIndexJournalEntry entry)
    {
        var changed = _dirty;
        _dirty = false;
        await (changed ? _journal.AppendAsync(entry) : _journal.WhenDurableAsync());
    }

    private void Replay(AccountIndexJournalEntry entry)
    {
        if (entry.Profiles is { } profiles)
        {
            ApplyProfiles(profiles);
        }

        if (entry.RepostAccounts is { } accounts && entry.RepostIds is { } reposts)
        {
            RecordReposts(accounts, reposts);
        }

        if (entry.KnownAccount is { } account)
        {
            SetKnownFollowers(account, entry.KnownFollowers, entry.KnownSetVersion);
        }

        _dirty = false;
    }

    private void LoadCompact(AccountIndexState s)
    {
        _accounts = IdTable.Import(s.AccountIdsUtf8, s.AccountIdEnds);
        var size = Math.Max(1024, (int)BitOperations.RoundUpToPowerOf2((uint)_accounts.Count));
        (_reported, _profileAt, _handles) = (new long[size], new long[size], new string?[size]);
        (_known, _setVersions, _repostsMade) = (new long[size], new long[size], new int[size]);
        s.ReportedFollowers.CopyTo(_reported, 0);
        s.ProfileTimes.CopyTo(_profileAt, 0);
        s.Handles.CopyTo(_handles, 0);
        s.KnownFollowers.CopyTo(_known, 0);
        s.KnownSetVersions.CopyTo(_setVersions, 0);
        s.RepostsMade.CopyTo(_repostsMade, 0);
    }

    private AccountIndexState Snapshot(long journalSequence)
    {
        var rows = _accounts.Count;
        var (utf8, ends) = _accounts.Export();
        return new AccountIndexState
        {
            AccountIdsUtf8 = utf8,
            AccountIdEnds = ends,
            ReportedFollowers = _reported[..rows],
            ProfileTimes = _profileAt[..rows],
            Handles = _handles[..rows],
            KnownFollowers = _known[..rows],
            KnownSetVersions = _setVersions[..rows],
            RepostsMade = _repostsMade[..rows],
            Reposts = [.. _reposts],
            Version = _version,
            JournalSequence = journalSequence,
        };
    }

    private ItemOutcome[] ApplyProfiles(ProfileBatch batch)
    {
        var outcomes = new ItemOutcome[batch.AccountIds.Length];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var row = Row(batch.AccountIds[i]);
            var (followers, handle, at) = (batch.Followers[i], batch.Handles[i], batch.Times[i]);
            if (at == _profileAt[row] && followers == _reported[row] && handle == _handles[row])
            {
                outcomes[i] = ItemOutcome.Duplicate;
                continue;
            }

            // Latest time wins; equal times are settled by value so that arrival order never matters.
            var wins = at > _profileAt[row]
                || (at == _profileAt[row] && (followers > _reported[row]
                    || (followers == _reported[row] && string.CompareOrdinal(handle, _handles[row]) > 0)));
            if (wins)
            {
                if (followers != _reported[row])
                {
                    CountChanged(row);
                }

                (_reported[row], _handles[row], _profileAt[row]) = (followers, handle, at);
                _dirty = true;
            }

            outcomes[i] = ItemOutcome.Accepted;
        }

        return outcomes;
    }

    private void RecordReposts(string[] accountIds, string[] repostIds)
    {
        var keys = new ulong[accountIds.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = IdHash.Of(accountIds[i], repostIds[i]);
            _reposts.Prefetch(keys[i]);
        }

        var accounts = new IdLookahead(_accounts, accountIds);
        for (var i = 0; i < accountIds.Length; i++)
        {
            accounts.Advance();
            if (_reposts.Add(keys[i]))
            {
                var row = RowFor(accounts.GetOrAddCurrent(out var isNewRow), isNewRow); // may grow the columns: index after it
                _repostsMade[row]++;
                _dirty = true;
            }
        }
    }

    private void SetKnownFollowers(string accountId, long knownFollowers, long setVersion)
    {
        var row = Row(accountId);
        if (_known[row] != knownFollowers || _setVersions[row] != setVersion)
        {
            CountChanged(row);
            (_known[row], _setVersions[row]) = (knownFollowers, setVersion);
            _dirty = true;
        }
    }

    public Task<FollowerCounts> GetFollowerCountsAsync(string[] accountIds, AccountIndexCursor? changedSince, int maxChanged)
    {
        var changedRows = ChangedRowsSince(changedSince, maxChanged);
        var asked = accountIds.Length;
        var total = asked + (changedRows?.Count ?? 0);
        var (counts, sizes, versions) = (new long[total], new long[total], new long[total]);
        void Fill(int i, int row)
        {
            counts[i] = row < 0 ? Unknown : _reported[row] != Unknown ? _reported[row] : _known[row];
            (sizes[i], versions[i]) = row < 0 ? (Unknown, Unknown) : (_known[row], _setVersions[row]);
        }

        var lookahead = new IdLookahead(_accounts, accountIds);
        for (var i = 0; i < asked; i++)
        {
            lookahead.Advance();
            Fill(i, lookahead.IndexOfCurrent());
        }

        string[]? changedIds = null;
        if (changedRows is not null)
        {
            changedIds = new string[changedRows.Count];
            for (var i = 0; i < changedIds.Length; i++)
            {
                changedIds[i] = _accounts[changedRows[i]];
                Fill(asked + i, changedRows[i]);
            }
        }

        return Task.FromResult(new FollowerCounts(new AccountIndexCursor(_activation, _version), counts, sizes, versions, changedIds));
    }

    /// <summary>The rows changed after the cursor, each once; null when they are not all kept here or more than wanted.</summary>
    private List<int>? ChangedRowsSince(AccountIndexCursor? cursor, int maxChanged)
    {
        if (cursor is not { } since || since.Activation != _activation
            || since.Version < _changesKeptAfter || since.Version > _version || _version - since.Version > maxChanged)
        {
            return null;
        }

        var rows = new List<int>((int)(_version - since.Version));
        var seen = new HashSet<int>();
        for (var i = (int)(since.Version - _changesKeptAfter); i < _changedRows.Count; i++)
        {
            if (seen.Add(_changedRows[i]))
            {
                rows.Add(_changedRows[i]);
            }
        }

        return rows;
    }

    private void CountChanged(int row)
    {
        _version++;
        if (_changedRows.Count == KeptChanges)
        {
            _changesKeptAfter += KeptChanges / 2;
            _changedRows.RemoveRange(0, KeptChanges / 2);
        }

        _changedRows.Add(row);
    }

    public Task<AccountProfile?> GetProfileAsync(string accountId)
    {
        var row = _accounts.IndexOf(accountId);
        return Task.FromResult(row < 0 ? null : new AccountProfile(
            _handles[row],
            _reported[row] == Unknown ? null : _reported[row],
            _known[row] == Unknown ? null : _known[row],
            _repostsMade[row]));
    }

    private int Row(string accountId) => RowFor(_accounts.GetOrAdd(accountId, out var added), added);

    /// <summary>The account's row, with its columns made ready when it was just added.</summary>
    private int RowFor(int row, bool added)
    {
        if (!added)
        {
            return row;
        }

        if (row >= _reported.Length)
        {
            var size = Math.Max(1024, _reported.Length * 2);
            Array.Resize(ref _reported, size);
            Array.Resize(ref _profileAt, size);
            Array.Resize(ref _handles, size);
            Array.Resize(ref _known, size);
            Array.Resize(ref _setVersions, size);
            Array.Resize(ref _repostsMade, size);
        }

        (_reported[row], _profileAt[row], _known[row]) = (Unknown, long.MinValue, Unknown);
        return row;
    }
}
