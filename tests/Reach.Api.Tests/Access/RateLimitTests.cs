using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Reach.Api.Tests.Access;

/// <summary>A host whose keys may make three requests an hour, so that the fourth is refused however slow the machine.</summary>
public sealed class RateLimitHost : ReachHost
{
    public const int Requests = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Reach:RateLimitPermits", Requests.ToString());
        builder.UseSetting("Reach:RateLimitBurst", Requests.ToString());
        builder.UseSetting("Reach:RateLimitPeriod", "01:00:00");
    }
}

public sealed class RateLimitTests(RateLimitHost host) : IClassFixture<RateLimitHost>
{
    [Fact]
    public async Task A_key_past_its_limit_gets_429_with_retry_after_while_other_keys_and_the_probes_go_on()
    {
        var tenant = Tenants.Unique();
        using var busy = host.CreateClient(await Tenants.CreateKeyAsync(host, tenant, "read"));
        using var other = host.CreateClient(await Tenants.CreateKeyAsync(host, tenant, "read"));

        for (var i = 0; i < RateLimitHost.Requests; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync("/v1/watch", TestContext.Current.CancellationToken)).StatusCode);
        }

        using var refused = await busy.GetAsync("/v1/watch", TestContext.Current.CancellationToken);
        var problem = await refused.ProblemAsync(429);
        Assert.Contains($"{RateLimitHost.Requests} requests per 3600 s", problem["detail"]!.GetValue<string>());
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/v1/watch", TestContext.Current.CancellationToken)).StatusCode);
        using var anonymous = host.CreateAnonymousClient();
        for (var i = 0; i <= RateLimitHost.Requests; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live", TestContext.Current.CancellationToken)).StatusCode);
        }
    }
}
