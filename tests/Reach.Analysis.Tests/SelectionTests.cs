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

    [Theory]
    [InlineData(4_096, 4)]
    [InlineData(5_000, 5)]
    [InlineData(100_000, 6)]
    public void One_pass_over_values_in_no_particular_order_finds_their_range_the_ranks_and_the_count_near_the_top_that_a_full_sort_gives(int count, int seed)
    {
        var random = new Random(seed);
        long[][] inputs =
        [
            [.. Enumerable.Range(0, count).Select(_ => random.NextInt64(0, 10L * count))],
            [.. Enumerable.Range(0, count).Select(_ => (long)random.Next(0, 40))],
            [.. Enumerable.Range(0, count).Select(i => 1_000_000L + (i % 7 == 0 ? random.NextInt64(1L << 40) : random.Next(100_000)))],
        ];
        foreach (var values in inputs)
        {
            var sorted = values.Order().ToArray();
            int[] ranks = [.. new SortedSet<int>([0, 9, 99, 999, count / 2, count - 1])];
            var (floor, window) = (sorted[^1] - 10, (sorted[^1] - sorted[0]) / 100);

            var pass = Selection.SelectRanksInOnePass(values, ranks, new long[count], floor, window);

            Assert.Equal(sorted[0], pass.Min);
            Assert.Equal(sorted[^1], pass.Max);
            Assert.False(pass.InOrder);
            Assert.NotNull(pass.AtRanks);
            Assert.Equal(ranks.Select(k => sorted[k]), pass.AtRanks);
            Assert.Equal(values.Count(v => v > sorted[^1] - window), pass.NearTop);
        }
    }

    [Fact]
    public void One_pass_counts_near_the_top_from_the_floor_when_it_lies_above_every_value()
    {
        var values = Enumerable.Range(0, 20_000).Select(i => (long)((i * 7_919) % 20_000)).ToArray();

        var pass = Selection.SelectRanksInOnePass(values, [0, 10_000], new long[values.Length], topFloor: 21_000, window: 2_000);

        Assert.Equal([0L, 10_000L], pass.AtRanks!);
        Assert.Equal(999, pass.NearTop); // 19,001 … 19,999
    }

    [Fact]
    public void One_pass_over_values_in_order_says_so()
    {
        var values = Enumerable.Range(0, 10_000).Select(i => (long)i / 3).ToArray();

        var pass = Selection.SelectRanksInOnePass(values, [0, 5_000], new long[values.Length], 0, 100);

        Assert.True(pass.InOrder);
        Assert.Equal((0L, 3_333L), (pass.Min, pass.Max));
    }

    [Fact]
    public void One_pass_whose_sample_is_unlike_the_values_leaves_the_ranks_unsettled_rather_than_guessing()
    {
        // Every sampled place (each 24th of 100,000 values) holds one of the largest values: the
        // brackets the sample gives the small ranks would have to hold almost every value.
        const int Count = 100_000;
        var stride = Count / 4_096;
        var values = new long[Count];
        var (small, large) = (0L, (long)Count);
        for (var i = 0; i < Count; i++)
        {
            values[i] = i % stride == 0 && i / stride < 4_096 ? large++ : small++;
        }

        var pass = Selection.SelectRanksInOnePass(values, [0, 999, Count / 2], new long[Count], 0, 100);

        Assert.Null(pass.AtRanks);
        Assert.Null(pass.NearTop);
        Assert.Equal(0, pass.Min);
        Assert.Equal(values.Max(), pass.Max);
        Assert.False(pass.InOrder);
    }
}
