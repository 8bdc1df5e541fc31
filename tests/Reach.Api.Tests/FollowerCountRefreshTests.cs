using Microsoft.Extensions.DependencyInjection;
using Reach.Api.Tests.Access;
using Reach.Grains;

namespace Reach.Api.Tests;

/// <summary>
/// A cascade keeps its copy of its participants' follower counts current: from the accounts an
/// index shard lists as changed, or by asking for all of them when the shard lists more changes
/// than the cascade has participants there. Each test has a tenant of its own, so that only its
/// own accounts change in its shards.
/// </summary>
public sealed class FollowerCountRefreshTests(ReachHost host)
{
    private const int Reposters = 40;
    private const long AuthorFollowers = 1_000;

    [Fact]
    public async Task A_read_takes_up_the_new_follower_count_of_one_participant()
    {
        var (client, post) = await CascadeWithKnownAudiencesAsync();

        await client.IngestAsync([Ev.Account("a7", 100, minutes: 10)]);

        Assert.Equal(ExposureWith(i => i == 7 ? 100 : i + 1), await ExposureAsync(client, post));
    }

    [Fact]
    public async Task A_read_takes_up_new_counts_of_every_participant_among_many_more_changes_of_other_accounts()
    {
        var (client, post) = await CascadeWithKnownAudiencesAsync();

        await client.IngestAsync([
            .. Enumerable.Range(0, Reposters).Select(i => Ev.Account($"a{i}", 2 * (i + 1), minutes: 10)),
            .. Enumerable.Range(0, 400).Select(i => Ev.Account($"b{i}", 5, minutes: 10))]);

        Assert.Equal(ExposureWith(i => 2 * (i + 1)), await ExposureAsync(client, post));
    }

    [Fact]
    public async Task An_index_shard_lists_the_accounts_changed_since_a_cursor_while_it_keeps_them_and_only_for_its_own_activation()
    {
        var shard = host.Services.GetRequiredService<IGrainFactory>().Get<IAccountIndexGrain>(GrainKeys.ForShard(Tenants.Unique(), 0));
        async Task ProfilesAsync(IEnumerable<int> accounts, long followers) =>
            await shard.ApplyProfilesAsync(Profiles(accounts.Select(i => $"x{i}").ToArray(), followers));
        async Task<AccountIndexCursor> CursorAsync() => (await shard.GetFollowerCountsAsync([], null, 0)).At;

        await ProfilesAsync(Enumerable.Range(0, 10), 1);
        var afterTen = await CursorAsync();
        await ProfilesAsync([3], 5);
        await ProfilesAsync([4, 3], 6);

        var changes = await shard.GetFollowerCountsAsync(["x9", "unknown"], afterTen, 3);
        Assert.Equal(["x3", "x4"], changes.ChangedAccountIds!.Order());
        Assert.Equal([1L, -1L, 6L, 6L], changes.Counts);
        Assert.Null((await shard.GetFollowerCountsAsync([], afterTen, 2)).ChangedAccountIds);
        Assert.Null((await shard.GetFollowerCountsAsync([], afterTen with { Activation = afterTen.Activation + 1 }, 3)).ChangedAccountIds);
        Assert.Empty((await shard.GetFollowerCountsAsync([], changes.At, 3)).ChangedAccountIds!);

        // 40,000 more changes, then 30,000: past 65,536 kept the oldest half is dropped, the cursor
        // after the first ten with it; the changes after the 40,000th are all still listed.
        await ProfilesAsync(Enumerable.Range(100, 40_000), 1);
        var afterForty = await CursorAsync();
        await ProfilesAsync(Enumerable.Range(100, 30_000), 2);

        Assert.Null((await shard.GetFollowerCountsAsync([], afterTen, int.MaxValue)).ChangedAccountIds);
        var recent = await shard.GetFollowerCountsAsync([], afterForty, int.MaxValue);
        Assert.Equal(Enumerable.Range(100, 30_000).Select(i => $"x{i}"), recent.ChangedAccountIds!);
        Assert.All(recent.Counts, count => Assert.Equal(2, count));
    }

    private static ProfileBatch Profiles(string[] accounts, long followers) => new()
    {
        AccountIds = accounts,
        Followers = [.. accounts.Select(_ => followers)],
        Handles = new string?[accounts.Length],
        Times = [.. accounts.Select(_ => Ev.At(followers))],
    };

    /// <summary>The author "au" with 1,000 followers posts "p"; "a0" … "a39" with i + 1 followers each repost it.</summary>
    private async Task<(HttpClient Client, string Post)> CascadeWithKnownAudiencesAsync()
    {
        var tenant = Tenants.Unique();
        var client = host.CreateClient(await Tenants.CreateFullKeyAsync(host, tenant));
        await client.IngestAsync([
            Ev.Account("au", AuthorFollowers),
            .. Enumerable.Range(0, Reposters).Select(i => Ev.Account($"a{i}", i + 1)),
            Ev.Post("p", "au"),
            .. Enumerable.Range(0, Reposters).Select(i => Ev.Repost($"r{i}", $"a{i}", "p", "p", 1 + i))]);
        Assert.Equal(ExposureWith(i => i + 1), await ExposureAsync(client, "p"));
        return (client, "p");
    }

    private static long ExposureWith(Func<int, long> followersOfReposter) =>
        AuthorFollowers + Enumerable.Range(0, Reposters).Sum(followersOfReposter);

    private static async Task<long> ExposureAsync(HttpClient client, string post) =>
        (await client.GetJsonAsync($"/v1/posts/{post}/metrics"))["exposure"]!.GetValue<long>();
}
