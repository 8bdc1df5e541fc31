using System.Diagnostics;

namespace Reach.Api.Tests.Observability;

/// <summary>A program from the machine (promtool, prometheus, kubectl), run to completion.</summary>
internal static class ExternalTool
{
    /// <summary>The tool's path; skips the test when it is missing, or fails it under CI, which installs it.</summary>
    public static string Require(string name, string package)
    {
        if (Find(name) is { } path)
        {
            return path;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"{name} is missing; .ci/run installs Debian's {package} package");
        Assert.Skip($"{name} is missing: apt-get install {package}");
        return "";
    }

    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        string path, IEnumerable<string> arguments, string? input = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await errors);
    }
}

/// <summary>Files of the repository itself (manifests, dashboards, rules), found from the test binaries.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Reach.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with Reach.sln) is not above the test binaries.");
    }
}
