using Reach.Api.Tests.Access;

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
