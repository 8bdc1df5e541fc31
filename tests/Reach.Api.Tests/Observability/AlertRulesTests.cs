namespace Reach.Api.Tests.Observability;

public sealed class AlertRulesTests
{
    private static readonly string Rules = Repository.PathOf("k8s", "base", "prometheus", "reach-alerts.yaml");

    [Fact]
    public async Task The_alert_rules_pass_promtool()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");

        var (exit, output, errors) = await ExternalTool.RunAsync(promtool, ["check", "rules", Rules]);

        Assert.True(exit == 0, output + errors);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The recorded series in reach-alerts.test.yaml: a watched post gaining 1,200 reposts an hour
    /// fires the virality alert and one gaining 60 does not; a cluster losing a silo fires the silo alert.
    /// </summary>
    [Fact]
    public async Task The_virality_alert_fires_for_a_fast_post_and_not_for_a_slow_one()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");

        var (exit, output, errors) = await ExternalTool.RunAsync(
            promtool, ["test", "rules", "reach-alerts.test.yaml"], workingDirectory: Path.GetDirectoryName(Rules));

        Assert.True(exit == 0, output + errors);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }
}
