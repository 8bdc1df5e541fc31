using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reach.Analysis;
using Reach.Analysis.Cascades;
using Reach.Analysis.Export;
using Reach.Grains.Journal;

namespace Reach.Grains;

public sealed class CascadeGrain(
    [PersistentState("cascade", ReachStorage.Name)] IPersistentState<CascadeState> state,
    GrainJournals journals,
    IOptions<ReachOptions> options,
    ILogger<CascadeGrain> logger) : Grain, ICascadeGrain
{
    private CascadeGraph _graph = null!;
    private string[]? _tags;
    private string _tenant = GrainKeys.DefaultTenant;
    private GrainJournal<CascadeBatch, CascadeState> _journal = null!;

    private CascadeMetrics? _metrics;
    private long _metricsVersion = -1;
    private long _metricsAudienceVersion = -1;
    private long _lastReadComputeAt;
    private byte[]? _metricsJson;
    private PostSummary? _pushedSummary;

    private readonly AudienceCache _audience = new();
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
            () => (16L * _graph.NodeCount) + (8L * (_graph.LikeCount + _graph.ReplyCount)));
        await _journal.ReplayAsync(batch => Apply(batch), cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _journal.OnDeactivateAsync(reason, cancellationToken);

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
        var result = Apply(batch);
        await (_graph.Version != before ? _journal.AppendAsync(batch) : _journal.WhenDurableAsync());

        // After a fresh activation the author's summary is pushed again even if nothing changed:
        // the previous activation may have stored the change and died before pushing it.
        if (_graph.RootKnown && (_graph.Version != before || !rootWasKnown || _pushedSummary is null))
        {
            await PushSummaryAsync();
        }

        return result;
    }

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
        for (var i = 0; i < outcomes.Length; i++)
        {
            var result = _graph.AddNode(
                batch.NodeIds[i], batch.NodeAccounts[i], batch.NodeParents[i], batch.NodeTimes[i],
                batch.NodeIsQuote[i] ? NodeKind.Quote : NodeKind.Repost);
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

        await _audience.RefreshAsync(GrainFactory, _tenant, _graph.Accounts);
        RefreshMetrics(Trigger.Read);
        _metricsJson ??= JsonSerializer.SerializeToUtf8Bytes(_metrics, ReachJson.Options);
        return new JsonRead(ReadStatus.Ready, _metricsJson, 0, Silo: RuntimeIdentity);
    }

    public Task<JsonRead> GetTimelineAsync(TimeSpan bucket)
    {
        if (!_graph.RootKnown)
        {
            return Task.FromResult(NotReady());
        }

        if (CascadeTimelineBuilder.Problem(_graph, bucket) is { } problem)
        {
            return Task.FromResult(new JsonRead(ReadStatus.Invalid, null, 0, problem));
        }

        var timeline = CascadeTimelineBuilder.Build(_graph, bucket);
        return Task.FromResult(new JsonRead(ReadStatus.Ready, JsonSerializer.SerializeToUtf8Bytes(timeline, ReachJson.Options), 0));
    }

    public Task<CascadeArrays?> GetCascadeAsync()
    {
        if (!_graph.RootKnown)
        {
            return Task.FromResult<CascadeArrays?>(null);
        }

        var export = CascadeExport.From(_graph);
        return Task.FromResult<CascadeArrays?>(new CascadeArrays(
            export.RootPostId, export.PostIds, export.AccountIds, export.Parents, export.Times,
            [.. export.Kinds.Select(k => (byte)k)], [.. export.Attributions.Select(a => (byte)a)]));
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
    /// Recomputes the metrics when the cascade or its participants' follower counts changed.
    /// Large cascades are not walked on ingest: a timer refreshes them once per interval while they
    /// grow, and reads recompute at most once per interval, so a read after a quiet spell is exact
    /// and a viral post read many times a second is walked at most once a second.
    /// </summary>
    private void RefreshMetrics(Trigger trigger)
    {
        if (_metrics is not null && _metricsVersion == _graph.Version && _metricsAudienceVersion == _audience.Version)
        {
            return;
        }

        if (_graph.NodeCount > options.Value.LargeCascadeNodes)
        {
            var readRecently = _metrics is not null
                && Stopwatch.GetElapsedTime(_lastReadComputeAt) < options.Value.MetricsRefreshInterval;
            if (trigger == Trigger.Ingest || (trigger == Trigger.Read && readRecently))
            {
                ScheduleRefresh();
                return;
            }
        }

        _metrics = CascadeMetricsCalculator.Compute(_graph, _audience.Counts);
        _metricsVersion = _graph.Version;
        _metricsAudienceVersion = _audience.Version;
        _metricsJson = null;
        if (trigger == Trigger.Read)
        {
            _lastReadComputeAt = Stopwatch.GetTimestamp();
        }
    }

    private async Task PushSummaryAsync()
    {
        RefreshMetrics(Trigger.Ingest);
        if (_metrics is null)
        {
            return;
        }

        var summary = new PostSummary(_graph.RootPostId, _metrics.Reposts, _metrics.StructuralVirality, _metricsVersion);
        if (_pushedSummary is not null && _pushedSummary with { Version = 0 } == summary with { Version = 0 })
        {
            return;
        }

        await GrainFactory.GetGrain<IAccountGrain>(GrainKeys.For(_tenant, _metrics.AuthorId)).UpdatePostAsync(summary);
        _pushedSummary = summary;
    }

    private void ScheduleRefresh()
    {
        _refreshTimer ??= this.RegisterGrainTimer(
            async () =>
            {
                _refreshTimer?.Dispose();
                _refreshTimer = null;
                RefreshMetrics(Trigger.Timer);
                await PushSummaryAsync();
            },
            new GrainTimerCreationOptions(options.Value.MetricsRefreshInterval, Timeout.InfiniteTimeSpan));
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
