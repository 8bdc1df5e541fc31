using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reach.Analysis;
using Reach.Analysis.Audience;
using Reach.Analysis.Cascades;
using Reach.Analysis.Export;
using Reach.Grains.Journal;

namespace Reach.Grains;

public sealed class CascadeGrain(
    [PersistentState("cascade", ReachStorage.Name)] IPersistentState<CascadeState> state,
    GrainJournals journals,
    IOptions<ReachOptions> options,
    ShardLayout shards,
    ILogger<CascadeGrain> logger) : Grain, ICascadeGrain
{
    private CascadeGraph _graph = null!;
    private string[]? _tags;
    private string _tenant = GrainKeys.DefaultTenant;
    private GrainJournal<CascadeBatch, CascadeState> _journal = null!;

    private Analysis? _analysis;

    /// <summary>When a refresh last found the participants' audiences where <see cref="_analysis"/> took them.</summary>
    private long _audienceConfirmedAt;
    private Task<Analysis>? _analyzing;
    private PostSummary? _pushedSummary;

    private readonly AudienceCache _audience = new(shards);
    private readonly ParticipantAudiences _participants = new();
    private IDisposable? _refreshTimer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (tenant, rootPostId) = GrainKeys.Parse(this.GetPrimaryKeyString());
        _tenant = tenant;
        var started = Stopwatch.GetTimestamp();
        _graph = state.State.Graph is { } snapshot ? CascadeGraph.FromSnapshot(snapshot) : new CascadeGraph(rootPostId);
        if (Stopwatch.GetElapsedTime(started) is { TotalMilliseconds: > 100 } loading)
        {
            logger.LogInformation("{Cascade}: loaded a snapshot of {Nodes} nodes in {Ms:F0} ms.", rootPostId, _graph.NodeCount, loading.TotalMilliseconds);
        }

        _tags = state.State.Tags;
        _journal = journals.For<CascadeBatch, CascadeState>(
            this, "cascade:" + this.GetPrimaryKeyString(), state,
            sequence => new CascadeState { Graph = _graph.ToSnapshot(), Tags = _tags, JournalSequence = sequence },
            () => (16L * _graph.NodeCount) + (8L * (_graph.LikeCount + _graph.ReplyCount)),
            codec: CascadeBatchCodec.Instance);
        await _journal.ReplayAsync(batch => Apply(batch), cancellationToken);
        ReachMeters.Activated("cascade");
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ReachMeters.Deactivated("cascade");
        return _journal.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task<int[]> FindCyclesAsync(CascadeBatch batch)
    {
        var candidates = new (string, string?)[batch.NodeIds.Length];
        for (var i = 0; i < candidates.Length; i++)
        {
            candidates[i] = (batch.NodeIds[i], batch.NodeParents[i]);
        }

        return Task.FromResult(_graph.FindCycles(candidates).ToArray());
    }

    public async Task<CascadeBatchResult> ApplyAsync(CascadeBatch batch)
    {
        var before = _graph.Version;
        var rootWasKnown = _graph.RootKnown;
        var result = Apply(batch) with { Commit = _graph.Version != before ? _journal.Append(batch) : _journal.Pending };

        // After a fresh activation the author's summary is pushed again even if nothing changed:
        // the previous activation may have stored the change and died before pushing it.
        if (_graph.RootKnown && (_graph.Version != before || !rootWasKnown || _pushedSummary is null))
        {
            await RefreshSummaryAsync();
        }

        return result;
    }

    public Task WhenCommittedAsync(JournalTicket ticket) => _journal.WhenCommittedAsync(ticket);

    private CascadeBatchResult Apply(CascadeBatch batch)
    {
        var rootOutcomes = new ItemOutcome[batch.Roots.Length];
        var rootReasons = new string?[batch.Roots.Length];
        for (var i = 0; i < rootOutcomes.Length; i++)
        {
            var root = batch.Roots[i];
            var result = _graph.SetRoot(root.AccountId, root.At, root.IsQuote ? NodeKind.Quote : NodeKind.Post);
            rootOutcomes[i] = ToOutcome(result.Outcome);
            rootReasons[i] = result.Reason;
            if (result.Outcome == AddOutcome.Added && root.Tags is { Length: > 0 })
            {
                _tags = root.Tags;
            }
        }

        var outcomes = new ItemOutcome[batch.NodeIds.Length];
        var reasons = new string?[batch.NodeIds.Length];
        var lookahead = _graph.LookAhead(batch.NodeIds, batch.NodeAccounts, batch.NodeParents);
        for (var i = 0; i < outcomes.Length; i++)
        {
            var result = _graph.AddNextNode(ref lookahead, batch.NodeTimes[i], batch.NodeIsQuote[i] ? NodeKind.Quote : NodeKind.Repost);
            outcomes[i] = ToOutcome(result.Outcome);
            reasons[i] = result.Reason;
        }

        for (var i = 0; i < batch.LikeAccounts.Length; i++)
        {
            _graph.AddLike(batch.LikeAccounts[i], batch.LikePosts[i]);
        }

        foreach (var reply in batch.ReplyIds)
        {
            _graph.AddReply(reply);
        }

        var impressions = new ItemOutcome[batch.ImpressionCounts.Length];
        for (var i = 0; i < impressions.Length; i++)
        {
            var (count, at) = (batch.ImpressionCounts[i], batch.ImpressionTimes[i]);
            impressions[i] = _graph.Impressions == count && _graph.ImpressionsAt == at ? ItemOutcome.Duplicate : ItemOutcome.Accepted;
            _graph.SetImpressions(count, at);
        }

        return new CascadeBatchResult(rootOutcomes, outcomes, reasons, rootReasons, impressions);
    }

    public async Task<JsonRead> GetMetricsAsync()
    {
        if (!_graph.RootKnown)
        {
            return NotReady();
        }

        var analysis = await AnalyzeAsync(Trigger.Read);
        return new JsonRead(ReadStatus.Ready, analysis.MetricsJson, 0, Silo: RuntimeIdentity);
    }

    public async Task<JsonRead> GetTimelineAsync(TimeSpan bucket)
    {
        if (!_graph.RootKnown)
        {
            return NotReady();
        }

        if (CascadeTimelineBuilder.Problem(_graph, bucket) is { } problem)
        {
            return new JsonRead(ReadStatus.Invalid, null, 0, problem);
        }

        var analysis = await AnalyzeAsync(Trigger.Read);
        var reach = analysis.Metrics.Reach is null ? null : analysis.Audience.MarginalReach;
        var timeline = CascadeTimelineBuilder.Build(_graph, bucket, reach);
        return new JsonRead(ReadStatus.Ready, JsonSerializer.SerializeToUtf8Bytes(timeline, ReachJson.Options), 0);
    }

    public async Task<CascadeArrays?> GetCascadeAsync()
    {
        if (!_graph.RootKnown)
        {
            return null;
        }

        var analysis = await AnalyzeAsync(Trigger.Read);
        var export = CascadeExport.From(_graph, analysis.Audience);
        return new CascadeArrays(
            export.RootPostId, export.PostIds, export.AccountIds, export.Parents, export.Times,
            [.. export.Kinds.Select(k => (byte)k)], [.. export.Attributions.Select(a => (byte)a)]);
    }

    public async Task<PostSummary?> GetSummaryAsync()
    {
        if (!_graph.RootKnown)
        {
            return null;
        }

        var analysis = await AnalyzeAsync(Trigger.Read);
        return Summary(analysis.Metrics, analysis.GraphVersion);
    }

    public async Task<JsonRead> GetAmplifiersAsync(int top, AmplifierOrder by)
    {
        if (!_graph.RootKnown)
        {
            return NotReady();
        }

        var analysis = await AnalyzeAsync(Trigger.Read);
        var ranking = by == AmplifierOrder.Downstream ? AmplifierRanking.Downstream : AmplifierRanking.MarginalReach;
        var list = Amplifiers.Rank(analysis.Graph, analysis.Audience, analysis.Counts, top, ranking);
        return new JsonRead(ReadStatus.Ready, JsonSerializer.SerializeToUtf8Bytes(list, ReachJson.Options), 0);
    }

    private JsonRead NotReady()
    {
        var waiting = (_graph.NodeCount - 1) + _graph.LikeCount + _graph.ReplyCount + (_graph.Impressions.HasValue ? 1 : 0);
        return new JsonRead(waiting > 0 ? ReadStatus.Waiting : ReadStatus.Unknown, null, waiting);
    }

    private enum Trigger
    {
        Ingest,
        Read,
        Timer,
    }

    /// <summary>
    /// Everything derived from one version of the cascade and of its participants' audiences: the
    /// attributed tree, reach, the metrics and their JSON. <see cref="Graph"/> is the graph it was
    /// computed from (a copy for a large cascade, so that ingest could go on meanwhile).
    /// </summary>
    private sealed record Analysis(
        long GraphVersion, long AudienceVersion, CascadeGraph Graph, long[] Counts,
        CascadeAudience Audience, CascadeMetrics Metrics, byte[] MetricsJson, long ComputedAt, TimeSpan Took);

    private bool IsLarge => _graph.NodeCount > options.Value.LargeCascadeNodes;

    /// <summary>
    /// Between analyses of a large cascade: the configured interval, or ten times the last
    /// analysis when that is longer, so that a cascade growing fast spends at most about a tenth of
    /// the time being analysed however large it is and however busy the machine.
    /// </summary>
    private TimeSpan RefreshInterval =>
        _analysis is { } last && last.Took * 10 > options.Value.MetricsRefreshInterval ? last.Took * 10 : options.Value.MetricsRefreshInterval;

    /// <summary>
    /// The analysis of the cascade as it is now, recomputed when the cascade or its participants'
    /// follower counts or sets changed. A large cascade is not analysed on ingest: a timer refreshes
    /// it once per <see cref="RefreshInterval"/> while it grows, its analysis runs on a copy of the
    /// graph off the grain's scheduler (ingest goes on), and reads within an interval of the last
    /// analysis get that one, so a read after a quiet spell is exact and a viral post read many
    /// times a second is walked at most once an interval. Reads of a large cascade whose graph has
    /// not changed take its analysis without asking about audiences while that was last confirmed
    /// within an interval: a change of a participant's followers shows within an interval.
    /// </summary>
    private async Task<Analysis> AnalyzeAsync(Trigger trigger)
    {
        while (true)
        {
            if (_analyzing is { IsCompleted: false } running)
            {
                if (IsLarge && _analysis is { } stale && trigger != Trigger.Timer)
                {
                    return stale;
                }

                await running;
                continue;
            }

            // A large cascade read within an interval of the last look at its participants'
            // audiences gets the analysis of its current graph as it is: one read an interval asks
            // the account index whether they moved, instead of every read asking the tenant's epoch.
            if (IsLarge && trigger == Trigger.Read && _analysis is { } lookedAtRecently && lookedAtRecently.GraphVersion == _graph.Version
                && Stopwatch.GetElapsedTime(Math.Max(lookedAtRecently.ComputedAt, _audienceConfirmedAt)) < RefreshInterval)
            {
                return lookedAtRecently;
            }

            await _audience.RefreshAsync(GrainFactory, _tenant, _graph.Accounts);
            if (_analysis is { } current && current.GraphVersion == _graph.Version && current.AudienceVersion == _audience.Version)
            {
                _audienceConfirmedAt = Stopwatch.GetTimestamp();
                return current;
            }

            if (IsLarge && _analysis is { } recent && trigger != Trigger.Timer
                && Stopwatch.GetElapsedTime(recent.ComputedAt) < RefreshInterval)
            {
                ScheduleRefresh();
                return recent;
            }

            if (_analyzing is { IsCompleted: false })
            {
                continue;
            }

            _analyzing = ComputeAsync();
            return await _analyzing;
        }
    }

    private async Task<Analysis> ComputeAsync()
    {
        var began = Stopwatch.GetTimestamp();
        var limit = options.Value.ExactReachLimit;
        var membersForAll = false;
        while (true)
        {
            var audiences = await RefreshParticipantsAsync(membersForAll);
            var large = IsLarge;
            var graph = large ? _graph.Clone() : _graph;
            var counts = _audience.Counts.ToArray();
            var (graphVersion, audienceVersion) = (_graph.Version, _audience.Version);
            var audienceOptions = new AudienceOptions { ExactLimit = limit };
            (CascadeAudience Audience, CascadeMetrics Metrics, byte[] Json) Compute()
            {
                var audience = CascadeAudienceCalculator.Compute(graph, counts, audiences, audienceOptions);
                var metrics = CascadeMetricsCalculator.Compute(graph, counts, audience);
                return (audience, metrics, JsonSerializer.SerializeToUtf8Bytes(metrics, ReachJson.Options));
            }

            var started = Stopwatch.GetTimestamp();
            var result = large ? await Task.Run(Compute) : Compute();
            var took = Stopwatch.GetElapsedTime(started);
            if (took.TotalMilliseconds > 200)
            {
                logger.LogInformation("{Cascade}: analysed {Nodes} nodes ({Method} reach) in {Ms:F0} ms.", graph.RootPostId, graph.NodeCount, result.Audience.Reach.Method, took.TotalMilliseconds);
            }

            ReachMeters.AnalysisSeconds.Record(took.TotalSeconds);
            ReachMeters.ReachComputations.Add(1, new KeyValuePair<string, object?>("method", result.Metrics.ReachMethod ?? "none"));
            ReachMeters.CascadeSize.Record(result.Metrics.Size);
            if (result.Metrics.StructuralVirality is { } virality)
            {
                ReachMeters.StructuralVirality.Record(virality);
            }

            var reach = result.Audience.Reach;
            if (reach.Method == ReachFigures.Hll && !membersForAll && reach.KnownUnion <= limit)
            {
                // The sets overlap so much that the union is within the exact limit after all: count it exactly.
                membersForAll = true;
                continue;
            }

            if (reach.Method == ReachFigures.Hll)
            {
                _participants.ReleaseLargeMembers();
            }

            _analysis = new Analysis(graphVersion, audienceVersion, graph, counts, result.Audience, result.Metrics, result.Json, Stopwatch.GetTimestamp(), Stopwatch.GetElapsedTime(began));
            return _analysis;
        }
    }

    /// <summary>The participants' follower sets, once they cover every account of the cascade as it is now.</summary>
    private async Task<AccountAudience?[]> RefreshParticipantsAsync(bool membersForAll)
    {
        while (true)
        {
            if (_audience.Accounts < _graph.Accounts.Count)
            {
                await _audience.RefreshAsync(GrainFactory, _tenant, _graph.Accounts);
            }

            var audiences = await _participants.RefreshAsync(GrainFactory, _tenant, _graph.Accounts, _audience, options.Value.ExactReachLimit, membersForAll);
            if (_audience.Accounts == _graph.Accounts.Count)
            {
                return audiences;
            }
        }
    }

    /// <summary>
    /// Keeps the author's summary of this post current after ingest. When no repost needs its parent
    /// inferred, the shape does not depend on the follower graph and is computed right here; otherwise
    /// a small cascade is analysed now, a large one by the timer.
    /// </summary>
    private async Task RefreshSummaryAsync()
    {
        if (IsLarge)
        {
            ScheduleRefresh();
            if (_pushedSummary is null && _analysis is { } last)
            {
                await PushSummaryAsync(last.Metrics, last.GraphVersion);
            }

            return;
        }

        if (!_graph.AnyParentless)
        {
            await PushSummaryAsync(CascadeMetricsCalculator.Compute(_graph), _graph.Version);
            return;
        }

        var analysis = await AnalyzeAsync(Trigger.Ingest);
        await PushSummaryAsync(analysis.Metrics, analysis.GraphVersion);
    }

    private async Task PushSummaryAsync(CascadeMetrics metrics, long version)
    {
        var summary = Summary(metrics, version);
        if (_pushedSummary is not null && (_pushedSummary.Version > version || _pushedSummary with { Version = 0 } == summary with { Version = 0 }))
        {
            return;
        }

        await GrainFactory.Get<IAccountGrain>(GrainKeys.For(_tenant, metrics.AuthorId)).UpdatePostAsync(summary);
        _pushedSummary = summary;
    }

    private static PostSummary Summary(CascadeMetrics metrics, long version) =>
        new(metrics.PostId, metrics.Reposts, metrics.StructuralVirality, version, metrics.PostedAt.UtcTicks);

    private void ScheduleRefresh()
    {
        _refreshTimer ??= this.RegisterGrainTimer(
            async () =>
            {
                _refreshTimer?.Dispose();
                _refreshTimer = null;
                var analysis = await AnalyzeAsync(Trigger.Timer);
                await PushSummaryAsync(analysis.Metrics, analysis.GraphVersion);
            },
            new GrainTimerCreationOptions(RefreshInterval, Timeout.InfiniteTimeSpan));
    }

    private static ItemOutcome ToOutcome(AddOutcome outcome) => outcome switch
    {
        AddOutcome.Added => ItemOutcome.Accepted,
        AddOutcome.Duplicate => ItemOutcome.Duplicate,
        AddOutcome.Conflict => ItemOutcome.Conflict,
        AddOutcome.Cycle => ItemOutcome.Cycle,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };
}
