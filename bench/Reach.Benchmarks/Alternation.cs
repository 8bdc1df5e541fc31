using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace Reach.Benchmarks;

/// <summary>
/// Times one benchmark method of two builds of this project call by call in one process, so that
/// both see the same moments of a machine whose speed drifts from minute to minute: each build is
/// loaded into a load context of its own, the calls alternate (which goes first swaps every round),
/// and the report gives each build's quartiles and how many rounds it was the faster in.
/// </summary>
/// <remarks>
/// <c>alternate CascadeMetricsBenchmarks.ComputeShuffled 1000000 200 /old/bench/Reach.Benchmarks/bin/Release/net10.0 bench/Reach.Benchmarks/bin/Release/net10.0</c>
/// after building the project in Release at both commits. Both builds must give the same result
/// (compared as JSON) before any call is timed.
/// </remarks>
public static class Alternation
{
    private const int WarmupRounds = 40;

    public static int Run(string[] args)
    {
        if (args.Length != 6 || args[1].Split('.') is not [var typeName, var methodName]
            || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var nodes) || !int.TryParse(args[3], CultureInfo.InvariantCulture, out var rounds) || rounds < 1)
        {
            Console.Error.WriteLine("usage: alternate <Class>.<Method> <nodes> <rounds> <build directory A> <build directory B>");
            return 2;
        }

        string[] builds = [args[4], args[5]];
        var calls = builds.Select(build => Load(build, typeName, methodName, nodes)).ToArray();
        var results = calls.Select(call => JsonSerializer.Serialize(call())).ToArray();
        if (results[0] != results[1])
        {
            Console.Error.WriteLine($"The builds disagree:\n{results[0]}\n{results[1]}");
            return 1;
        }

        for (var round = 0; round < WarmupRounds; round++)
        {
            Array.ForEach(calls, call => call());
        }

        var times = new[] { new List<double>(rounds), new List<double>(rounds) };
        var faster = new int[2];
        for (var round = 0; round < rounds; round++)
        {
            var first = round % 2;
            var elapsed = new double[2];
            foreach (var build in new[] { first, 1 - first })
            {
                var stopwatch = Stopwatch.StartNew();
                calls[build]();
                elapsed[build] = stopwatch.Elapsed.TotalMilliseconds;
                times[build].Add(elapsed[build]);
            }

            faster[elapsed[0] <= elapsed[1] ? 0 : 1]++;
        }

        Console.WriteLine($"{typeName}.{methodName}, {nodes:N0} nodes, {rounds} alternated rounds");
        for (var build = 0; build < 2; build++)
        {
            var sorted = times[build].Order().ToArray();
            Console.WriteLine(
                $"{builds[build]}: median {sorted[sorted.Length / 2]:F2} ms, quartiles {sorted[sorted.Length / 4]:F2}–{sorted[3 * sorted.Length / 4]:F2}, " +
                $"min {sorted[0]:F2}, faster in {faster[build]} of {rounds}");
        }

        return 0;
    }

    private static Func<object?> Load(string buildDirectory, string typeName, string methodName, int nodes)
    {
        var assemblyPath = Path.GetFullPath(Path.Combine(buildDirectory, "Reach.Benchmarks.dll"));
        var context = new BuildLoadContext(assemblyPath);
        var type = context.LoadFromAssemblyPath(assemblyPath).GetType($"Reach.Benchmarks.{typeName}", throwOnError: true)!;
        var benchmark = Activator.CreateInstance(type)!;
        type.GetProperty("Nodes")?.SetValue(benchmark, nodes);
        foreach (var setup in type.GetMethods().Where(m => m.GetCustomAttributes().Any(a => a.GetType().Name == "GlobalSetupAttribute")))
        {
            setup.Invoke(benchmark, null);
        }

        var method = type.GetMethod(methodName) ?? throw new ArgumentException($"{typeName} has no method {methodName}.");
        return () => method.Invoke(benchmark, null);
    }

    /// <summary>One build's assemblies, resolved from its own directory.</summary>
    private sealed class BuildLoadContext(string assemblyPath) : AssemblyLoadContext(isCollectible: false)
    {
        private readonly AssemblyDependencyResolver _resolver = new(assemblyPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }
}
