using System.Reflection;
using BenchmarkDotNet.Running;
using Reach.Benchmarks;

// dotnet run -c Release --project bench/Reach.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/Reach.Benchmarks -- memory [nodes]
// dotnet run -c Release --project bench/Reach.Benchmarks -- compare export|measure …   (bench/compare/compare.py runs it)
// dotnet run -c Release --project bench/Reach.Benchmarks -- alternate <Class>.<Method> <nodes> <rounds> <build A> <build B>
if (args.Length > 0 && args[0] == "alternate")
{
    return Alternation.Run(args);
}

if (args.Length > 0 && args[0] == "compare")
{
    return Compare.Run(args);
}

if (args.Length > 0 && args[0] == "memory")
{
    var nodes = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    return MemoryReport.Run(nodes);
}

// Reports go to bench/Reach.Benchmarks/BenchmarkDotNet.Artifacts unless --artifacts says otherwise.
var projectDirectory = typeof(BenchmarkConfig).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .FirstOrDefault(a => a.Key == "ProjectDirectory")?.Value;
if (projectDirectory is not null && !args.Contains("--artifacts"))
{
    args = [.. args, "--artifacts", Path.Combine(projectDirectory, "BenchmarkDotNet.Artifacts")];
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
