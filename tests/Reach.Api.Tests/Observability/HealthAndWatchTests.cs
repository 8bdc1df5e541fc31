using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Reach.Api.Observability;

namespace Reach.Api.Tests.Observability;

public sealed class HealthTests(ReachHost host)
{
    private readonly HttpClient _client = host.CreateClient();

    [Theory]
    [InlineData(Health.StartupPath)]
    [InlineData(Health.ReadyPath)]
    [InlineData(Health.LivePath)]
    public async Task A_running_service_answers_its_probes_healthy(string path)
    {
        using var response = await _client.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Liveness_runs_only_the_check_that_makes_no_grain_call_and_no_remote_io()
    {
        var checks = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;

        var live = checks.Where(c => c.Tags.Contains("live")).Select(c => c.Name);
        var ready = checks.Where(c => c.Tags.Contains("ready")).Select(c => c.Name);

        Assert.Equal(["responding"], live);
        Assert.Contains("cluster-member", ready);
    }
}

public sealed class WatchListTests(SmallWatchListHost host) : IClassFixture<SmallWatchListHost>
{
    private readonly HttpClient _client = host.CreateClient();

    [Fact]
    public async Task Watching_is_idempotent_bounded_and_undone_by_delete()
    {
        var x = Ids.Unique();

        Assert.Equal(HttpStatusCode.Created, await PutAsync($"/v1/watch/posts/{x}p"));
        Assert.Equal(HttpStatusCode.OK, await PutAsync($"/v1/watch/posts/{x}p"));
        Assert.Equal(HttpStatusCode.Created, await PutAsync($"/v1/watch/accounts/{x}a"));
        using (var full = await _client.PutAsync($"/v1/watch/posts/{x}q", null, TestContext.Current.CancellationToken))
        {
            var problem = await full.ProblemAsync(409);
            Assert.Contains("limit of 2", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var list = await _client.GetJsonAsync("/v1/watch");
        Assert.Equal($$"""{"posts":["{{x}}p"],"accounts":["{{x}}a"],"limit":2}""", list.ToJsonString());

        using (var removed = await _client.DeleteAsync($"/v1/watch/posts/{x}p", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var again = await _client.DeleteAsync($"/v1/watch/posts/{x}p", TestContext.Current.CancellationToken))
        {
            await again.ProblemAsync(404);
        }

        Assert.Equal(HttpStatusCode.Created, await PutAsync($"/v1/watch/posts/{x}q"));
        using (var cleared = await _client.DeleteAsync($"/v1/watch/posts/{x}q", TestContext.Current.CancellationToken))
        using (var clearedAccount = await _client.DeleteAsync($"/v1/watch/accounts/{x}a", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, clearedAccount.StatusCode);
        }
    }

    [Fact]
    public async Task A_watched_id_that_is_too_long_is_refused_with_a_problem()
    {
        using var response = await _client.PutAsync($"/v1/watch/posts/{new string('p', 129)}", null, TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(400);
        Assert.Contains("postId", problem.ToJsonString(), StringComparison.Ordinal);
    }

    private async Task<HttpStatusCode> PutAsync(string path)
    {
        using var response = await _client.PutAsync(path, null, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
