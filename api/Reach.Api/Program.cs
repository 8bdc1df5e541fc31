using Reach.Api;
using Reach.Grains;
using Reach.Grains.Storage;

var builder = WebApplication.CreateBuilder(args);
if (args is ["migrate", ..])
{
    // Applies the PostgreSQL schema and exits; the service also does this itself on start.
    var connectionString = builder.Configuration.GetConnectionString(ReachSettings.ConnectionStringName)
        ?? throw new InvalidOperationException("migrate needs ConnectionStrings:Reach (or the environment variable ConnectionStrings__Reach).");
    await ReachSchema.MigrateAsync(connectionString);
    Console.WriteLine("The Reach schema is up to date.");
    return;
}

builder.AddReachSilo();
builder.AddReachApi();

var app = builder.Build();
app.MapReachApi();
app.Run();

/// <summary>The web host's entry point; public so tests can start it in process.</summary>
public partial class Program;
