using Npgsql;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// Row count and a hash of the full contents of every table, to prove a request changed nothing.
/// <c>rate_limit_counters</c> is left out on purpose: counting a request is the one write every request
/// to a limited endpoint makes, valid or not. <c>webhook_events</c> and <c>webhook_deliveries</c> are left out
/// because background workers write them at any moment (the fan-out stamps earlier tests' events, the expiry
/// sweep adds <c>pin_pair.expired</c>); a request's own event is written in the transaction of its change, and
/// that change shows in the table it changed.
/// </summary>
public static class DatabaseFingerprint
{
    private static readonly string[] s_ignored = ["rate_limit_counters", "__ef_migrations_history", "webhook_events", "webhook_deliveries"];

    public static async Task<IReadOnlyDictionary<string, string>> TakeAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
            connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var fingerprint = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables.Where(t => !s_ignored.Contains(t)))
        {
            // The table names come from the catalog, not from input.
            await using var command = new NpgsqlCommand(
                $"SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" AS t",
                connection);
            fingerprint[table] = (string)(await command.ExecuteScalarAsync())!;
        }
        Assert.True(fingerprint.Count >= 10, $"Expected KitaLink's tables, found: {string.Join(", ", fingerprint.Keys)}");
        return fingerprint;
    }

    public static Task<IReadOnlyDictionary<string, string>> DatabaseFingerprintAsync(this KitaLinkFactory factory) =>
        TakeAsync(factory.ConnectionString);

    /// <summary>Asserts both fingerprints are equal, naming the tables that differ.</summary>
    public static void AssertUnchanged(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, string because)
    {
        var changed = before.Keys.Union(after.Keys)
            .Where(t => !before.TryGetValue(t, out var b) || !after.TryGetValue(t, out var a) || a != b)
            .ToList();
        Assert.True(changed.Count == 0, $"{because}: changed tables {string.Join(", ", changed)}");
    }
}
