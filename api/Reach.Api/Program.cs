using Reach.Api;
using Reach.Grains;

var builder = WebApplication.CreateBuilder(args);
builder.AddReachSilo();
builder.AddReachApi();

var app = builder.Build();
app.MapReachApi();
app.Run();

/// <summary>The web host's entry point; public so tests can start it in process.</summary>
public partial class Program;
