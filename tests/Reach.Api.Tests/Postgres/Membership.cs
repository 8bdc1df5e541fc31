using Npgsql;

namespace Reach.Api.Tests.Postgres;

/// <summary>One row of the Orleans membership table.</summary>
internal sealed record Member(string Address, int Port, int Generation, int Status)
{
    public const int Active = 3;
    public const int Dead = 6;
}

/// <summary>Reads the Orleans membership table, and waits for it to change.</summary>
internal static class Membership
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public static async Task<List<Member>> ReadAsync(string database, string clusterId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return await ReadAsync(connection, clusterId);
    }

    /// <summary>
    /// Returns the members once <paramref name="condition"/> holds for them. A trigger notifies on
    /// every change to the table; the wait re-reads the table on each notification, and fails at
    /// the deadline with what it last saw.
    /// </summary>
    public static async Task<List<Member>> WaitUntilAsync(string database, string clusterId, string what, Func<List<Member>, bool> condition)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using (var listen = new NpgsqlCommand("""
            CREATE OR REPLACE FUNCTION test_membership_changed() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN PERFORM pg_notify('test_membership', ''); RETURN NULL; END $$;
            CREATE OR REPLACE TRIGGER test_membership_changed AFTER INSERT OR UPDATE OR DELETE ON orleans_membership
                FOR EACH STATEMENT EXECUTE FUNCTION test_membership_changed();
            LISTEN test_membership;
            """, connection))
        {
            await listen.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Deadline);
        while (true)
        {
            var members = await ReadAsync(connection, clusterId);
            if (condition(members))
            {
                return members;
            }

            try
            {
                await connection.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"waited {Deadline.TotalSeconds} s for: {what}; the membership table holds {string.Join(", ", members)}");
            }
        }
    }

    private static async Task<List<Member>> ReadAsync(NpgsqlConnection connection, string clusterId)
    {
        await using var command = new NpgsqlCommand(
            "SELECT address, port, generation, status FROM orleans_membership WHERE deployment_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        var members = new List<Member>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            members.Add(new Member(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        return members;
    }
}
