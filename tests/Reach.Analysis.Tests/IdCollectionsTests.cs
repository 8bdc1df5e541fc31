using System.IO.Hashing;
using System.Runtime.InteropServices;
using Reach.Analysis.Ids;

namespace Reach.Analysis.Tests;

public sealed class IdCollectionsTests
{
    [Fact]
    public void A_pair_hash_is_the_one_shot_hash_of_both_ids_however_many_pairs_were_hashed_before_it()
    {
        static ulong OneShot(string first, string second) => XxHash3.HashToUInt64(
            [.. MemoryMarshal.AsBytes(first.AsSpan()), 0, 0, .. MemoryMarshal.AsBytes(second.AsSpan())]);

        // Short pairs and pairs of the longest ids are hashed on the stack, longer ones by the streaming hasher.
        string[] ids = ["a", "account-17", "ü-ß", "", "https://example.net/post/42/status", new string('q', IdTable.MaxIdLength), new string('z', 300)];
        foreach (var first in ids)
        {
            foreach (var second in ids)
            {
                Assert.Equal(OneShot(first, second), IdHash.Of(first, second));
            }
        }

        Assert.NotEqual(IdHash.Of("ab", "c"), IdHash.Of("a", "bc"));
    }

    [Fact]
    public void A_pair_hash_with_a_prefix_is_the_pair_hash_of_the_prefixed_first_id()
    {
        string[] ids = ["a", "", "ü-ß", new string('q', IdTable.MaxIdLength), new string('z', 300)];
        foreach (var prefix in new[] { "like:", "" })
        {
            foreach (var first in ids)
            {
                foreach (var second in ids)
                {
                    Assert.Equal(IdHash.Of(prefix + first, second), IdHash.Of(prefix, first, second));
                }
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void An_id_table_numbers_ids_in_first_seen_order_and_finds_each_again_as_it_grows(int seed)
    {
        var random = new Random(seed);
        var table = new IdTable();
        var reference = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] shapes = ["p{0}", "ü-{0}-ß", "{0}", "https://example.net/post/{0}/status"];
        for (var i = 0; i < 50_000; i++)
        {
            var id = string.Format(shapes[random.Next(shapes.Length)], random.Next(30_000));
            var isNew = !reference.TryGetValue(id, out var expected);
            if (isNew)
            {
                reference[id] = expected = reference.Count;
            }

            Assert.Equal(expected, table.GetOrAdd(id, out var added));
            Assert.Equal(isNew, added);
        }

        Assert.Equal(reference.Count, table.Count);
        foreach (var (id, index) in reference)
        {
            Assert.Equal(index, table.IndexOf(id));
            Assert.Equal(id, table[index]);
        }

        Assert.Equal(-1, table.IndexOf("never-added"));
        var snapshot = table.Snapshot();
        var (utf8, ends) = table.Export();
        var imported = IdTable.Import(utf8, ends);
        table.GetOrAdd("added-after-the-copies");
        Assert.Equal(-1, snapshot.IndexOf("added-after-the-copies"));
        Assert.Equal(reference.OrderBy(e => e.Value).Select(e => e.Key), snapshot.Ids());
        Assert.Equal(reference.OrderBy(e => e.Value).Select(e => e.Key), imported.Ids());
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 3)]
    [InlineData(2, 40)]
    [InlineData(3, 2_000)]
    public void Lookups_through_a_lookahead_find_and_add_exactly_what_the_table_itself_would(int seed, int batchLength)
    {
        var random = new Random(seed);
        var table = new IdTable();
        var reference = new Dictionary<string, int>(StringComparer.Ordinal);
        string?[] shapes = ["p{0}", "ü-{0}-ß", new string('l', 400) + "{0}", null];
        for (var round = 0; round < 20; round++)
        {
            // The table grows while the batch is looked up: loads started ahead may point into arrays it has left.
            var batch = Enumerable.Range(0, batchLength)
                .Select(_ => shapes[random.Next(shapes.Length)] is { } shape ? string.Format(shape, random.Next(3_000)) : null)
                .ToArray();
            var lookahead = new IdLookahead(table, batch);
            foreach (var id in batch)
            {
                lookahead.Advance();
                Assert.Same(id, lookahead.Current);
                var expected = id is null ? -1 : reference.GetValueOrDefault(id, -1);
                Assert.Equal(expected, lookahead.IndexOfCurrent());
                if (id is null)
                {
                    continue;
                }

                if (random.Next(2) == 0)
                {
                    var index = lookahead.GetOrAddCurrent(out var added);
                    Assert.Equal(expected < 0, added);
                    Assert.Equal(expected < 0 ? reference.Count : expected, index);
                    reference.TryAdd(id, index);
                }
            }
        }

        Assert.Equal(reference.Count, table.Count);
        Assert.All(reference, pair => Assert.Equal(pair.Value, table.IndexOf(pair.Key)));
    }

    [Fact]
    public void Ids_of_every_length_up_to_the_longest_allowed_keep_their_bytes_and_a_longer_byte_string_is_refused()
    {
        var table = new IdTable();
        string[] ids = ["", "x", new string('€', IdTable.MaxIdLength), string.Concat(Enumerable.Repeat("😀", IdTable.MaxIdLength / 2)), "y"];
        foreach (var id in ids)
        {
            table.GetOrAdd(id);
        }

        Assert.Equal(ids, table.Ids());
        Assert.Equal(ids.Length - 1, table.IndexOf("y"));
        Assert.Equal(3 * IdTable.MaxIdLength, table.Utf8(2).Length);
        var (utf8, ends) = table.Export();
        Assert.Equal([0, 1, 1 + (3 * IdTable.MaxIdLength), 1 + (5 * IdTable.MaxIdLength), 2 + (5 * IdTable.MaxIdLength)], ends);
        Assert.Equal(ids, IdTable.Import(utf8, ends).Ids());
        Assert.Throws<ArgumentOutOfRangeException>(() => table.GetOrAdd(new byte[ushort.MaxValue + 1], out _));
    }

    [Fact]
    public void A_snapshot_of_an_id_table_keeps_its_ids_while_the_table_grows_past_it_and_takes_none_itself()
    {
        var table = new IdTable();
        var ids = Enumerable.Range(0, 1000).Select(i => $"id-{i}").ToArray();
        foreach (var id in ids.Take(300))
        {
            table.GetOrAdd(id);
        }

        var snapshot = table.Snapshot();

        // Growing on into the same arrays, then past them into larger ones.
        foreach (var id in ids.Skip(300))
        {
            table.GetOrAdd(id);
        }

        Assert.Equal(300, snapshot.Count);
        Assert.Equal(ids.Take(300), snapshot.Ids());
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i < 300 ? i : -1, snapshot.IndexOf(ids[i]));
            Assert.Equal(i, table.IndexOf(ids[i]));
        }

