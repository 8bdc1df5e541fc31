using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Reach.Grains.Storage;

public static class PostgresHosting
{
    /// <summary>The ADO.NET invariant name under which the Orleans providers load Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Makes PostgreSQL the silo's cluster membership (ADO.NET clustering) and the backend of the
    /// <see cref="ReachStorage.Name"/> grain storage. The schema must exist before the silo starts:
    /// run <see cref="ReachSchema.MigrateAsync"/> against the same database first.
    /// </summary>
    /// <remarks>
    /// Grain state is written with Orleans' own binary serializer
    /// (<see cref="OrleansGrainStorageSerializer"/>), not the provider default (JSON): the state
    /// records are <c>[GenerateSerializer]</c> types whose members carry <c>[Id]</c>s, which makes
    /// the binary form version tolerant (members can be added and removed), and it stores the large
    /// <c>byte[]</c> graph snapshots as raw bytes instead of base64 text.
    /// </remarks>
    public static ISiloBuilder UseReachPostgres(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });

        // OptionsBuilder.Configure<TDep> hands the configuration the silo's Serializer; a serializer
        // set here is kept by the provider's post-configuration, which only fills in a missing one.
        silo.AddAdoNetGrainStorage(ReachStorage.Name, (OptionsBuilder<AdoNetGrainStorageOptions> options) =>
            options.Configure<Serializer>((storage, serializer) =>
            {
                storage.Invariant = Invariant;
                storage.ConnectionString = connectionString;
                storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));

        return silo;
    }
}
