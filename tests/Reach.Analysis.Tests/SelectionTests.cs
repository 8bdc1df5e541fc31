using Reach.Analysis.Cascades;

namespace Reach.Analysis.Tests;

public sealed class SelectionTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(17, 1)]
    [InlineData(5_000, 2)]
    [InlineData(100_000, 3)]
    public void Selecting_ranks_gives_the_values_a_full_sort_puts_there_and_leaves_the_input_alone(int count, int seed)
    {
        var random = new Random(seed);
        long[][] inputs =
        [
            [.. Enumerable.Range(0, count).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))],
            [.. Enumerable.Range(0, count).Select(_ => (long)random.Next(0, 40))],
            [.. Enumerable.Range(0, count).Select(i => 638_000_000_000_000_000L + (i % 7 == 0 ? random.NextInt64(1L << 40) : random.Next(1000)))],
            [.. Enumerable.Repeat(42L, count)],
        ];
        foreach (var values in inputs)
        {
            var copy = (long[])values.Clone();
            var sorted = (long[])values.Clone();
            Array.Sort(sorted);
            int[] ranks = [.. new SortedSet<int>([0, count / 2, count - 1, .. Enumerable.Range(0, 5).Select(_ => random.Next(count))])];

            var selected = Selection.SelectRanks(values, ranks, new long[count]);

            Assert.Equal(ranks.Select(k => sorted[k]), selected);
            Assert.Equal(copy, values);
        }
    }
}
