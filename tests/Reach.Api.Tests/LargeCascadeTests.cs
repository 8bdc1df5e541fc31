using System.Text.Json.Nodes;

namespace Reach.Api.Tests;

/// <summary>Large cascades are not walked on ingest; reads and a timer keep their metrics current.</summary>
public sealed class LargeCascadeTests(SmallThresholdHost host) : IClassFixture<SmallThresholdHost>
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public async Task A_read_after_ingest_of_a_large_cascade_is_exact()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([Ev.Post(x + "p", x + "au")]);
        for (var batch = 0; batch < 4; batch++)
        {
            await _client.IngestAsync(Enumerable.Range(0, 5).Select(i => Ev.Repost($"{x}r{batch}-{i}", $"{x}a{i}", x + "p", null, batch + 1)));
        }

        var metrics = await _client.GetJsonAsync($"/v1/posts/{x}p/metrics");

        Assert.Equal(21, metrics["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Exposure_of_a_large_cascade_follows_an_account_event_that_arrives_after_a_read()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([Ev.Post(x + "p", x + "au"), .. Enumerable.Range(0, 6).Select(i => Ev.Repost($"{x}r{i}", $"{x}a{i}", x + "p", null, 1))]);
        Assert.Null((await _client.GetJsonAsync($"/v1/posts/{x}p/metrics"))["exposure"]);

        await _client.IngestAsync([Ev.Account(x + "a0", 40)]);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await _client.GetJsonAsync($"/v1/posts/{x}p/metrics"))["exposure"]?.GetValue<long>() != 40)
        {
            Assert.True(DateTime.UtcNow < deadline, "exposure never took up the follower count of a0");
        }
    }

    [Fact]
    public async Task The_authors_account_catches_up_with_a_large_cascade_without_any_read()
    {
        var x = Ids.Unique();
        await _client.IngestAsync([Ev.Post(x + "p", x + "au")]);
        await _client.IngestAsync(Enumerable.Range(0, 30).Select(i => Ev.Repost($"{x}r{i}", $"{x}a{i}", x + "p", null, 1)));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonNode account;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "the account never saw the cascade's 30 reposts");
            account = await _client.GetJsonAsync($"/v1/accounts/{x}au/metrics");
        }
        while (account["repostsReceived"]!.GetValue<long>() != 30);

        Assert.Equal(2.0 * 30 * 30 / (31.0 * 30), account["maxStructuralVirality"]!.GetValue<double>(), 12);
    }
}
