using System.Collections.Concurrent;

namespace Reach.Grains.Journal;

/// <summary>
/// The journal commits under way in this silo, by ticket. A request redeems the tickets of grains
/// active in its own silo here, instead of calling every directory shard and cascade it changed
/// back to ask. A ticket not found here (another silo's grain, or a commit already done) is
/// redeemed through its grain.
/// </summary>
public sealed class LocalCommits
{
    private readonly ConcurrentDictionary<JournalTicket, (Task Committed, string Stream)> _pending = new();

    internal void Track(JournalTicket ticket, Task committed, string stream)
    {
        if (committed.IsCompleted)
        {
            return;
        }

        _pending[ticket] = (committed, stream);
        committed.ContinueWith(
            _ => _pending.TryRemove(ticket, out var _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Completes once the ticket's entry and those before it are committed, and throws
    /// <see cref="ChangeNotCommittedException"/> when they cannot be, as the grain's own
    /// <c>WhenCommittedAsync</c> does; null when this silo holds no commit under way for the ticket.
    /// </summary>
    public Task? WhenCommittedAsync(JournalTicket ticket) =>
        _pending.TryGetValue(ticket, out var pending) ? AwaitAsync(pending.Committed, pending.Stream) : null;

    private static async Task AwaitAsync(Task committed, string stream)
    {
        try
        {
            await committed;
        }
        catch (Exception exception)
        {
            throw new ChangeNotCommittedException(stream, exception);
        }
    }
}
