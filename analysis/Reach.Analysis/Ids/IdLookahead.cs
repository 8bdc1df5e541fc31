using System.Runtime.CompilerServices;

namespace Reach.Analysis.Ids;

/// <summary>
/// Pipelines a loop's lookups of a list of ids in one <see cref="IdTable"/>. A lookup in a table far
/// larger than the cache waits for two misses, its slot and then its arena entry; a loop that
/// calls <see cref="Advance"/> before each lookup has the processor load the slot of the id
/// <see cref="SlotDistance"/> steps ahead and the entry of the one <see cref="EntryDistance"/>
/// ahead, so the misses of successive lookups overlap instead of following one another.
/// Only a hint: a lookup returns the same whether or not its loads were started, and ids added to
/// the table during the loop are found as usual.
/// </summary>
public ref struct IdLookahead
{
    private const int SlotDistance = 16;
    private const int EntryDistance = 8;

    /// <summary>Hashes kept: those loaded ahead and the current id's.</summary>
    private const int Ring = 2 * SlotDistance;

    private readonly IdTable _table;
    private readonly ReadOnlySpan<string?> _ids;
    private Hashes _hashes;
    private int _step;

    public IdLookahead(IdTable table, ReadOnlySpan<string?> ids)
    {
        _table = table;
        _ids = ids;
        for (var i = 0; i < Math.Min(SlotDistance, ids.Length); i++)
        {
            LoadSlot(i);
        }

        for (var i = 0; i < Math.Min(EntryDistance, ids.Length); i++)
        {
            LoadEntry(i);
        }
    }

    /// <summary>Call once before the lookup of each id, in the list's order from the first.</summary>
    public void Advance()
    {
        var step = _step++;
        LoadSlot(step + SlotDistance);
        LoadEntry(step + EntryDistance);
    }

    /// <summary>The id <see cref="Advance"/> last stepped to.</summary>
    public readonly string? Current => _ids[_step - 1];

    /// <summary>The index of the id <see cref="Advance"/> last stepped to, or -1 when it is null or not in the table.</summary>
    public readonly int IndexOfCurrent() => Current is { } id ? _table.IndexOf(id, CurrentHash) : -1;

    /// <summary><see cref="IdTable.GetOrAdd(string, out bool)"/> of the id <see cref="Advance"/> last stepped to.</summary>
    public readonly int GetOrAddCurrent(out bool added) =>
        _table.GetOrAdd(Current ?? throw new InvalidOperationException("The current id is null."), CurrentHash, out added);

    /// <summary>The current id's hash, computed when it was <see cref="SlotDistance"/> steps ahead.</summary>
    internal readonly int CurrentHash => _hashes[(_step - 1) % Ring];

    private void LoadSlot(int i)
    {
        if (i < _ids.Length && _ids[i] is { } id)
        {
            var hash = IdTable.HashOf(id);
            _hashes[i % Ring] = hash;
            _table.PrefetchSlot(hash);
        }
    }

    private readonly void LoadEntry(int i)
    {
        if (i < _ids.Length && _ids[i] is not null)
        {
            _table.PrefetchEntry(_hashes[i % Ring]);
        }
    }

    [InlineArray(Ring)]
    private struct Hashes
    {
        private int _first;
    }
}
