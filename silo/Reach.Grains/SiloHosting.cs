using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Reach.Grains.Journal;
using Reach.Grains.Storage;

namespace Reach.Grains;

public static class SiloHosting
{
    /// <summary>
    /// Co-hosts a Reach silo in this process: by default one silo on localhost clustering with
    /// in-memory storage; with Reach:Storage=postgres, a member of a cluster kept in PostgreSQL with
    /// durable grain state and journals there.
    /// </summary>
    public static IHostApplicationBuilder AddReachSilo(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReachOptions>()
            .BindConfiguration(ReachOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Storage is ReachOptions.Memory or ReachOptions.Postgres, "Reach:Storage must be 'memory' or 'postgres'.")
            .Validate(o => o.MetricsRefreshInterval > TimeSpan.Zero, "Reach:MetricsRefreshInterval must be positive.")
            .ValidateOnStart();

        builder.Services.AddSingleton<GrainJournals>();
        builder.Services.AddSingleton<LocalCommits>();
        var options = builder.Configuration.GetSection(ReachOptions.Section).Get<ReachOptions>() ?? new ReachOptions();
        var siloPort = builder.Configuration.GetValue(ReachSettings.SiloPort, 11111);
        var gatewayPort = builder.Configuration.GetValue(ReachSettings.GatewayPort, 30000);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        var siloName = builder.Configuration.GetValue<string>(ReachSettings.SiloName) ?? builder.Configuration.GetValue<string>(ReachSettings.PodName);
        if (!string.IsNullOrEmpty(siloName))
        {
            builder.Services.Configure<SiloOptions>(silo => silo.SiloName = siloName);
        }

        if (options.Storage != ReachOptions.Postgres)
        {
            builder.Services.AddSingleton(services => new ShardLayout(services.GetRequiredService<IOptions<ReachOptions>>().Value.Shards ?? ShardLayout.DefaultCount));
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort);
                silo.AddMemoryGrainStorage(ReachStorage.Name);
            });
            return builder;
        }

        var connectionString = builder.Configuration.GetConnectionString(ReachSettings.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Reach:Storage is 'postgres' but ConnectionStrings:Reach is not set.");
        }

        // Two pools share the server's connections: Orleans' (grain state, membership) and the
        // journal's (group commits, replays, trims). Both are capped unless the connection string says otherwise.
        var orleansConnection = WithPoolCap(connectionString, 32);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(WithPoolCap(connectionString, options.JournalWriters + 8)));
        builder.Services.AddSingleton<IJournalStore, PostgresJournalStore>();

        // Registered before the silo, so the schema exists and the shard count is settled before
        // the silo touches either.
        var shards = new ShardLayout();
        builder.Services.AddSingleton(shards);
        builder.Services.AddHostedService(_ => new SchemaMigration(connectionString, options.Shards, shards));
        var advertised = builder.Configuration.GetValue<string>(ReachSettings.AdvertisedAddress) ?? builder.Configuration.GetValue<string>(ReachSettings.PodIp);
        builder.UseOrleans(silo =>
        {
            silo.UseReachPostgres(orleansConnection);
            silo.Configure<ClusterOptions>(cluster => (cluster.ClusterId, cluster.ServiceId) = (options.ClusterId, options.ServiceId));
            silo.Configure<EndpointOptions>(endpoints =>
            {
                endpoints.AdvertisedIPAddress = string.IsNullOrEmpty(advertised) ? IPAddress.Loopback : IPAddress.Parse(advertised);
                (endpoints.SiloPort, endpoints.GatewayPort) = (siloPort, gatewayPort);
            });
            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(ReachSettings.Membership));
        });
        return builder;
    }

    private static string WithPoolCap(string connectionString, int connections)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("pool size", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = connections;
        }

        return builder.ConnectionString;
    }

    private sealed class SchemaMigration(string connectionString, int? configuredShards, ShardLayout shards) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await ReachSchema.MigrateAsync(connectionString, cancellationToken);
            shards.Settle(await ReachSchema.SettleShardsAsync(connectionString, configuredShards, cancellationToken));
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
