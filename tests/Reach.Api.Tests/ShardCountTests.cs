using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Reach.Api.Tests.Durable;

namespace Reach.Api.Tests;

/// <summary>Reach:Shards changes how the directory and the account index are cut, never what the service answers.</summary>
public sealed class ShardCountTests(ReachHost defaultHost, OneShardHost oneShard) : IClassFixture<OneShardHost>
{
    [Fact]
    public async Task The_same_events_read_the_same_with_one_shard_as_with_the_default_count()
    {
        var scenario = DurableScenario.Create(nodesPerCascade: 150, cascades: 3, batchSize: 120, seed: 5);
        using var defaultClient = defaultHost.CreateClient();
        using var oneShardClient = oneShard.CreateClient();

        await scenario.SendAllAsync(defaultClient);
        await scenario.SendAllAsync(oneShardClient);

        DurableScenario.AssertSameReads(await scenario.ReadAsync(defaultClient), await scenario.ReadAsync(oneShardClient));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1025")]
    public void A_shard_count_outside_1_to_1024_stops_the_service_from_starting_with_an_error_naming_it(string shards)
    {
        using var host = new ConfiguredHost("Reach:Shards", shards);

        var refused = Assert.Throws<OptionsValidationException>(() => host.Services);

        Assert.Contains("Shards", refused.Message, StringComparison.Ordinal);
    }

    private sealed class ConfiguredHost(string key, string value) : ReachHost
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting(key, value);
        }
    }
}

/// <summary>A host whose directory and account index have a single shard.</summary>
public sealed class OneShardHost : ReachHost
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Reach:Shards", "1");
    }
}
