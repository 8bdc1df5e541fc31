using System.Collections;
using System.Numerics;

namespace Reach.Analysis.Ids;

/// <summary>
/// A set of 64-bit keys in one open-addressing array: 16–32 bytes per key and one cache miss per
/// lookup, where a <see cref="HashSet{T}"/> of <see cref="ulong"/> keeps an entry and a bucket
/// apart (about 24 bytes and two misses). Meant for large sets of id hashes that are only added
/// to, such as the reposts an account-index shard has counted.
/// </summary>
public sealed class UInt64Set : IEnumerable<ulong>
{
    // Zero marks an empty slot; the key zero itself is kept aside.
    private ulong[] _slots = new ulong[16];
    private int _shift = 64 - 4;
    private bool _hasZero;
    private int _nonZero;

    public int Count => _nonZero + (_hasZero ? 1 : 0);

    /// <summary>Adds <paramref name="key"/>; false when it was already present.</summary>
    public bool Add(ulong key)
    {
        if (key == 0)
        {
            var added = !_hasZero;
            _hasZero = true;
            return added;
        }

        if ((_nonZero + 1) * 2 > _slots.Length)
        {
            Resize(_slots.Length * 2);
        }

        if (!Insert(_slots, _shift, key))
        {
            return false;
        }

        _nonZero++;
        return true;
    }

    /// <summary>
    /// Starts loading the slot where <see cref="Add"/> or <see cref="Contains"/> of
    /// <paramref name="key"/> begins, so that a loop over many keys can overlap their cache misses.
    /// </summary>
    public void Prefetch(ulong key) => CacheHint.Prefetch(in _slots[SlotOf(key, _shift)]);

    public bool Contains(ulong key)
    {
        if (key == 0)
        {
            return _hasZero;
        }

        return _slots[SlotFor(_slots, _shift, key)] == key;
    }

    public void UnionWith(IEnumerable<ulong> keys)
    {
        if (keys is ICollection<ulong> { Count: var count } && (Count + count) * 2 > _slots.Length)
        {
            Resize((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, (Count + count) * 2)));
        }

        foreach (var key in keys)
        {
            Add(key);
        }
    }

    public IEnumerator<ulong> GetEnumerator()
    {
        if (_hasZero)
        {
            yield return 0;
        }

        foreach (var key in _slots)
        {
            if (key != 0)
            {
                yield return key;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Fibonacci hashing: keys need not be well mixed in their low bits.</summary>
    private static int SlotOf(ulong key, int shift) => (int)((key * 0x9E3779B97F4A7C15UL) >> shift);

    /// <summary>The slot holding <paramref name="key"/>, or the empty slot where it would go.</summary>
    private static int SlotFor(ulong[] slots, int shift, ulong key)
    {
        var mask = slots.Length - 1;
        var slot = SlotOf(key, shift);
        while (slots[slot] != key && slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    private static bool Insert(ulong[] slots, int shift, ulong key)
    {
        var slot = SlotFor(slots, shift, key);
        if (slots[slot] == key)
        {
            return false;
        }

        slots[slot] = key;
        return true;
    }

    private void Resize(int size)
    {
        if (size <= _slots.Length)
        {
            return;
        }

        var slots = new ulong[size];
        var shift = 64 - BitOperations.Log2((uint)size);
        foreach (var key in _slots)
        {
            if (key != 0)
            {
                Insert(slots, shift, key);
            }
        }

        (_slots, _shift) = (slots, shift);
    }
}
