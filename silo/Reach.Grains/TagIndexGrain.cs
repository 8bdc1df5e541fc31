using Reach.Grains.Journal;

namespace Reach.Grains;

/// <summary>Root posts with one tag, so that a campaign rule on tags finds the posts stored before it.</summary>
public sealed class TagIndexGrain(
    [PersistentState("tag-index", ReachStorage.Name)] IPersistentState<TagIndexState> state,
    GrainJournals journals) : Grain, ITagIndexGrain
{
    private readonly Dictionary<string, RootPostInfo> _posts = new(StringComparer.Ordinal);
    private GrainJournal<RootPostInfo[], TagIndexState> _journal = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Add(state.State.Posts);
        _journal = journals.For<RootPostInfo[], TagIndexState>(
            this, "tag-index:" + this.GetPrimaryKeyString(), state,
            sequence => new TagIndexState { Posts = [.. _posts.Values], JournalSequence = sequence },
            () => 96L * _posts.Count,
            quickReplay: true);
        await _journal.ReplayAsync(posts => Add(posts), cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _journal.OnDeactivateAsync(reason, cancellationToken);

    public async Task AddAsync(RootPostInfo[] posts) =>
        await (Add(posts) ? _journal.AppendAsync(posts) : _journal.WhenDurableAsync());

    public Task<RootPostInfo[]> GetAsync() => Task.FromResult<RootPostInfo[]>([.. _posts.Values]);

    private bool Add(RootPostInfo[] posts)
    {
        var added = false;
        foreach (var post in posts)
        {
            added |= _posts.TryAdd(post.PostId, post);
        }

        return added;
    }
}
