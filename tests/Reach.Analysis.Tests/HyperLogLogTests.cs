using Reach.Analysis.Audience;

namespace Reach.Analysis.Tests;

public sealed class HyperLogLogTests
{
    [Theory]
    [InlineData(1_000, 1)]
    [InlineData(20_000, 2)]
    [InlineData(300_000, 3)]
    [InlineData(10_000_000, 4)]
    public void The_estimate_of_distinct_ids_is_within_three_standard_errors(int distinct, int seed)
    {
        var sketch = new HyperLogLog();
        for (var i = 0; i < distinct; i++)
        {
            sketch.Add($"s{seed}-follower-{i}");
        }

        var error = Math.Abs(sketch.Estimate() - distinct) / distinct;
        Assert.True(error <= 3 * sketch.RelativeStandardError, $"estimate {sketch.Estimate():F0} for {distinct}: {error:P3} off");
    }

    [Fact]
    public void Small_sets_are_counted_almost_exactly_by_linear_counting()
    {
        var sketch = new HyperLogLog();
        for (var i = 0; i < 100; i++)
        {
            sketch.Add($"few-{i}");
        }

        Assert.InRange(sketch.Estimate(), 99, 101);
        Assert.Equal(0, new HyperLogLog().Estimate());
    }

    [Fact]
    public void Adding_an_id_again_or_in_another_order_changes_nothing()
    {
        var ids = Enumerable.Range(0, 50_000).Select(i => $"id-{i}").ToList();
        var once = new HyperLogLog();
        ids.ForEach(once.Add);
        var shuffledTwice = new HyperLogLog();
        var random = new Random(7);
        foreach (var id in ids.Concat(ids).OrderBy(_ => random.Next()))
        {
            shuffledTwice.Add(id);
        }

        Assert.True(once.SameRegisters(shuffledTwice));
    }

    [Fact]
    public void The_union_of_two_sketches_is_the_sketch_of_the_union_of_the_sets()
    {
        var (left, right, both) = (new HyperLogLog(), new HyperLogLog(), new HyperLogLog());
        for (var i = 0; i < 40_000; i++)
        {
            var id = $"u-{i}";
            if (i < 30_000)
            {
                left.Add(id);
            }

            if (i >= 10_000)
            {
                right.Add(id);
            }

            both.Add(id);
        }

        left.UnionWith(right);

        Assert.True(left.SameRegisters(both));
        Assert.Throws<ArgumentException>(() => left.UnionWith(new HyperLogLog(12)));
    }

    [Fact]
    public void A_sketch_survives_its_byte_form_and_a_malformed_one_is_refused()
    {
        var sketch = new HyperLogLog(10);
        for (var i = 0; i < 5_000; i++)
        {
            sketch.Add($"b-{i}");
        }

        var restored = HyperLogLog.FromBytes(sketch.ToBytes());

        Assert.True(restored.SameRegisters(sketch));
        Assert.Equal(sketch.Estimate(), restored.Estimate());
        Assert.Throws<InvalidDataException>(() => HyperLogLog.FromBytes(sketch.ToBytes().AsSpan(..^1)));
        Assert.Throws<InvalidDataException>(() => HyperLogLog.FromBytes([10, .. new byte[1 << 10].Select(_ => (byte)60)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperLogLog(3));
    }

    [Fact]
    public void Merging_a_sketch_in_its_byte_form_equals_merging_the_sketch_and_bad_bytes_are_refused()
    {
        var (left, right) = (new HyperLogLog(), new HyperLogLog());
        for (var i = 0; i < 30_000; i++)
        {
            (i % 3 == 0 ? left : right).Add($"m-{i}");
        }

        var bySketch = HyperLogLog.FromBytes(left.ToBytes());
        bySketch.UnionWith(right);
        var byBytes = HyperLogLog.FromBytes(left.ToBytes());
        byBytes.UnionWith(right.ToBytes().AsSpan());

        Assert.True(bySketch.SameRegisters(byBytes));
        Assert.Equal(bySketch.Estimate(), byBytes.Estimate());
        Assert.Throws<InvalidDataException>(() => byBytes.UnionWith(new HyperLogLog(12).ToBytes().AsSpan()));
        var outOfRange = right.ToBytes();
        outOfRange[5] = 60;
        Assert.Throws<InvalidDataException>(() => new HyperLogLog().UnionWith(outOfRange.AsSpan()));
    }
}
