using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Reach.Grains;

public static class SiloHosting
{
    /// <summary>
    /// Co-hosts a Reach silo in this process. The embedded default is one silo on localhost
    /// clustering with in-memory grain storage.
    /// </summary>
    public static IHostApplicationBuilder AddReachSilo(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReachOptions>()
            .BindConfiguration(ReachOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Storage is "memory", "Reach:Storage must be 'memory' (PostgreSQL storage is not built yet).")
            .Validate(o => o.MetricsRefreshInterval > TimeSpan.Zero, "Reach:MetricsRefreshInterval must be positive.")
            .ValidateOnStart();

        builder.Services.AddSingleton<DeactivationWrites>();
        var siloPort = builder.Configuration.GetValue("Reach:SiloPort", 11111);
        var gatewayPort = builder.Configuration.GetValue("Reach:GatewayPort", 30000);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort);
            silo.AddMemoryGrainStorage(ReachStorage.Name);
        });
        return builder;
    }
}
