using System.Diagnostics;
using Npgsql;

[assembly: AssemblyFixture(typeof(Reach.Api.Tests.Postgres.PostgresServer))]

namespace Reach.Api.Tests.Postgres;

/// <summary>
/// A throwaway PostgreSQL server for the whole test run: a fresh cluster (initdb) in a temporary
/// folder, listening on a free loopback port with trust authentication, stopped and deleted at the
/// end. It starts on first use, so test runs that need no database pay nothing; each test then takes
/// its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
/// <remarks>
/// Without PostgreSQL installed (<c>/usr/lib/postgresql/N/bin</c>, or <c>pg_ctl</c> on PATH)
/// <see cref="CreateDatabaseAsync"/> skips the calling test, or fails it under CI (<c>CI=true</c>),
/// where <c>.ci/run</c> installs Debian's postgresql package. Running as root, the server runs as
/// the <c>postgres</c> user (PostgreSQL refuses to run as root).
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Lazy<Task<string>> _started;
    private string? _folder;
    private string? _binaries;
    private bool _asPostgresUser;

    public PostgresServer() => _started = new Lazy<Task<string>>(StartAsync);

    /// <summary>
    /// Creates a fresh, empty database (a unique name unless one is given) and returns its Npgsql
    /// connection string. Starts the server on first use; skips or fails the calling test when
    /// PostgreSQL is not installed.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        if (FindBinaries() is null)
        {
            const string Missing = "PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin and no pg_ctl on PATH)";
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"{Missing}; .ci/run installs Debian's postgresql package");
            Assert.Skip($"{Missing}: apt-get install postgresql");
        }

        var admin = await _started.Value;
        name ??= "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(name)}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>The folder holding the PostgreSQL programs (initdb, pg_ctl), or null.</summary>
    public static string? FindBinaries()
    {
        const string Debian = "/usr/lib/postgresql";
        if (Directory.Exists(Debian))
        {
            var highest = Directory.GetDirectories(Debian)
                .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1))
                .Where(d => d.version >= 0 && File.Exists(Path.Combine(d.dir, "bin", "initdb")))
                .OrderByDescending(d => d.version)
                .Select(d => Path.Combine(d.dir, "bin"))
                .FirstOrDefault();
            if (highest is not null)
            {
                return highest;
            }
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(dir => File.Exists(Path.Combine(dir, "pg_ctl")))
            .Select(dir => Path.GetDirectoryName(Path.GetFullPath(ResolveLink(Path.Combine(dir, "pg_ctl"))))!)
            .FirstOrDefault();
    }

    private async Task<string> StartAsync()
    {
        _binaries = FindBinaries()!;
        _asPostgresUser = Environment.UserName == "root";
        _folder = Path.Combine(Path.GetTempPath(), "reach-pg-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(_folder, "data");
        var sockets = Path.Combine(_folder, "sockets");
        Directory.CreateDirectory(sockets);
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["-R", $"{Superuser}:{Superuser}", _folder], asPostgresUser: false);
        }

        await RunAsync(Tool("initdb"), ["-D", data, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-instructions"]);

        // fsync and synchronous_commit stay on: durability is what the tests exercise. The WAL is
        // minimal (no replicas) and large enough that a test's writes need no checkpoint. The port
        // goes on the command line, so that a retry can pick another.
        await File.AppendAllLinesAsync(Path.Combine(data, "postgresql.conf"),
        [
            "# Reach test server",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{sockets}'",
            "max_connections = 200",
            "shared_buffers = 128MB",
            "wal_level = minimal",
            "max_wal_senders = 0",
            "max_wal_size = 2GB",
            "log_min_messages = warning",
        ]);
        int port;
        for (var attempt = 1; ; attempt++)
        {
            port = Ports.Free();
            try
            {
                await RunAsync(Tool("pg_ctl"), ["start", "-D", data, "-l", Path.Combine(_folder, "server.log"), "-o", $"-p {port}", "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString()]);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely the free port was taken in between: try another.
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"{e.Message}\nserver log:\n{ReadLog()}", e);
            }
        }

        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = Superuser,
            Database = "postgres",
            IncludeErrorDetail = true,
        }.ConnectionString;
        await ConfirmAcceptingAsync(admin, port);
        return admin;
    }

    /// <summary>pg_ctl -w returned once the server accepted connections; one connection confirms it.</summary>
    private async Task ConfirmAcceptingAsync(string connectionString, int port)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException($"PostgreSQL does not accept connections on 127.0.0.1:{port}.\nserver log:\n{ReadLog()}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_started.IsValueCreated && _folder is not null)
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                await RunAsync(Tool("pg_ctl"), ["stop", "-D", Path.Combine(_folder, "data"), "-m", "fast", "-w", "-t", "60"], check: false);
            }
            finally
            {
                try
                {
                    Directory.Delete(_folder, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private string Tool(string name) => Path.Combine(_binaries!, name);

    private string ReadLog()
    {
        var log = Path.Combine(_folder!, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(none)";
    }

    /// <summary>Runs a program (as the postgres user when this process is root) and returns its exit code.</summary>
    private async Task<int> RunAsync(string program, string[] arguments, bool? asPostgresUser = null, bool check = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder ?? Path.GetTempPath(),
        };
        if (asPostgresUser ?? _asPostgresUser)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", Superuser, "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} did not finish within 2 minutes");
        }

        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}{await error}");
        }

        return process.ExitCode;
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static string ResolveLink(string path) =>
        File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
}