        Assert.Throws<InvalidOperationException>(() => snapshot.GetOrAdd("new-id"));
    }

    [Fact]
    public void A_uint64_set_holds_exactly_the_keys_a_hash_set_holds_zero_and_the_extremes_included()
    {
        var random = new Random(7);
        var set = new UInt64Set();
        var reference = new HashSet<ulong>();
        for (var i = 0; i < 100_000; i++)
        {
            // Few distinct keys in the low range, so that most adds repeat one; plus keys with equal low bits.
            var key = random.Next(4) switch
            {
                0 => (ulong)random.Next(20_000),
                1 => (ulong)random.Next(2_000) << 40,
                2 => (ulong)random.NextInt64() | (1UL << 63),
                _ => i % 1000 == 0 ? (i % 2000 == 0 ? 0UL : ulong.MaxValue) : (ulong)random.Next(5),
            };

            Assert.Equal(reference.Add(key), set.Add(key));
        }

        Assert.Equal(reference.Count, set.Count);
        Assert.Equal(reference.Order(), set.Order());
        Assert.All(reference, key => Assert.True(set.Contains(key)));
        Assert.False(set.Contains(12_345_678_901UL));

        var rebuilt = new UInt64Set();
        rebuilt.UnionWith([.. set]);
        Assert.Equal(reference.Order(), rebuilt.Order());
    }
}
