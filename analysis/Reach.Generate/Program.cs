using System.Diagnostics;
using System.Globalization;
using Reach.Analysis.Events;
using Reach.Analysis.Synthetic;

namespace Reach.Generate;

/// <summary>Writes synthetic cascades (or the motivating case) as NDJSON events.</summary>
public static class Program
{
    private const string Usage = """
        Usage: Reach.Generate [options]

        Writes synthetic repost cascades as NDJSON events (one JSON object per line).

        Options:
          --nodes <n>            nodes per cascade, root included (default 1000, at least 1)
          --cascades <n>         number of cascades (default 1, at least 1)
          --seed <n>             random seed, a 32-bit integer (default 0); same seed, same output
          --start <time>         ISO-8601 time of the first root post (default 2026-01-01T00:00:00Z)
          --id-prefix <text>     prefix of every id (default "syn-")
          --shuffle              emit each cascade's events in a seeded random order, not in time order
          --no-accounts          omit the account events (follower counts)
          --implicit-parents     omit parentPostId on reposts (attribution must be inferred)
          --sample <name>        write a fixed sample instead; names: motivating-case
          --out <file>           write to this file instead of stdout
          -h, --help             show this help

        Examples:
          dotnet run --project analysis/Reach.Generate -c Release -- --nodes 1000000 --seed 42 --out big.ndjson
          dotnet run --project analysis/Reach.Generate -c Release -- --sample motivating-case > case.ndjson
        """;

    public static async Task<int> Main(string[] args)
    {
        var options = new SyntheticOptions();
        string? output = null;
        string? sample = null;

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                Console.WriteLine(Usage);
                return 0;
            }

            string? error = null;
            switch (arg)
            {
                case "--shuffle":
                    options = options with { Shuffle = true };
                    continue;
                case "--no-accounts":
                    options = options with { IncludeAccounts = false };
                    continue;
                case "--implicit-parents":
                    options = options with { ExplicitParents = false };
                    continue;
                case "--nodes" or "--cascades" or "--seed" or "--start" or "--id-prefix" or "--sample" or "--out":
                    break;
                default:
                    return Fail($"unknown argument '{arg}'");
            }

            if (i + 1 >= args.Length)
            {
                return Fail($"{arg} needs a value");
            }

            var value = args[++i];
            switch (arg)
            {
                case "--nodes":
                    if (TryPositive(value, out var nodes))
                    {
                        options = options with { Nodes = nodes };
                    }
                    else
                    {
                        error = $"--nodes must be a positive integer, not '{value}'";
                    }

                    break;
                case "--cascades":
                    if (TryPositive(value, out var cascades))
                    {
                        options = options with { Cascades = cascades };
                    }
                    else
                    {
                        error = $"--cascades must be a positive integer, not '{value}'";
                    }

                    break;
                case "--seed":
                    if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
                    {
                        options = options with { Seed = seed };
                    }
                    else
                    {
                        error = $"--seed must be a 32-bit integer, not '{value}'";
                    }

                    break;
                case "--start":
                    if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
                    {
                        options = options with { StartTime = start };
                    }
                    else
                    {
                        error = $"--start must be an ISO-8601 time, not '{value}'";
                    }

                    break;
                case "--id-prefix":
                    options = options with { IdPrefix = value };
                    break;
                case "--sample":
                    if (value == "motivating-case")
                    {
                        sample = value;
                    }
                    else
                    {
                        error = $"unknown sample '{value}' (known: motivating-case)";
                    }

                    break;
                default:
                    output = value;
                    break;
            }

            if (error is not null)
            {
                return Fail(error);
            }
        }

        IEnumerable<ReachEvent> events = sample is null ? SyntheticCascadeGenerator.Generate(options) : MotivatingCase.Events();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            if (output is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                await EventWriter.WriteNdjsonAsync(events, stdout);
            }
            else
            {
                await using (var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    await EventWriter.WriteNdjsonAsync(events, file);
                }

                var size = new FileInfo(output).Length;
                await Console.Error.WriteLineAsync(
                    $"wrote {output}: {size / 1048576.0:F1} MiB in {stopwatch.Elapsed.TotalSeconds:F2} s");
            }
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
        catch (UnauthorizedAccessException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }

        return 0;
    }

    private static bool TryPositive(string value, out int result) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out result) && result >= 1;

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine();
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
